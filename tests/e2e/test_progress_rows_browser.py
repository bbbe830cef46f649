"""试点推进状态更新 in a real browser: the 试点成果 rows of a draft revision keep their identity."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import choose, open_page, server_data_dirs, settle, sign_in

pytestmark = pytest.mark.e2e

FIRST = ("搭建数字乡村服务平台", "针对数据分散问题，上线数字乡村服务平台，实现一网通查")
SECOND = ("建立数据共享机制", "针对部门壁垒问题，建立跨部门数据共享机制，实现数据按需共享")


def shots_dir(tmp_path) -> Path:
    path = Path(os.environ.get("E2E_SCREENSHOT_DIR", tmp_path))
    path.mkdir(parents=True, exist_ok=True)
    return path


def draft_on_server(server: str, monkeypatch, **pilot):
    """A pilot distributed to 万州区 (created by its clerk, approved by its reviewer, distributed
    by 市发展改革委) and a saved draft revision with three work items and the rows FIRST and
    SECOND, built through the services on the running server's database and upload directory.
    Returns (the draft, an engine on that database)."""
    data = server_data_dirs[server]
    monkeypatch.setenv("REFORM_DATA_DIR", str(data))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{data / 'reform.db'}")
    from services import db
    from tests.pages import progress_setup
    engine = db.make_engine(os.environ["DATABASE_URL"])
    with db.session_scope(engine) as s:
        return progress_setup.draft(s, achievements=(FIRST, SECOND), **pilot), engine


@pytest.fixture
def draft_with_two_achievements(server_with_passwords, monkeypatch):
    from services import db, progress
    rev, engine = draft_on_server(server_with_passwords, monkeypatch)
    with db.session_scope(engine) as s:
        rows = progress.achievements_of(s, rev.id)

    def stored() -> list[tuple[int, str, str]]:
        with db.session_scope(engine) as s:
            return [(a.id, a.name, a.measures) for a in progress.achievements_of(s, rev.id)]

    yield rows, stored
    engine.dispose()


def field_values(page) -> list[str]:
    """What every text input and text area on the page holds."""
    return page.locator("input[type=text], textarea").evaluate_all("els => els.map(e => e.value)")


def test_deleting_the_first_achievement_row_removes_that_row_and_keeps_the_second(
        server_with_passwords, browser, draft_with_two_achievements, tmp_path):
    rows, stored = draft_with_two_achievements
    first_id, second_id = (r.id for r in rows)
    assert stored() == [(first_id, *FIRST), (second_id, *SECOND)]
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    sign_in(page, server_with_passwords, "13800000101")
    open_page(page, "试点推进状态更新")
    choose(page, "选择推进任务", "数字乡村改革试点（第1次填报（草稿））")
    measures = page.get_by_label("具体举措及解决问题", exact=True)
    expect(page.get_by_label("成果名称（第1项）", exact=True)).to_have_value(FIRST[0])
    expect(page.get_by_label("成果名称（第2项）", exact=True)).to_have_value(SECOND[0])
    expect(measures).to_have_count(2)
    assert [measures.nth(i).input_value() for i in range(2)] == [FIRST[1], SECOND[1]]

    first_row = page.get_by_test_id("stVerticalBlock") \
        .filter(has=page.get_by_label("成果名称（第1项）", exact=True)) \
        .filter(has=page.get_by_role("button", name="删除", exact=True)).last
    delete = first_row.get_by_role("button", name="删除", exact=True)
    delete.hover()
    expect(page.get_by_test_id("stTooltipContent").filter(has_text="删除此项成果")).to_be_visible()
    delete.click()
    settle(page)

    expect(page.get_by_label("成果名称（第1项）", exact=True)).to_have_value(SECOND[0])
    expect(page.get_by_label("成果名称（第2项）", exact=True)).to_have_count(0)
    expect(measures).to_have_count(1)
    expect(measures).to_have_value(SECOND[1])
    assert FIRST[0] not in field_values(page) and FIRST[1] not in field_values(page)

    page.get_by_role("button", name="保存", exact=True).click()
    settle(page)
    page.get_by_text("已保存", exact=True).first.wait_for()

    assert stored() == [(second_id, *SECOND)]
    expect(page.get_by_label("成果名称（第1项）", exact=True)).to_have_value(SECOND[0])
    expect(page.get_by_label("成果名称（第2项）", exact=True)).to_have_count(0)
    expect(measures).to_have_value(SECOND[1])

    page.set_viewport_size({"width": 390, "height": 900})  # a phone's width
    settle(page)
    height = page.get_by_test_id("stMain").evaluate("main => main.scrollHeight")
    page.set_viewport_size({"width": 390, "height": height})  # the whole page in one picture
    settle(page)
    page.screenshot(path=str(shots_dir(tmp_path) / "progress_update_390.png"), full_page=True)
    page.close()


def test_on_a_phone_each_work_items_buttons_stay_on_one_line_beside_or_under_it(
        server_with_passwords, browser, monkeypatch):
    _rev, engine = draft_on_server(server_with_passwords, monkeypatch, name="智慧城市改革试点",
                                   doc="国办发〔2023〕13号")
    engine.dispose()
    page = browser.new_page(viewport={"width": 390, "height": 900})
    sign_in(page, server_with_passwords, "13800000101")
    page.goto(server_with_passwords + "/progress_update")  # the menu is folded away on a phone
    page.get_by_role("heading", name="试点推进状态更新").first.wait_for()
    choose(page, "选择推进任务", "智慧城市改革试点（第1次填报（草稿））")
    line = page.get_by_test_id("stHorizontalBlock").filter(
        has=page.get_by_label("第1项", exact=True)).last

    boxes = [line.get_by_role("button", name=name, exact=True).bounding_box()
             for name in ("上移", "下移", "删除")]

    assert len({round(b["y"]) for b in boxes}) == 1, boxes  # one row, not three
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()
