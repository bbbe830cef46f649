"""The pilot creation chain in a real browser, as the demo users would do it."""
import pytest

from tests.e2e.conftest import login, open_page, settle

pytestmark = pytest.mark.e2e
PASSWORD = "Passw0rd1"


def choose(page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def fill(page, label: str, value: str) -> None:
    page.get_by_label(label, exact=True).fill(value)
    settle(page)


def logout(page) -> None:
    page.get_by_role("button", name="退出登录").click()
    settle(page)


def test_pilot_goes_from_district_clerk_to_distribution_and_reaches_qianjiang(
        server_with_passwords, browser, tmp_path):
    url = server_with_passwords
    pdf = tmp_path / "国家文件.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    page = browser.new_page(viewport={"width": 1280, "height": 1000})

    # 万州区录入员 creates and submits
    login(page, url, "13800000101", PASSWORD)
    open_page(page, "试点项目录入")
    fill(page, "试点名称", "数字乡村改革试点")
    choose(page, "部署层级", "中办国办")
    fill(page, "文件依据", "关于开展数字乡村试点的通知")
    fill(page, "文号", "国办发〔2023〕12号")
    page.get_by_role("group", name="完成时间").get_by_role("spinbutton").first.click()
    page.keyboard.type("20261231")
    settle(page)
    fill(page, "试点内容及任务", "开展数字乡村改革，建立健全数据共享机制")
    choose(page, "主管市级部门", "市发展改革委")
    page.get_by_test_id("stFileUploader").filter(has_text="国家文件") \
        .locator("input[type=file]").set_input_files(str(pdf))
    settle(page)
    page.get_by_role("button", name="保存并上报").first.click()
    settle(page)
    page.get_by_text("已上报，等待区县审核员审核").first.wait_for()
    logout(page)

    # 万州区审核员 通过
    login(page, url, "13800000102", PASSWORD)
    open_page(page, "试点项目审核")
    page.get_by_text("数字乡村改革试点").first.wait_for()
    page.get_by_role("button", name="通过").click()
    settle(page)
    page.get_by_text("已通过，已提交主管市级部门确认").first.wait_for()
    logout(page)

    # 市发展改革委录入员 adds 黔江区 and 确认分发
    login(page, url, "13900000101", PASSWORD)
    open_page(page, "试点项目审核")
    page.get_by_test_id("stMultiSelect").filter(has_text="涉及区县").locator("input").click()
    page.keyboard.type("黔江")
    page.get_by_role("option", name="黔江区", exact=True).click()
    page.keyboard.press("Escape")
    settle(page)
    page.get_by_role("button", name="确认分发").click()
    settle(page)
    page.get_by_text("已确认分发，推进任务已推送到涉及区县").first.wait_for()
    logout(page)

    # 黔江区录入员 sees the pushed task on 业务工作台
    login(page, url, "13800000201", PASSWORD)
    page.get_by_role("heading", name="业务工作台").first.wait_for()
    page.get_by_text("【推进任务】试点推进任务：数字乡村改革试点").first.wait_for()
    page.close()


def test_deep_link_asks_for_login_then_opens_the_requested_page(server_with_passwords, browser):
    page = browser.new_page(viewport={"width": 390, "height": 900})  # a phone's width
    page.goto(f"{server_with_passwords}/pilot_list")
    settle(page)

    page.get_by_label("手机号").fill("13700000103")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    settle(page)

    page.get_by_role("heading", name="试点项目清单").first.wait_for()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390  # nothing needs horizontal scrolling
    page.close()
