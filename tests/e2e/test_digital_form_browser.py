"""数字重庆建设 in a real browser: 黔江区's clerk adds a 一件事 with its 原一图两清单 and
保存并上报 → 黔江区's reviewer 通过 → 市委改革办 纳入名录库并晾晒 on 一件事核准 → the item is in
名录库 and the clerk reads the 核准意见 on 业务工作台; the form at a phone's width."""
import os
from pathlib import Path

import pytest

from tests.e2e.conftest import choose, fill, logout, open_page, settle, sign_in, upload
from tests.e2e.digital_steps import approve_district_form, open_district_review, save_row_and_submit

pytestmark = pytest.mark.e2e
NAME = "黔江区企业开办一件事"
OPINION = "原一图两清单梳理深入，请于1个月内上传新一图两清单"


def shots_dir(tmp_path) -> Path:
    path = Path(os.environ.get("E2E_SCREENSHOT_DIR", tmp_path))
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_an_item_goes_from_the_clerk_through_review_into_the_catalog(
        server_with_passwords, browser, tmp_path):
    url = server_with_passwords
    chart = tmp_path / "原一图两清单.pdf"
    chart.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    page = browser.new_page(viewport={"width": 1280, "height": 1000})

    # 黔江区录入员: "+" a 一件事 with its 原一图两清单, 保存, then 保存并上报
    sign_in(page, url, "13800000201")
    open_page(page, "区县推进情况更新")
    page.get_by_role("button", name="＋ 新增一件事").click()
    settle(page)
    fill(page, "事项名称", NAME)
    choose(page, "重点领域", "数字政府")
    fill(page, "简介", "企业开办一次告知、一表申请、一网通办")
    upload(page, "原一图两清单", chart)
    page.set_viewport_size({"width": 1280, "height": 2400})
    settle(page)
    page.screenshot(path=str(shots_dir(tmp_path) / "digital_update_1280.png"), full_page=True)
    save_row_and_submit(page)

    # 黔江区审核员 sees the new row whole and 通过
    open_district_review(page, url, "13800000202")
    page.get_by_text(f"【新增】一件事：{NAME}").first.wait_for()
    page.screenshot(path=str(shots_dir(tmp_path) / "digital_review_1280.png"), full_page=True)
    approve_district_form(page)

    # 市委改革办审核员 on 一件事核准: 纳入名录库并晾晒 with an opinion; 名录库 then lists it
    sign_in(page, url, "13700000101")
    open_page(page, "一件事核准")
    page.get_by_text(NAME).first.wait_for()
    choose(page, "核准情况", "纳入名录库并晾晒")
    fill(page, "核准意见", OPINION)
    page.get_by_role("button", name="提交核准").click()
    settle(page)
    page.get_by_text(f"已核准：黔江区“{NAME}”纳入名录库并晾晒").first.wait_for()
    open_page(page, "名录库")
    fill(page, "事项名称", "黔江区企业开办")
    page.get_by_text("共 1 项").wait_for()
    page.screenshot(path=str(shots_dir(tmp_path) / "digital_catalog_1280.png"), full_page=True)
    logout(page)

    # 黔江区录入员 reads the 核准意见 on 业务工作台 and in the form's table
    sign_in(page, url, "13800000201")
    page.get_by_text(OPINION).first.wait_for()
    page.get_by_text(f"【一件事期限】一件事：{NAME}").first.wait_for()
    page.screenshot(path=str(shots_dir(tmp_path) / "digital_workbench_1280.png"), full_page=True)
    open_page(page, "区县推进情况更新")
    choose(page, "选择一件事查看或修改", f"{NAME}（纳入名录库并晾晒）")
    page.get_by_test_id("stMarkdownContainer").filter(has_text=OPINION).first.wait_for()
    page.get_by_text("上传新一图两清单：截止").first.wait_for()
    page.close()


def test_the_form_needs_no_horizontal_scrolling_on_a_phone(server_with_passwords, browser,
                                                           tmp_path):
    page = browser.new_page(viewport={"width": 390, "height": 900})
    sign_in(page, server_with_passwords, "13800000101")
    page.get_by_test_id("stExpandSidebarButton").click()
    open_page(page, "区县推进情况更新")
    page.get_by_role("button", name="＋ 新增应用“三张清单”").click()
    settle(page)
    page.get_by_text("市大数据发展局查重通过", exact=True).click()
    settle(page)

    page.set_viewport_size({"width": 390, "height": 3200})
    settle(page)
    page.screenshot(path=str(shots_dir(tmp_path) / "digital_update_390.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    for name in ("保存", "取消", "＋ 新增一件事"):
        box = page.get_by_role("button", name=name, exact=True).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    for label in ("区县数建办论证审查意见", "市大数据发展局查重通过意见", "三张清单文本"):
        page.get_by_test_id("stFileUploader").filter(has_text=label).first.wait_for()
    page.close()
