"""Every page renders for every role that may open it; others are refused."""
import pytest
from streamlit.testing.v1 import AppTest

from services.config import ROOT
from tests.pages.conftest import ROOT_SCRIPT, logged_in

ALL_DEMO = ["13800000000", "13800000101", "13800000102", "13800000103", "13900000101",
            "13900000202", "13700000101", "13700000103"]


def test_login_form_has_the_contract_labels(app_db):
    at = AppTest.from_file(ROOT_SCRIPT, default_timeout=30).run()

    assert not at.exception
    assert [t.label for t in at.text_input] == ["手机号", "密码"]
    assert at.button[0].label == "登录"


def test_wrong_password_shows_chinese_error(app_db):
    at = AppTest.from_file(ROOT_SCRIPT, default_timeout=30).run()
    at.text_input[0].input("13800000101")
    at.text_input[1].input("wrong-password")

    at.button[0].click().run()

    assert "手机号或密码错误" in at.error[0].value


def test_initial_password_forces_a_change_before_anything_else(app_db):
    from services import db
    from services.passwords import hash_password
    from sqlalchemy import update
    from models import User
    with db.session_scope() as s:
        s.execute(update(User).where(User.phone == "13800000101")
                  .values(must_change_password=True, password_hash=hash_password("123456")))
        s.commit()
    at = AppTest.from_file(ROOT_SCRIPT, default_timeout=30).run()
    at.text_input[0].input("13800000101")
    at.text_input[1].input("123456")

    at.button[0].click().run()

    assert [t.label for t in at.text_input] == ["原密码", "新密码", "确认新密码"]
    assert at.button[0].label == "确认修改"
    assert "业务工作台" not in [t.value for t in at.title]


LEADERS = {"13800000103", "13700000103"}


@pytest.mark.parametrize("phone", ALL_DEMO)
def test_leaders_land_on_the_cockpit_and_everyone_else_on_the_workbench(app_db, phone):
    at = logged_in(phone).run()

    assert not at.exception
    assert at.title[0].value == ("区县改革报表驾驶舱" if phone in LEADERS else "业务工作台")
    assert any(b.label == "退出登录" for b in at.sidebar.button)


@pytest.mark.parametrize("phone", ALL_DEMO)
def test_workbench_renders_for_every_role(app_db, phone):
    at = logged_in(phone).run().switch_page("pages/workbench.py").run()

    assert not at.exception
    assert at.title[0].value == "业务工作台"


def test_user_admin_page_renders_for_admin(app_db):
    at = logged_in("13800000000").run()

    at.switch_page("pages/users.py").run()

    assert not at.exception
    assert at.title[0].value == "用户管理"


@pytest.mark.parametrize("phone", ["13800000101", "13700000101", "13800000103"])
def test_user_admin_page_is_not_in_non_admin_navigation(app_db, phone):
    at = logged_in(phone).run()

    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/users.py")


def test_user_admin_page_guards_itself_when_opened_directly(app_db):
    from services import accounts, db
    from sqlalchemy import select
    from models import User
    with db.session_scope() as s:
        user = s.execute(select(User).where(User.phone == "13700000101")).scalars().one()
        reviewer = accounts.current_user(s, user)
    at = AppTest.from_file(str(ROOT / "pages" / "users.py"), default_timeout=30)
    at.session_state["current_user"] = reviewer

    at.run()

    assert not at.exception
    assert "没有访问此页面的权限" in at.error[0].value
    assert not at.title


def test_disabled_user_session_is_ended_on_next_interaction(app_db):
    from sqlalchemy import update
    from models import User
    from services import db
    assert logged_in("13800000101").run().title[0].value == "业务工作台"
    with db.session_scope() as s:
        s.execute(update(User).where(User.phone == "13800000101").values(disabled=True))
        s.commit()

    # The same session state on its next run (AppTest re-runs only the page on a second run()).
    at = logged_in("13800000101").run()

    assert [t.label for t in at.text_input] == ["手机号", "密码"]
    assert any("停用" in i.value for i in at.info)


def test_settings_page_renders_for_admin_and_secret_notice_uses_the_setting(app_db):
    from services import db, settings
    from services.accounts import current_user
    from sqlalchemy import select
    from models import User
    with db.session_scope() as s:
        admin = current_user(s, s.execute(select(User).where(User.phone == "13800000000"))
                             .scalars().one())
        settings.update(s, actor=admin, values={"pilot_module_admin": "改革三处 李四"})
    at = logged_in("13800000000").run()
    at.switch_page("pages/settings.py").run()
    assert at.title[0].value == "系统设置"

    clerk = logged_in("13800000101").run()
    clerk.switch_page("pages/pilot_entry.py").run()
    clerk.checkbox(key="new0-secret").check().run()

    assert any("改革三处 李四" in i.value for i in clerk.info)
