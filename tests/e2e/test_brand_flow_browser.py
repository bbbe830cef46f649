"""The brand highlight chain in a real browser: 万州区 clerk → district reviewer → 市委改革办
驳回 with a reason → the clerk reads the reason on 业务工作台; the entry form at a phone's width."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    choose, fill, logout, open_page, settle, sign_in, type_date, upload,
)

pytestmark = pytest.mark.e2e
REASON = "佐证材料不能印证全市推广，请补充新闻报道"


def shots_dir(tmp_path) -> Path:
    path = Path(os.environ.get("E2E_SCREENSHOT_DIR", tmp_path))
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_brand_entry_is_rejected_by_the_reform_office_and_the_clerk_sees_why(
        server_with_passwords, browser, tmp_path):
    url = server_with_passwords
    pdf = tmp_path / "会议通知.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    page = browser.new_page(viewport={"width": 1280, "height": 1000})

    # 万州区录入员 fills every field and 保存并上报
    sign_in(page, url, "13800000101")
    open_page(page, "改革品牌录入")
    fill(page, "改革事项", "建立基层治理“一网统管”机制")
    choose(page, "获评类别", "获全市推广")
    type_date(page, "获评日期", "20240510")
    fill(page, "具体情形", "2024年5月全市召开推广会推广万州经验")
    fill(page, "解决问题", "针对基层事项多头交办问题，上线一网统管应用，实现事项一口受理")
    fill(page, "主要成果", "建立事项分级处置制度")
    upload(page, "佐证材料", pdf)
    page.get_by_text("已自查，满足报表计分条件").first.click()
    settle(page)
    page.set_viewport_size({"width": 1280, "height": 2600})  # the whole form in one picture
    settle(page)
    page.screenshot(path=str(shots_dir(tmp_path) / "brand_entry_1280.png"))
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.get_by_role("button", name="保存并上报").first.click()
    settle(page)
    page.get_by_text("已上报，等待区县审核员审核").first.wait_for()
    logout(page)

    # 万州区审核员 通过
    sign_in(page, url, "13800000102")
    open_page(page, "改革品牌审核")
    page.get_by_text("建立基层治理“一网统管”机制").first.wait_for()
    page.get_by_role("button", name="通过").click()
    settle(page)
    page.get_by_text("已通过，已提交市委改革办审核").first.wait_for()
    logout(page)

    # 市委改革办审核员 驳回 with a reason
    sign_in(page, url, "13700000101")
    open_page(page, "改革品牌审核")
    page.get_by_text("建立基层治理“一网统管”机制").first.wait_for()
    fill(page, "驳回原因", REASON)
    page.get_by_role("button", name="驳回").click()
    settle(page)
    page.get_by_text("已驳回，退回区县录入员修改").first.wait_for()
    logout(page)

    # 万州区录入员 reads the reason on 业务工作台
    sign_in(page, url, "13800000101")
    page.get_by_text(f"驳回原因：{REASON}").first.wait_for()
    page.get_by_text("【退回修改】改革品牌：建立基层治理“一网统管”机制").first.wait_for()
    page.close()


def test_entry_form_needs_no_horizontal_scrolling_on_a_phone(server_with_passwords, browser,
                                                             tmp_path):
    page = browser.new_page(viewport={"width": 390, "height": 900})
    sign_in(page, server_with_passwords, "13800000201")
    page.get_by_test_id("stExpandSidebarButton").click()
    open_page(page, "改革品牌录入")
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
    page.get_by_text("特殊情形：点名推广文件介绍本单位改革成效不足一个自然段").first.click()
    settle(page)

    page.set_viewport_size({"width": 390, "height": 3200})
    settle(page)
    page.screenshot(path=str(shots_dir(tmp_path) / "brand_entry_390.png"))
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
    for name in ("保存", "保存并上报"):
        box = page.get_by_role("button", name=name, exact=True).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.close()
