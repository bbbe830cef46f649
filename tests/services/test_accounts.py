"""Login, lockout, sessions, password change and user administration."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import Role, User, UserRole, utcnow
from services import accounts
from services.errors import LoginRefused, PermissionDenied, SessionExpired, ValidationError
from services.passwords import INITIAL_PASSWORD, verify_password
from tests.factories import PASSWORD, get_org, make_user


def user_row(session, actor):
    session.expire_all()
    return session.get(User, actor.id)


def user_count(session):
    return session.execute(select(func.count()).select_from(User)).scalar_one()


def test_correct_password_logs_in(session):
    clerk = make_user(session)

    user = accounts.authenticate(session, phone=clerk.phone, password=PASSWORD)

    assert user.id == clerk.id


def test_wrong_password_says_how_many_tries_are_left(session):
    clerk = make_user(session)

    with pytest.raises(LoginRefused, match="手机号或密码错误，再错4次"):
        accounts.authenticate(session, phone=clerk.phone, password="wrong")

    assert user_row(session, clerk).failed_logins == 1


def test_unknown_phone_gets_the_same_message_as_a_wrong_password(session):
    with pytest.raises(LoginRefused, match="^手机号或密码错误$"):
        accounts.authenticate(session, phone="13999999999", password="x")


def test_five_failures_lock_the_account_and_name_the_unlock_time(session):
    clerk = make_user(session)
    for _ in range(4):
        with pytest.raises(LoginRefused):
            accounts.authenticate(session, phone=clerk.phone, password="wrong")

    with pytest.raises(LoginRefused) as refused:
        accounts.authenticate(session, phone=clerk.phone, password="wrong")

    locked_until = user_row(session, clerk).locked_until
    assert accounts.local_time(locked_until) in str(refused.value)
    assert timedelta(minutes=14) < locked_until - utcnow() <= timedelta(minutes=15)
    with pytest.raises(LoginRefused, match="已锁定"):
        accounts.authenticate(session, phone=clerk.phone, password=PASSWORD)


def test_lock_expires_after_fifteen_minutes(session):
    clerk = make_user(session)
    for _ in range(5):
        with pytest.raises(LoginRefused):
            accounts.authenticate(session, phone=clerk.phone, password="wrong")

    later = utcnow() + timedelta(minutes=16)
    user = accounts.authenticate(session, phone=clerk.phone, password=PASSWORD, now=later)

    assert user.locked_until is None and user.failed_logins == 0


def test_success_resets_the_failure_count(session):
    clerk = make_user(session)
    for _ in range(3):
        with pytest.raises(LoginRefused):
            accounts.authenticate(session, phone=clerk.phone, password="wrong")

    accounts.authenticate(session, phone=clerk.phone, password=PASSWORD)

    assert user_row(session, clerk).failed_logins == 0


def test_disabled_user_cannot_log_in(session):
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)
    clerk = make_user(session)
    accounts.set_disabled(session, actor=admin, user_id=clerk.id, disabled=True)

    with pytest.raises(LoginRefused, match="停用"):
        accounts.authenticate(session, phone=clerk.phone, password=PASSWORD)


def test_session_stops_after_password_change(session):
    clerk = make_user(session)
    opened = utcnow().timestamp() - 5

    accounts.change_password(session, user_id=clerk.id, old=PASSWORD, new="NewPass2026",
                             confirm="NewPass2026")

    with pytest.raises(SessionExpired, match="密码已变更"):
        accounts.check_session(session, phone=clerk.phone, issued_at=opened)
    assert accounts.check_session(session, phone=clerk.phone, issued_at=utcnow().timestamp())


def test_session_stops_after_disable_or_lock(session):
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)
    clerk, other = make_user(session), make_user(session)
    opened = utcnow().timestamp()
    accounts.set_disabled(session, actor=admin, user_id=clerk.id, disabled=True)
    for _ in range(5):
        with pytest.raises(LoginRefused):
            accounts.authenticate(session, phone=other.phone, password="wrong")

    with pytest.raises(SessionExpired, match="停用"):
        accounts.check_session(session, phone=clerk.phone, issued_at=opened)
    with pytest.raises(SessionExpired, match="锁定"):
        accounts.check_session(session, phone=other.phone, issued_at=opened)


def test_log_out_ends_sessions_and_cookies_opened_before(session):
    clerk = make_user(session)
    opened = utcnow().timestamp()
    time.sleep(0.01)

    accounts.log_out(session, phone=clerk.phone)

    with pytest.raises(SessionExpired, match="登录已失效"):
        accounts.check_session(session, phone=clerk.phone, issued_at=opened)
    assert accounts.check_session(session, phone=clerk.phone, issued_at=utcnow().timestamp())


@pytest.mark.parametrize("old, new, confirm, message", [
    ("wrong", "NewPass2026", "NewPass2026", "原密码不正确"),
    (PASSWORD, "NewPass2026", "NewPass2027", "两次输入的新密码不一致"),
    (PASSWORD, "short1", "short1", "至少8位"),
    (PASSWORD, "onlyletters", "onlyletters", "字母和数字"),
    (PASSWORD, INITIAL_PASSWORD, INITIAL_PASSWORD, "至少8位"),
])
def test_bad_password_change_is_refused_and_hash_unchanged(session, old, new, confirm, message):
    clerk = make_user(session)
    before = user_row(session, clerk).password_hash

    with pytest.raises(ValidationError, match=message):
        accounts.change_password(session, user_id=clerk.id, old=old, new=new, confirm=confirm)

    assert user_row(session, clerk).password_hash == before


def test_first_password_change_clears_the_forced_change_flag(session):
    clerk = make_user(session, must_change=True)

    accounts.change_password(session, user_id=clerk.id, old=PASSWORD, new="Wanzhou2026",
                             confirm="Wanzhou2026")

    row = user_row(session, clerk)
    assert not row.must_change_password and verify_password("Wanzhou2026", row.password_hash)


# --- administration ---------------------------------------------------------------------------

@pytest.fixture
def admin(session):
    return make_user(session, org="市委改革办", role=Role.ADMIN)


def test_admin_creates_user_with_initial_password(session, admin):
    user = accounts.create_user(session, actor=admin, phone="13512345678", name="李四",
                                org_id=get_org(session, "黔江区").id, roles={"clerk", "reviewer"})

    assert user.must_change_password and verify_password(INITIAL_PASSWORD, user.password_hash)
    roles = set(session.execute(select(UserRole.role).where(UserRole.user_id == user.id))
                .scalars())
    assert roles == {"clerk", "reviewer"}


@pytest.mark.parametrize("phone, name, roles, message", [
    ("1351234567", "李四", {"clerk"}, "格式不正确"),
    ("13512345678", "", {"clerk"}, "请填写姓名"),
    ("13512345678", "李四", set(), "至少选择一个角色"),
    ("13512345678", "李四", {"admin"}, "系统管理员只能属于市委改革办"),
])
def test_bad_new_user_is_refused_and_nothing_written(session, admin, phone, name, roles, message):
    before = user_count(session)

    with pytest.raises(ValidationError, match=message):
        accounts.create_user(session, actor=admin, phone=phone, name=name,
                             org_id=get_org(session, "黔江区").id, roles=roles)

    assert user_count(session) == before


def test_duplicate_phone_is_refused(session, admin):
    existing = make_user(session)
    before = user_count(session)

    with pytest.raises(ValidationError, match=f"手机号“{existing.phone}”已被注册"):
        accounts.create_user(session, actor=admin, phone=existing.phone, name="重复",
                             org_id=existing.org_id, roles={"clerk"})

    assert user_count(session) == before


def test_non_admin_cannot_manage_users(session):
    reviewer = make_user(session, org="市委改革办", role=Role.REVIEWER)
    clerk = make_user(session)
    before = user_count(session)

    with pytest.raises(PermissionDenied):
        accounts.create_user(session, actor=reviewer, phone="13512345678", name="x",
                             org_id=clerk.org_id, roles={"clerk"})
    with pytest.raises(PermissionDenied):
        accounts.set_disabled(session, actor=reviewer, user_id=clerk.id, disabled=True)
    with pytest.raises(PermissionDenied):
        accounts.reset_password(session, actor=clerk, user_id=clerk.id)

    assert user_count(session) == before and not user_row(session, clerk).disabled


def test_reset_password_restores_initial_password_and_forces_change(session, admin):
    clerk = make_user(session)

    accounts.reset_password(session, actor=admin, user_id=clerk.id)

    user = accounts.authenticate(session, phone=clerk.phone, password=INITIAL_PASSWORD)
    assert user.must_change_password


def test_unlock_lets_a_locked_user_back_in(session, admin):
    clerk = make_user(session)
    for _ in range(5):
        with pytest.raises(LoginRefused):
            accounts.authenticate(session, phone=clerk.phone, password="wrong")

    accounts.unlock(session, actor=admin, user_id=clerk.id)

    assert accounts.authenticate(session, phone=clerk.phone, password=PASSWORD).id == clerk.id


def test_enable_after_disable_restores_login(session, admin):
    clerk = make_user(session)
    accounts.set_disabled(session, actor=admin, user_id=clerk.id, disabled=True)

    accounts.set_disabled(session, actor=admin, user_id=clerk.id, disabled=False)

    assert accounts.authenticate(session, phone=clerk.phone, password=PASSWORD).id == clerk.id


def test_admin_cannot_disable_self(session, admin):
    with pytest.raises(ValidationError, match="不能停用自己"):
        accounts.set_disabled(session, actor=admin, user_id=admin.id, disabled=True)


def test_user_list_shows_lock_and_disable_state(session, admin):
    clerk = make_user(session)
    accounts.set_disabled(session, actor=admin, user_id=clerk.id, disabled=True)

    rows = {r["手机号"]: r for r in accounts.list_users(session, actor=admin)}

    assert rows[clerk.phone]["状态"] == "停用" and rows[clerk.phone]["角色"] == "录入员"
