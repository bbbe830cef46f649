"""A disabled or locked account cannot act through any account, org or settings service,
whatever its open page still shows (the check reads the account in the acting transaction)."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from models import AuditEvent, Org, Role, Setting, User, UserRole, utcnow
from services import accounts, orgs, settings, user_import
from services.errors import PermissionDenied
from services.exports import to_xlsx
from tests.factories import PASSWORD, get_org, make_user

IMPORT = to_xlsx([{"手机号": "13611110001", "姓名": "王五", "所属单位": "万州区", "角色": "录入员"}])

ACTIONS = {
    "create_user": lambda s, a, t: accounts.create_user(
        s, actor=a, phone="13512345678", name="李四", org_id=t.org_id, roles={"clerk"}),
    "update_user": lambda s, a, t: accounts.update_user(
        s, actor=a, user_id=t.id, name="改名", org_id=t.org_id, roles={"reviewer"},
        seen={"name": t.name, "org_id": t.org_id, "roles": {"clerk"}, "version": 1}),
    "disable": lambda s, a, t: accounts.set_disabled(s, actor=a, user_id=t.id, disabled=True),
    "reset_password": lambda s, a, t: accounts.reset_password(s, actor=a, user_id=t.id),
    "unlock": lambda s, a, t: accounts.unlock(s, actor=a, user_id=t.id),
    "import_users": lambda s, a, t: user_import.import_users(s, actor=a, data=IMPORT),
    "create_department": lambda s, a, t: orgs.create_department(s, actor=a, name="市新部门"),
    "rename_org": lambda s, a, t: orgs.rename(
        s, actor=a, org_id=get_org(s, "市教委").id, name="市新部门"),
    "settings": lambda s, a, t: settings.update(s, actor=a, values={"upload_max_mb": "10"}),
}


def snapshot(session):
    session.expire_all()
    return {
        "users": session.execute(select(User.id, User.phone, User.name, User.org_id,
                                        User.password_hash, User.disabled, User.locked_until,
                                        User.failed_logins, User.sessions_valid_after)
                                 .order_by(User.id)).all(),
        "roles": session.execute(select(UserRole.user_id, UserRole.role)
                                 .order_by(UserRole.user_id, UserRole.role)).all(),
        "orgs": session.execute(select(Org.id, Org.name).order_by(Org.id)).all(),
        "settings": session.execute(select(Setting.key, Setting.value)).all(),
        "audit": session.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
    }


def make_inactive(session, actor, how):
    values = {"disabled": True} if how == "disabled" else \
        {"locked_until": utcnow() + timedelta(minutes=10)}
    session.execute(update(User).where(User.id == actor.id).values(**values))
    session.commit()


@pytest.mark.parametrize("how", ["disabled", "locked"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_inactive_admin_is_refused_and_nothing_changes(session, action, how):
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)
    target = make_user(session, org="万州区", role=Role.CLERK)
    make_inactive(session, admin, how)
    before = snapshot(session)

    with pytest.raises(PermissionDenied, match="停用" if how == "disabled" else "锁定"):
        ACTIONS[action](session, admin, target)

    assert snapshot(session) == before


@pytest.mark.parametrize("how", ["disabled", "locked"])
def test_an_inactive_user_cannot_change_the_password(session, how):
    clerk = make_user(session)
    make_inactive(session, clerk, how)
    before = snapshot(session)

    with pytest.raises(PermissionDenied):
        accounts.change_password(session, actor=clerk, old=PASSWORD, new="Wanzhou2026",
                                 confirm="Wanzhou2026")

    assert snapshot(session) == before
