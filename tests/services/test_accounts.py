"""Login, lockout, sessions, password change and user administration."""
import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session

from models import AuditEvent, Role, User, UserRole, utcnow
from services import accounts
from services.errors import (
    Conflict, LoginRefused, PermissionDenied, SessionExpired, ValidationError,
)
from services.passwords import INITIAL_PASSWORD, dummy_hash, verify_password
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


def test_wrong_password_is_counted_and_warns_of_the_lock(session):
    clerk = make_user(session)

    with pytest.raises(LoginRefused, match="手机号或密码错误。同一账号连续输错5次将被锁定15分钟"):
        accounts.authenticate(session, phone=clerk.phone, password="wrong")

    assert user_row(session, clerk).failed_logins == 1


def refusal(session, phone, password):
    with pytest.raises(LoginRefused) as refused:
        accounts.authenticate(session, phone=phone, password=password)
    return str(refused.value)


def test_unknown_phone_wrong_password_and_disabled_account_get_one_same_message(session):
    clerk, disabled = make_user(session), make_user(session)
    session.execute(update(User).where(User.id == disabled.id).values(disabled=True))
    session.commit()

    messages = {refusal(session, "13999999999", "x"), refusal(session, clerk.phone, "x"),
                refusal(session, disabled.phone, "x")}

    assert messages == {accounts.WRONG_CREDENTIALS}


def test_disabled_account_is_named_only_after_the_right_password(session):
    clerk = make_user(session)
    session.execute(update(User).where(User.id == clerk.id).values(disabled=True))
    session.commit()

    assert "停用" not in refusal(session, clerk.phone, "wrong")
    assert "停用" in refusal(session, clerk.phone, PASSWORD)


def test_unknown_phone_checks_a_dummy_hash_like_a_wrong_password(session, monkeypatch):
    checked = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password",
                        lambda password, hashed: checked.append(hashed) or real(password, hashed))

    refusal(session, "13999999999", "guess")

    assert checked == [dummy_hash()]


def test_unknown_phone_takes_about_as_long_as_a_wrong_password(session):
    clerk = make_user(session)
    dummy_hash()  # built once per process, not part of a login

    def fastest(phone):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            refusal(session, phone, "guess")
            times.append(time.perf_counter() - start)
        return min(times)

    unknown, wrong = fastest("13999999999"), fastest(clerk.phone)

    assert unknown > wrong / 3


def test_full_width_digits_log_in_to_the_same_account(session):
    clerk = make_user(session, phone="13812345678")

    user = accounts.authenticate(session, phone="１３８１２３４５６７８", password=PASSWORD)

    assert user.id == clerk.id


def test_phone_with_other_script_digits_does_not_log_in(session):
    make_user(session, phone="13812345678")

    assert refusal(session, "13٨12345678", PASSWORD) == accounts.WRONG_CREDENTIALS


def fail_in_parallel(engine, phone: str, attempts: int) -> list:
    """`attempts` wrong passwords sent at the same moment, each in its own session."""
    barrier = threading.Barrier(attempts)
    outcomes = []

    def attempt():
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait()
            try:
                accounts.authenticate(s, phone=phone, password="wrong")
            except Exception as exc:  # noqa: BLE001  (the test looks at what came out)
                outcomes.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_parallel_wrong_passwords_are_each_counted(engine, session):
    clerk = make_user(session)

    outcomes = fail_in_parallel(engine, clerk.phone, 4)

    assert [type(o) for o in outcomes] == [LoginRefused] * 4
    row = user_row(session, clerk)
    assert row.failed_logins == 4 and row.locked_until is None


def test_ten_parallel_wrong_passwords_lock_the_account(engine, session):
    clerk = make_user(session)

    outcomes = fail_in_parallel(engine, clerk.phone, 10)

    assert [type(o) for o in outcomes] == [LoginRefused] * 10
    assert sum("已锁定" in str(o) for o in outcomes) >= 6
    row = user_row(session, clerk)
    assert row.failed_logins == 10 and row.locked_until > utcnow()
    assert "已锁定" in refusal(session, clerk.phone, PASSWORD)


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


def test_after_a_lock_runs_out_counting_starts_again(session):
    clerk = make_user(session)
    for _ in range(5):
        with pytest.raises(LoginRefused):
            accounts.authenticate(session, phone=clerk.phone, password="wrong")
    later = utcnow() + timedelta(minutes=16)

    message = refusal_at(session, clerk.phone, later)

    assert message == accounts.WRONG_CREDENTIALS
    row = user_row(session, clerk)
    assert row.failed_logins == 1 and row.locked_until is None


def refusal_at(session, phone, now):
    with pytest.raises(LoginRefused) as refused:
        accounts.authenticate(session, phone=phone, password="wrong", now=now)
    return str(refused.value)


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

    accounts.change_password(session, actor=clerk, old=PASSWORD, new="NewPass2026",
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


def test_a_session_ended_by_disable_stays_ended_after_enable(session):
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)
    clerk = make_user(session)
    opened = utcnow().timestamp()
    time.sleep(0.01)

    accounts.set_disabled(session, actor=admin, user_id=clerk.id, disabled=True)
    accounts.set_disabled(session, actor=admin, user_id=clerk.id, disabled=False)

    with pytest.raises(SessionExpired, match="登录已失效"):
        accounts.check_session(session, phone=clerk.phone, issued_at=opened)
    assert accounts.check_session(session, phone=clerk.phone, issued_at=utcnow().timestamp())


def test_a_session_ended_by_a_lock_stays_ended_when_the_lock_runs_out(session):
    clerk = make_user(session)
    opened = utcnow().timestamp()
    time.sleep(0.01)
    for _ in range(accounts.MAX_FAILED_LOGINS):
        with pytest.raises(LoginRefused):
            accounts.authenticate(session, phone=clerk.phone, password="wrong")

    after_lock = utcnow() + timedelta(minutes=accounts.LOCK_MINUTES, seconds=1)
    with pytest.raises(SessionExpired, match="登录已失效"):
        accounts.check_session(session, phone=clerk.phone, issued_at=opened, now=after_lock)
    assert accounts.check_session(session, phone=clerk.phone, issued_at=utcnow().timestamp(),
                                  now=after_lock)


def test_failed_logins_short_of_a_lock_keep_open_sessions(session):
    clerk = make_user(session)
    opened = utcnow().timestamp()
    time.sleep(0.01)
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginRefused):
            accounts.authenticate(session, phone=clerk.phone, password="wrong")

    assert accounts.check_session(session, phone=clerk.phone, issued_at=opened)


def test_the_login_token_carries_its_own_issue_time(session):
    key = "k" * 32
    cookie = accounts.make_login_token("13800000101", key=key, expiry_days=30,
                                       issued_at=1_700_000_000.0)

    # Whatever expiry the site is set to now, the issue time read back is the one written.
    for days in (30, 7, 1):
        assert accounts.read_login_token(cookie, key=key, expiry_days=days,
                                         now=1_700_000_000.0 + 600) == ("13800000101",
                                                                        1_700_000_000.0)


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
    (PASSWORD, "Qwer1234", "Qwer1234", "过于常见"),
    (PASSWORD, "Wz13612345678", "Wz13612345678", "不能包含账号"),
])
def test_bad_password_change_is_refused_and_hash_unchanged(session, old, new, confirm, message):
    clerk = make_user(session, phone="13612345678" if "13612345678" in new else None)
    before = user_row(session, clerk).password_hash

    with pytest.raises(ValidationError, match=message):
        accounts.change_password(session, actor=clerk, old=old, new=new, confirm=confirm)

    assert user_row(session, clerk).password_hash == before


def test_first_password_change_clears_the_forced_change_flag(session):
    clerk = make_user(session, must_change=True)

    accounts.change_password(session, actor=clerk, old=PASSWORD, new="Wanzhou2026",
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


def test_admin_creates_user_from_full_width_digits_stored_as_ascii(session, admin):
    user = accounts.create_user(session, actor=admin, phone="１３５１２３４５６７８", name="李四",
                                org_id=get_org(session, "黔江区").id, roles={"clerk"})

    assert user.phone == "13512345678"


@pytest.mark.parametrize("phone", ["13٥12345678", "1３٥12345678", "١٣٥١٢٣٤٥٦٧٨", "1351234567８9"])
def test_phone_with_digits_of_other_scripts_is_refused(session, admin, phone):
    before = user_count(session)

    with pytest.raises(ValidationError, match="手机号"):
        accounts.create_user(session, actor=admin, phone=phone, name="李四",
                             org_id=get_org(session, "黔江区").id, roles={"clerk"})

    assert user_count(session) == before


def test_overlong_name_is_refused_with_its_limit(session, admin):
    before = user_count(session)

    with pytest.raises(ValidationError, match="“姓名”最多32个字，当前33个字"):
        accounts.create_user(session, actor=admin, phone="13512345678", name="张" * 33,
                             org_id=get_org(session, "黔江区").id, roles={"clerk"})

    assert user_count(session) == before


def test_leader_role_does_not_fit_a_department(session, admin):
    with pytest.raises(ValidationError, match="领导角色只能属于区县或市委改革办"):
        accounts.create_user(session, actor=admin, phone="13512345678", name="李四",
                             org_id=get_org(session, "市教委").id, roles={"leader"})


def test_user_creation_is_in_the_admin_log(session, admin):
    accounts.create_user(session, actor=admin, phone="13512345678", name="李四",
                         org_id=get_org(session, "黔江区").id, roles={"clerk"})

    [entry] = accounts.admin_log(session, actor=admin)
    assert entry["操作"] == "新增用户" and entry["对象"] == "李四（13512345678）"
    assert "所属单位：— → 黔江区" in entry["修改内容"]


# --- editing a user -----------------------------------------------------------------------------

def roles_of(session, user_id):
    return set(session.execute(select(UserRole.role).where(UserRole.user_id == user_id))
               .scalars())


def shown(session, user) -> dict:
    """The editable fields as an edit form opened now would show them."""
    row = user_row(session, user)
    return {"name": row.name, "org_id": row.org_id, "roles": roles_of(session, user.id),
            "version": row.version}


def test_admin_changes_name_org_and_roles(session, admin):
    clerk = make_user(session, org="万州区", role=Role.CLERK)

    accounts.update_user(session, actor=admin, user_id=clerk.id, name="王五",
                         org_id=get_org(session, "黔江区").id, roles={"reviewer", "leader"},
                         seen=shown(session, clerk))

    row = user_row(session, clerk)
    assert (row.name, row.org_id) == ("王五", get_org(session, "黔江区").id)
    assert roles_of(session, clerk.id) == {"reviewer", "leader"}


def test_editing_a_user_ends_the_users_open_sessions(session, admin):
    clerk = make_user(session)
    opened = utcnow().timestamp()
    time.sleep(0.01)

    accounts.update_user(session, actor=admin, user_id=clerk.id, name=clerk.name,
                         org_id=clerk.org_id, roles={"reviewer"},
                         seen=shown(session, clerk))

    with pytest.raises(SessionExpired, match="登录已失效"):
        accounts.check_session(session, phone=clerk.phone, issued_at=opened)


def test_user_change_is_audited_old_to_new(session, admin):
    clerk = make_user(session, org="万州区", role=Role.CLERK)

    accounts.update_user(session, actor=admin, user_id=clerk.id, name="王五",
                         org_id=get_org(session, "黔江区").id, roles={"clerk"},
                         seen=shown(session, clerk))

    event = session.execute(select(AuditEvent).where(AuditEvent.action == "edit_user")).scalar_one()
    assert (event.record_type, event.record_id, event.actor_id) == ("user", clerk.id, admin.id)
    assert json.loads(event.changes) == {"姓名": [clerk.name, "王五"],
                                         "所属单位": ["万州区", "黔江区"]}
    assert accounts.admin_log(session, actor=admin)[0]["操作"] == "修改用户信息"


@pytest.mark.parametrize("org, roles, message", [
    ("万州区", {"admin"}, "系统管理员只能属于市委改革办"),
    ("市教委", {"leader"}, "领导角色只能属于区县或市委改革办"),
    ("万州区", set(), "至少选择一个角色"),
])
def test_edit_that_does_not_fit_the_org_is_refused_and_nothing_changes(session, admin, org, roles,
                                                                        message):
    clerk = make_user(session, org="黔江区", role=Role.CLERK)
    before = user_row(session, clerk).sessions_valid_after

    with pytest.raises(ValidationError, match=message):
        accounts.update_user(session, actor=admin, user_id=clerk.id, name="新名字",
                             org_id=get_org(session, org).id, roles=roles,
                         seen=shown(session, clerk))

    row = user_row(session, clerk)
    assert (row.name, row.org_id, row.sessions_valid_after) == (clerk.name, clerk.org_id, before)
    assert roles_of(session, clerk.id) == {"clerk"}
    assert accounts.admin_log(session, actor=admin) == []


def test_overlong_name_in_an_edit_is_refused(session, admin):
    clerk = make_user(session)

    with pytest.raises(ValidationError, match="最多32个字"):
        accounts.update_user(session, actor=admin, user_id=clerk.id, name="张" * 40,
                             org_id=clerk.org_id, roles={"clerk"},
                         seen=shown(session, clerk))

    assert user_row(session, clerk).name == clerk.name


def test_admin_cannot_drop_own_admin_role(session, admin):
    with pytest.raises(ValidationError, match="不能取消自己的系统管理员角色"):
        accounts.update_user(session, actor=admin, user_id=admin.id, name=admin.name,
                             org_id=admin.org_id, roles={"reviewer"},
                         seen=shown(session, admin))

    assert roles_of(session, admin.id) == {"admin"}


def test_only_admins_edit_users(session):
    reviewer = make_user(session, org="市委改革办", role=Role.REVIEWER)
    clerk = make_user(session)

    with pytest.raises(PermissionDenied):
        accounts.update_user(session, actor=reviewer, user_id=clerk.id, name="改名",
                             org_id=clerk.org_id, roles={"clerk"},
                         seen=shown(session, clerk))

    assert user_row(session, clerk).name == clerk.name


def test_an_edit_made_on_a_stale_form_is_refused_and_names_what_changed(session, admin):
    other_admin = make_user(session, org="市委改革办", role=Role.ADMIN)
    clerk = make_user(session, org="万州区", role=Role.CLERK)
    form = accounts.user_detail(session, actor=admin, user_id=clerk.id)  # admin opens the form
    accounts.update_user(session, actor=other_admin, user_id=clerk.id, name="王五",
                         org_id=clerk.org_id, roles={"clerk", "reviewer"},
                         seen=shown(session, clerk))
    after_other = user_row(session, clerk).sessions_valid_after

    with pytest.raises(Conflict) as refused:
        accounts.update_user(session, actor=admin, user_id=clerk.id, name=clerk.name,
                             org_id=get_org(session, "黔江区").id, roles={"clerk"}, seen=form)

    assert str(refused.value) == (
        f"该用户的信息已被其他管理员修改（姓名：{clerk.name} → 王五；角色：录入员 → 录入员、审核员），"
        "本次未保存。表单中保留了您的填写，请核对后再次点击“保存修改”")
    row = user_row(session, clerk)
    assert (row.name, row.org_id, row.sessions_valid_after) == ("王五", clerk.org_id, after_other)
    assert roles_of(session, clerk.id) == {"clerk", "reviewer"}
    assert session.execute(select(AuditEvent.actor_id).where(
        AuditEvent.action == "edit_user")).scalars().all() == [other_admin.id]

    # Saving again from the same form, now checked against what it was refused with, goes in.
    accounts.update_user(session, actor=admin, user_id=clerk.id, name=clerk.name,
                         org_id=get_org(session, "黔江区").id, roles={"clerk"},
                         seen=accounts.user_detail(session, actor=admin, user_id=clerk.id))
    assert user_row(session, clerk).org_id == get_org(session, "黔江区").id


def test_eight_admins_saving_one_user_from_the_same_form_save_once(engine, session, admin):
    from tests.services.test_pilot_races import PARALLEL, assert_clear_chinese_refusals, race
    clerk = make_user(session, org="万州区", role=Role.CLERK)
    form = accounts.user_detail(session, actor=admin, user_id=clerk.id)
    names = iter(f"新名字{i}" for i in range(PARALLEL))

    wins, errors = race(engine, lambda s: accounts.update_user(
        s, actor=admin, user_id=clerk.id, name=next(names), org_id=clerk.org_id,
        roles={"clerk"}, seen=form))

    assert wins == 1 and len(errors) == PARALLEL - 1
    assert_clear_chinese_refusals(errors)
    session.expire_all()
    log = accounts.admin_log(session, actor=admin)
    assert len(log) == 1 and user_row(session, clerk).name.startswith("新名字")
