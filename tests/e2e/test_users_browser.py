"""用户管理 in a real browser: the chosen user stays chosen, and every click on it takes effect,
when an action changes that user's line (its text is what the browser reports back)."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, select

from tests.e2e.conftest import choose, open_page, server_data_dirs, settle, sign_in

pytestmark = pytest.mark.e2e
LEADER = "13800000103"


def stored(server: str):
    from models import User
    engine = create_engine(f"sqlite:///{server_data_dirs[server] / 'reform.db'}")
    with engine.connect() as conn:
        row = conn.execute(select(User.name, User.disabled).where(User.phone == LEADER)).one()
    engine.dispose()
    return row


def test_actions_one_after_another_on_the_chosen_user_all_take_effect(server_with_passwords,
                                                                      browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    sign_in(page, server_with_passwords, "13800000000")
    open_page(page, "用户管理")
    choose(page, "选择用户", f"万州领导（{LEADER}，万州区，正常）")

    page.get_by_role("button", name="停用", exact=True).click()
    settle(page)
    page.get_by_role("button", name="确认停用", exact=True).click()  # 停用 asks first
    settle(page)
    page.get_by_text("已停用该账号").first.wait_for()
    page.get_by_role("button", name="启用", exact=True).click()  # the line now says 停用
    settle(page)

    page.get_by_text("已启用该账号").first.wait_for()
    assert stored(server_with_passwords) == ("万州领导", False)

    for name in ("万州区领导甲", "万州区领导乙"):  # each save changes the line again
        page.get_by_label("姓名", exact=True).first.fill(name)  # (新增用户 has one too)
        page.get_by_role("button", name="保存修改").click()
        settle(page)
        page.get_by_text("已保存用户信息").first.wait_for()
        assert stored(server_with_passwords) == (name, False)
    # Still chosen: its form is there, showing what was saved.
    expect(page.get_by_label("姓名", exact=True).first).to_have_value("万州区领导乙")
    expect(page.get_by_role("button", name="停用", exact=True)).to_be_visible()
    page.close()


def test_org_actions_keep_the_tab_open_and_their_messages_in_view(server_with_passwords,
                                                                  browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    sign_in(page, server_with_passwords, "13800000000")
    open_page(page, "用户管理")
    org_tab = page.get_by_role("tab", name="单位管理")
    org_tab.click()

    page.get_by_label("新增市级部门名称").fill("市数据发展局")
    page.get_by_role("button", name="新增单位").click()
    settle(page)
    page.get_by_text("已新增市级部门").first.wait_for()
    assert org_tab.get_attribute("aria-selected") == "true"

    page.get_by_label("新增市级部门名称").fill("市教委")  # already there
    page.get_by_role("button", name="新增单位").click()
    settle(page)

    expect(page.get_by_text("单位“市教委”已存在").first).to_be_visible()
    assert org_tab.get_attribute("aria-selected") == "true"
    page.close()
