"""改革品牌 in a real browser: a 获评日期 before the start (or after today) is answered with the
manual's rule as soon as it is typed; 市委改革办 takes back an approval with 撤销通过 after a
confirmation, and the clerk reads why."""
import pytest

from tests.e2e.conftest import choose, fill, logout, open_page, settle, sign_in, type_date, upload
from tests.e2e.test_brand_flow_browser import shots_dir

pytestmark = pytest.mark.e2e
ITEM = "建立跨区域协同治理机制"
RULE = "只填报今年以来（2023年1月1日0时之后）改革经验获肯定、推广的情形"
REASON = "佐证材料只是会议通知，不能印证获全市推广"


def leave_the_field(page) -> None:
    """The clerk is done with the date and clicks elsewhere on the page (nothing else)."""
    page.get_by_role("heading", name="改革品牌录入").first.click()
    settle(page)


def test_a_date_before_the_start_is_answered_with_the_rule_at_once(server_with_passwords,
                                                                   browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    sign_in(page, server_with_passwords, "13800000201")
    open_page(page, "改革品牌录入")

    type_date(page, "获评日期", "20221231")
    leave_the_field(page)

    alert = page.get_by_test_id("stAlert").filter(has_text=RULE)
    alert.first.wait_for(timeout=5000)
    assert "2022-12-31 早于2023-01-01" in alert.first.inner_text()
    type_date(page, "获评日期", "29990101")
    leave_the_field(page)
    page.get_by_test_id("stAlert").filter(has_text="晚于今天").first.wait_for(timeout=5000)
    assert page.get_by_test_id("stAlert").filter(has_text=RULE).count() == 0
    page.get_by_text("特殊情形：点名推广文件介绍本单位改革成效不足一个自然段").first.click()
    page.get_by_text("涉密", exact=True).first.click()
    settle(page)
    page.get_by_text("签字盖章的总结材料已一并线下报送").first.wait_for()
    for width, height in ((1280, 2600), (390, 3600)):
        page.set_viewport_size({"width": width, "height": height})
        settle(page)
        page.screenshot(path=str(shots_dir(tmp_path) / f"brand_date_rule_{width}.png"))
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.close()


def test_settings_take_the_start_date_with_a_date_picker(server_with_passwords, browser,
                                                         tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    sign_in(page, server_with_passwords, "13800000000")
    open_page(page, "系统设置")

    field = page.get_by_role("group", name="改革品牌获评日期起始日")

    assert "2023" in field.inner_text()
    assert "config.toml" not in page.content() and "maxUploadSize" not in page.content()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 1400})
        settle(page)
        page.screenshot(path=str(shots_dir(tmp_path) / f"settings_{width}.png"))
    page.close()


def test_the_reform_office_revokes_an_approval_and_the_clerk_reads_why(
        server_with_passwords, browser, tmp_path):
    url = server_with_passwords
    pdf = tmp_path / "推广会通知.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    sign_in(page, url, "13800000101")
    open_page(page, "改革品牌录入")
    fill(page, "改革事项", ITEM)
    choose(page, "获评类别", "获全市推广")
    type_date(page, "获评日期", "20240611")
    fill(page, "具体情形", "2024年6月全市召开推广会推广万州经验")
    fill(page, "解决问题", "针对跨区域事项推诿问题，建立协同清单制度，实现一单通办")
    fill(page, "主要成果", "建立跨区域协同治理制度")
    upload(page, "佐证材料", pdf)
    page.get_by_text("已自查，满足报表计分条件").first.click()
    settle(page)
    page.get_by_role("button", name="保存并上报").first.click()
    settle(page)
    page.get_by_text("已上报，等待区县审核员审核").first.wait_for()
    logout(page)
    for reviewer in ("13800000102", "13700000102"):
        sign_in(page, url, reviewer)
        open_page(page, "改革品牌审核")
        page.get_by_text(ITEM).first.wait_for()
        page.get_by_role("button", name="通过", exact=True).click()
        settle(page)
        page.get_by_text("已通过").first.wait_for()
        logout(page)

    sign_in(page, url, "13700000101")
    open_page(page, "改革品牌审核")
    page.get_by_role("tab", name="已通过").click()
    settle(page)
    choose(page, "选择已通过的改革品牌", f"万州区｜{ITEM}（2024-06-11）")
    fill(page, "撤销通过原因", REASON)
    page.get_by_role("button", name="撤销通过", exact=True).click()
    settle(page)
    page.get_by_text("确定撤销通过").first.wait_for()
    page.set_viewport_size({"width": 1280, "height": 2000})
    settle(page)
    page.screenshot(path=str(shots_dir(tmp_path) / "brand_revoke_1280.png"))
    page.set_viewport_size({"width": 390, "height": 2600})
    settle(page)
    page.screenshot(path=str(shots_dir(tmp_path) / "brand_revoke_390.png"))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 1000})
    settle(page)
    page.get_by_role("button", name="确认撤销通过").click()
    settle(page)
    page.get_by_text("已撤销通过，已退回区县录入员修改").first.wait_for()
    logout(page)

    sign_in(page, url, "13800000101")
    page.get_by_text(f"驳回原因：{REASON}").first.wait_for()
    page.close()
