"""用户管理 and 系统设置 in AppTest: editing a user, managing departments, the upload cap."""
from sqlalchemy import select

from models import Org, Role, User
from services import accounts, db, settings
from tests.pages.conftest import logged_in

ADMIN = "13800000000"


def by_label(elements, label):
    return next(e for e in elements if e.label == label)


def users_page():
    at = logged_in(ADMIN).run()
    at.switch_page("pages/users.py").run()
    return at


def users_page_with(phone):
    """用户管理 with the user of `phone` chosen under 账号操作, and that user as stored."""
    at = users_page()
    chosen = stored_user(phone)
    by_label(at.selectbox, "选择用户").select(chosen.id).run()
    return at, chosen


def stored_user(phone):
    with db.session_scope() as s:
        return s.execute(select(User).where(User.phone == phone)).scalars().one()


def test_admin_edits_a_users_name_in_the_form(app_db):
    at, clerk = users_page_with("13800000101")

    at.text_input(key=f"edit-{clerk.id}-name").input("万州新录入员")
    by_label(at.button, "保存修改").click().run()

    assert not at.exception
    assert any("已保存用户信息" in s.value for s in at.success)
    assert stored_user("13800000101").name == "万州新录入员"


def test_a_refused_edit_says_why_and_changes_nothing(app_db):
    at, clerk = users_page_with("13800000101")

    at.multiselect(key=f"edit-{clerk.id}-roles").select("admin")
    by_label(at.button, "保存修改").click().run()

    assert "系统管理员只能属于市委改革办" in at.error[0].value
    assert stored_user("13800000101").name == clerk.name


def test_a_save_over_another_admins_edit_is_refused_keeps_the_form_and_then_goes_in(app_db):
    at, clerk = users_page_with("13800000101")
    at.text_input(key=f"edit-{clerk.id}-name").input("我改的名字")
    # Meanwhile another administrator renames the same user.
    with db.session_scope() as s:
        other = accounts.current_user(s, s.execute(
            select(User).where(User.phone == ADMIN)).scalar_one())
        accounts.update_user(s, actor=other, user_id=clerk.id, name="别人改的名字",
                             org_id=clerk.org_id, roles={"clerk"},
                             seen=accounts.user_detail(s, actor=other, user_id=clerk.id))

    by_label(at.button, "保存修改").click().run()

    assert not at.exception
    assert f"姓名：{clerk.name} → 别人改的名字" in at.error[0].value
    assert stored_user("13800000101").name == "别人改的名字"
    assert at.text_input(key=f"edit-{clerk.id}-name").value == "我改的名字"  # nothing lost

    by_label(at.button, "保存修改").click().run()  # having read the message, save again

    assert any("已保存用户信息" in s.value for s in at.success)
    assert stored_user("13800000101").name == "我改的名字"


def test_the_chosen_user_stays_chosen_after_an_action_changes_its_line(app_db):
    at, clerk = users_page_with("13800000101")

    by_label(at.button, "停用").click().run()
    by_label(at.button, "确认停用").click().run()

    assert stored_user("13800000101").disabled
    assert by_label(at.selectbox, "选择用户").value == clerk.id  # its text now says 停用
    assert any(b.label == "启用" for b in at.button)


def fill_new_user(at, *, org: str | None = "万州区"):
    at.text_input(key="new-user-0-phone").input("13912345678")
    at.text_input(key="new-user-0-name").input("新来的录入员")
    at.multiselect(key="new-user-0-roles").select(Role.CLERK)
    if org is not None:
        with db.session_scope() as s:
            at.selectbox(key="new-user-0-org").select(
                s.execute(select(Org.id).where(Org.name == org)).scalar_one())


def test_a_created_user_is_in_the_list_at_once_and_the_form_is_empty_again(app_db):
    at = users_page()
    assert at.selectbox(key="new-user-0-org").value is None  # no unit chosen for the admin
    fill_new_user(at)

    by_label(at.button, "创建用户").click().run()

    assert any("已创建用户“新来的录入员”" in s.value for s in at.success)
    assert "13912345678" in at.dataframe[0].value["手机号"].tolist()
    assert stored_user("13912345678").org_id is not None
    assert at.text_input(key="new-user-1-phone").value == ""
    assert at.selectbox(key="new-user-1-org").value is None
    assert at.multiselect(key="new-user-1-roles").value == []


def test_creating_a_user_without_a_unit_is_refused_and_keeps_what_was_typed(app_db):
    at = users_page()
    fill_new_user(at, org=None)

    by_label(at.button, "创建用户").click().run()

    assert "请选择“所属单位”" in [e.value for e in at.error]
    assert at.text_input(key="new-user-0-phone").value == "13912345678"
    with db.session_scope() as s:
        assert s.execute(select(User).where(User.phone == "13912345678")).first() is None


def test_only_the_actions_that_apply_to_the_chosen_account_are_offered(app_db):
    at, _clerk = users_page_with("13800000101")
    offered = {b.label for b in at.button} & {"停用", "启用", "重置密码", "解锁"}
    assert offered == {"停用", "重置密码"}

    by_label(at.button, "停用").click().run()
    by_label(at.button, "确认停用").click().run()

    assert any(s.value == "已停用该账号" for s in at.success)
    offered = {b.label for b in at.button} & {"停用", "启用", "重置密码", "解锁"}
    assert offered == {"启用", "重置密码"}


def test_admin_adds_a_department_and_the_org_list_exports(app_db):
    at = users_page()

    by_label(at.text_input, "新增市级部门名称").input("市退役军人事务局")
    by_label(at.button, "新增单位").click().run()

    assert not at.exception
    with db.session_scope() as s:
        assert s.execute(select(Org).where(Org.name == "市退役军人事务局")).scalars().one()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("导出Excel") == 3  # users, orgs and the administration log


def test_a_name_users_typed_is_shown_literally_in_an_error(app_db):
    at = users_page()
    by_label(at.text_input, "新增市级部门名称").input("**市粗体局**")
    by_label(at.button, "新增单位").click().run()

    by_label(at.text_input, "新增市级部门名称").input("**市粗体局**")
    by_label(at.button, "新增单位").click().run()

    assert "\\*\\*市粗体局\\*\\*" in at.error[0].value


def test_settings_form_shows_the_servers_upload_cap(app_db):
    at = logged_in(ADMIN).run()

    at.switch_page("pages/settings.py").run()

    cap = settings.server_upload_cap_mb()
    assert at.text_input(key="set-upload_max_mb").label == f"上传文件大小上限（MB，1–{cap}）"
    assert any(f"{cap} MB" in c.value for c in at.caption)
