"""一件事核准 in a real browser: two districts' near-identical 一件事 are shown side by side; the
市委改革办 reviewer downloads a chart, picks one → 纳入名录库并晾晒 and the other becomes
已有重复事项 pointing at it; 名录库 then lists the chosen item and exports it. The page at a
desktop's and a phone's width (screenshots in E2E_SCREENSHOT_DIR)."""
import os
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import DigitalItem, User
from services import accounts, db
from services.digital import catalog, rows
from services.digital.items import DUPLICATE, INCLUDED
from tests.e2e.conftest import open_page, server_data_dirs, settle, sign_in
from tests.services import digital_helpers as h

pytestmark = pytest.mark.e2e
WANZHOU, QIANJIANG = "企业开办一件事", "开办企业“一件事”"


def shots_dir(tmp_path) -> Path:
    path = Path(os.environ.get("E2E_SCREENSHOT_DIR", tmp_path))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _user(s, phone):
    return accounts.current_user(s, s.execute(select(User).where(User.phone == phone))
                                 .scalars().one())


def submit_items(server_url, monkeypatch) -> dict[str, int]:
    """Each district's clerk adds its 一件事 with its 原一图两清单 and the district's reviewer
    通过 the form (through the services, on the server's database and upload directory)."""
    monkeypatch.setenv("REFORM_DATA_DIR", str(server_data_dirs[server_url]))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    ids = {}
    with db.session_scope() as s:
        domain = catalog.domains(s)[0].id
        for name, clerk, reviewer, district in ((WANZHOU, "13800000101", "13800000102", "万州区"),
                                                (QIANJIANG, "13800000201", "13800000202", "黔江区")):
            clerk, reviewer = _user(s, clerk), _user(s, reviewer)
            ids[name] = rows.save_row(
                s, actor=clerk, kind="digital_item", form_version=h.form_version(s, clerk),
                values={"name": name, "domain_id": domain, "intro": "一次告知、一表申请"},
                uploads=[h.chart(name=f"{district}一图两清单.pdf")]).row.id
            h.pass_form(s, None, clerk, reviewer)
    return ids


def stored(item_id) -> DigitalItem:
    with db.session_scope() as s:
        return s.get(DigitalItem, item_id)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_office_picks_the_best_of_two_districts_items_and_the_catalog_shows_it(
        server_with_passwords, browser, tmp_path, monkeypatch):
    url = server_with_passwords
    ids = submit_items(url, monkeypatch)
    shots = shots_dir(tmp_path)
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)

    sign_in(page, url, "13700000101")
    open_page(page, "一件事核准")
    page.get_by_text("相近事项 2 项（万州区、黔江区）").wait_for()
    with page.expect_download() as chart:
        page.get_by_role("button", name="下载 原一图两清单：黔江区一图两清单.pdf").click()
    assert chart.value.suggested_filename == "黔江区一图两清单.pdf"
    assert Path(chart.value.path()).read_bytes() == h.PDF
    page.get_by_text(f"万州区｜{WANZHOU}").click()
    settle(page)
    page.get_by_text("单独核准此项").first.click()  # one item's own verdict form, opened
    settle(page)
    for width, height in ((1280, 2200), (390, 900), (390, 3200)):
        page.set_viewport_size({"width": width, "height": height})
        settle(page)
        assert no_sideways_scroll(page), width
    page.screenshot(path=str(shots / "digital_verdicts_390.png"))
    page.set_viewport_size({"width": 1280, "height": 2200})
    settle(page)
    page.screenshot(path=str(shots / "digital_verdicts_1280.png"))
    page.set_viewport_size({"width": 1280, "height": 1000})
    settle(page)

    page.get_by_role("button", name="一并核准").click()
    settle(page)
    page.get_by_text(f"将万州区“{WANZHOU}”核准为“纳入名录库并晾晒”").wait_for()
    page.get_by_role("button", name="确认一并核准").click()
    settle(page)
    page.get_by_text(f"已一并核准：万州区“{WANZHOU}”纳入名录库并晾晒").first.wait_for()

    chosen, other = stored(ids[WANZHOU]), stored(ids[QIANJIANG])
    assert (chosen.status, other.status, other.duplicate_of_id) == (
        INCLUDED, DUPLICATE, chosen.id)

    open_page(page, "名录库")
    page.get_by_text("共 1 项").wait_for()
    with page.expect_download() as export:
        page.get_by_role("button", name="导出Excel").click()
    sheet = load_workbook(BytesIO(Path(export.value.path()).read_bytes())).active
    assert [c.value for c in sheet[1]] == ["事项名称", "区县", "重点领域", "核准情况",
                                           "纳入名录库日期", "简介"]
    assert [c.value for c in sheet[2]][:4] == [WANZHOU, "万州区", "党建统领", INCLUDED]
    assert sheet.max_row == 2
    page.set_viewport_size({"width": 390, "height": 900})
    settle(page)
    assert no_sideways_scroll(page)
    page.screenshot(path=str(shots / "digital_catalog_390.png"))
    page.close()


def test_a_second_districts_clerk_sees_the_near_identical_item_while_typing_then_it_is_grouped(
        server_with_passwords, browser, tmp_path, monkeypatch):
    """万州区's 一件事 is waiting for 核准; 黔江区's clerk, typing a near-identical 事项名称, is shown
    it with its district and 核准情况 before saving; saved and approved anyway, the two are
    grouped together on 一件事核准."""
    from tests.e2e.conftest import choose, fill, upload
    from tests.e2e.digital_steps import (
        approve_district_form, open_district_review, save_row_and_submit,
    )
    url = server_with_passwords
    monkeypatch.setenv("REFORM_DATA_DIR", str(server_data_dirs[url]))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with db.session_scope() as s:
        clerk, reviewer = _user(s, "13800000101"), _user(s, "13800000102")
        domain = catalog.domains(s)[0]
        rows.save_row(s, actor=clerk, kind="digital_item", form_version=h.form_version(s, clerk),
                      values={"name": WANZHOU, "domain_id": domain.id},
                      uploads=[h.chart(name="万州区一图两清单.pdf")])
        h.pass_form(s, None, clerk, reviewer)
    chart = tmp_path / "黔江区一图两清单.pdf"
    chart.write_bytes(h.PDF)
    page = browser.new_page(viewport={"width": 1280, "height": 1400})

    sign_in(page, url, "13800000201")
    open_page(page, "区县推进情况更新")
    page.get_by_role("button", name="＋ 新增一件事").click()
    settle(page)
    fill(page, "事项名称", QIANJIANG)
    settle(page)
    # the similar items' table (a grid: its cells are in the page, drawn on a canvas)
    page.locator("td[role=gridcell]", has_text=WANZHOU).first.wait_for(state="attached")
    page.locator("td[role=gridcell]", has_text="万州区").first.wait_for(state="attached")
    page.locator("td[role=gridcell]", has_text="待核准（原一图两清单）").first.wait_for(state="attached")
    page.screenshot(path=str(shots_dir(tmp_path) / "digital_similar_while_typing.png"),
                    full_page=True)
    choose(page, "重点领域", domain.name)
    upload(page, "原一图两清单", chart)
    save_row_and_submit(page)
    open_district_review(page, url, "13800000202")
    approve_district_form(page)

    sign_in(page, url, "13700000101")
    open_page(page, "一件事核准")
    page.get_by_text("相近事项 2 项（万州区、黔江区）").wait_for()


def test_a_clerk_follows_the_cockpit_to_the_catalog(server_with_passwords, browser, monkeypatch):
    """The manual's path: 驾驶舱 → 重点关注 → 数字重庆建设 → 名录库, as 黔江区's clerk."""
    from services.digital import verdicts
    url = server_with_passwords
    ids = submit_items(url, monkeypatch)
    with db.session_scope() as s:
        verdicts.give(s, actor=_user(s, "13700000101"), item_id=ids[WANZHOU],
                      version=stored(ids[WANZHOU]).version, verdict="include")
    page = browser.new_page(viewport={"width": 1280, "height": 1000})

    sign_in(page, url, "13800000201")
    open_page(page, "区县改革报表驾驶舱")
    page.get_by_text("重点关注").first.wait_for()
    page.get_by_text("数字重庆建设").first.wait_for()
    page.get_by_text("一件事纳入名录库数").first.wait_for()
    page.get_by_role("link", name="名录库").last.click()
    settle(page)
    page.get_by_role("heading", name="名录库").wait_for()
    page.locator("td[role=gridcell]", has_text=WANZHOU).first.wait_for(state="attached")
    assert stored(ids[WANZHOU]).status == INCLUDED
