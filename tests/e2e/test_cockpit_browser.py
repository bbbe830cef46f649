"""区县改革报表驾驶舱 in a real browser: 万州区's leader lands on it, sees its rank, clicks a bar
of the district ranking and gets exactly the records behind it."""
from datetime import date

from services import clock

import pytest
from sqlalchemy import select

from tests.e2e.conftest import PASSWORD, login, server_data_dirs, settle

pytestmark = pytest.mark.e2e
LEADER = "13800000103"


@pytest.fixture
def wanzhou_pilots(server_with_passwords, monkeypatch):
    """Two pilots of 万州区 distributed by 市发展改革委, through the services, on the server's
    database; returns 万州区's 承接试点数 this year as the cockpit counts it."""
    data = server_data_dirs[server_with_passwords]
    monkeypatch.setenv("REFORM_DATA_DIR", str(data))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{data / 'reform.db'}")
    from models import Org, User
    from services import accounts, db, pilots
    from services.cockpit import board, periods
    from services.review import Action
    from tests.services.test_files import PDF

    with db.session_scope() as s:
        def user(phone):
            return accounts.current_user(s, s.execute(select(User).where(User.phone == phone))
                                         .scalars().one())
        dept = s.execute(select(Org.id).where(Org.name == "市发展改革委")).scalar_one()
        for n in (1, 2):
            p = pilots.create(s, actor=user("13800000101"), submit=True, data=pilots.PilotInput(
                name=f"驾驶舱{n}号改革试点", deploy_level="中办国办", doc_title="关于开展试点的通知",
                doc_number=f"国办函〔2026〕{90 + n}号", content="开展改革",
                due_date=date(2027, 12, 31), dept_id=dept),
                uploads=[pilots.Upload(pilots.NATIONAL_DOC, "国家文件.pdf", PDF)])
            p = pilots.act(s, actor=user("13800000102"), pilot_id=p.id, action=Action.APPROVE,
                           version=p.version)
            pilots.confirm_and_distribute(s, actor=user("13900000101"), pilot_id=p.id,
                                          version=p.version)
        wanzhou = s.execute(select(Org.id).where(Org.name == "万州区")).scalar_one()
        figure = board.board(s, actor=user(LEADER), period=periods.current_year(),
                             district_id=wanzhou)
        return figure.kpi("pilots")


def test_wanzhou_leader_lands_on_the_cockpit_and_a_bar_opens_its_records(
        server_with_passwords, browser, wanzhou_pilots):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    login(page, server_with_passwords, LEADER, PASSWORD)

    page.get_by_role("heading", name="区县改革报表驾驶舱").first.wait_for(timeout=15000)
    rank = page.get_by_test_id("stAlert").filter(has_text="万州区在全市41个区县中").first
    assert f"承接试点数第{wanzhou_pilots.rank}名" in rank.inner_text()
    chart = page.locator(".js-plotly-plot:visible").first
    chart.wait_for()
    index = chart.evaluate("el => el.data[0].y.indexOf('万州区')")
    bar = chart.locator(".barlayer .point path").nth(index)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    settle(page)

    records = page.locator('[class*="st-key-drill-rank"]').first
    records.wait_for(timeout=15000)
    assert f"承接试点数的记录：万州区 · {clock.today().year}年，共 {wanzhou_pilots.value} 条" \
        in records.inner_text()
    grid = records.locator('[data-testid^="glide-cell-"]')  # the table's (hidden) text cells
    grid.first.wait_for(state="attached")
    cells = grid.evaluate_all("cells => cells.map(c => c.textContent)")
    assert {"驾驶舱1号改革试点", "驾驶舱2号改革试点"} <= set(cells)
    assert records.get_by_role("button", name="导出Excel").is_enabled()
    page.close()
