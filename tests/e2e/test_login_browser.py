"""First login in a real browser: forced password change, then the admin's workbench."""
import pytest

from tests.e2e.conftest import login, open_page, settle

pytestmark = pytest.mark.e2e


def test_admin_first_login_forces_password_change_then_sees_workbench(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    login(page, server, "13800000000", "123456")
    page.get_by_text("修改初始密码").first.wait_for()
    page.get_by_label("原密码").fill("123456")
    page.get_by_label("新密码", exact=True).fill("Admin2026x")
    page.get_by_label("确认新密码").fill("Admin2026x")
    page.get_by_role("button", name="确认修改").click()
    settle(page)
    page.get_by_text("密码已修改，请使用新密码重新登录").first.wait_for()

    login(page, server, "13800000000", "Admin2026x")

    page.get_by_role("heading", name="业务工作台").first.wait_for()
    open_page(page, "用户管理")
    page.get_by_role("tab", name="批量导入").first.wait_for()
    assert page.get_by_role("button", name="导出Excel").is_enabled()
    page.close()


def test_wrong_password_shows_remaining_attempts(server, browser):
    page = browser.new_page()

    login(page, server, "13800000201", "not-the-password")

    page.get_by_text("手机号或密码错误，再错4次").first.wait_for()
    page.close()
