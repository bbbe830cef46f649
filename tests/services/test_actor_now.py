"""Services act on who the user is now: the acting transaction re-reads the actor's account,
roles and org, so a page opened before an administrator demoted, moved or disabled the user can
neither act nor read with what the user was."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from models import AuditEvent, Role, User, UserRole, utcnow
from services import (
    accounts, brand, history, progress, progress_overview, records, workbench,
)
from services.errors import PermissionDenied
from tests.factories import get_org, make_user
from tests.services.brand_helpers import cast, good_input, snapshot, submitted


def roles_of(session, user_id):
    session.expire_all()
    return set(session.execute(select(UserRole.role).where(UserRole.user_id == user_id))
               .scalars())


def test_a_demoted_administrators_old_identity_cannot_grant_roles(session):
    stale = make_user(session, org="市委改革办", role=Role.ADMIN)
    other = make_user(session, org="市委改革办", role=Role.ADMIN)
    clerk = make_user(session, org="万州区", role=Role.CLERK)
    accounts.update_user(session, actor=other, user_id=stale.id, name=stale.name,
                         org_id=stale.org_id, roles={"reviewer"},
                         seen=accounts.user_detail(session, actor=other, user_id=stale.id))
    form = accounts.user_detail(session, actor=other, user_id=clerk.id)

    with pytest.raises(PermissionDenied, match="角色或所属单位已被系统管理员修改"):
        accounts.update_user(session, actor=stale, user_id=clerk.id, name=clerk.name,
                             org_id=clerk.org_id, roles={"clerk", "reviewer"}, seen=form)
    with pytest.raises(PermissionDenied, match="角色或所属单位"):
        accounts.create_user(session, actor=stale, phone="13512345678", name="李四",
                             org_id=clerk.org_id, roles={"admin"})

    assert roles_of(session, clerk.id) == {"clerk"}
    assert session.execute(select(User.id).where(User.phone == "13512345678")).first() is None
    assert session.execute(select(AuditEvent.actor_id).where(
        AuditEvent.action == "edit_user")).scalars().all() == [other.id]


def test_a_clerk_moved_to_another_district_cannot_enter_with_the_old_org(session):
    w = cast(session)
    accounts.update_user(session, actor=w.admin, user_id=w.clerk.id, name=w.clerk.name,
                         org_id=get_org(session, "黔江区").id, roles={"clerk"},
                         seen=accounts.user_detail(session, actor=w.admin, user_id=w.clerk.id))
    before = snapshot(session)

    with pytest.raises(PermissionDenied, match="角色或所属单位"):
        brand.create(session, actor=w.clerk, data=good_input(w))

    assert snapshot(session) == before


def make_inactive(session, actor, how):
    values = {"disabled": True} if how == "disabled" else \
        {"locked_until": utcnow() + timedelta(minutes=10)}
    session.execute(update(User).where(User.id == actor.id).values(**values))
    session.commit()


READS = {
    "get": lambda s, w, e: records.get(s, flow=brand.BRAND_FLOW, actor=w.reviewer,
                                       record_id=e.id),
    "page": lambda s, w, e: records.page(s, flow=brand.BRAND_FLOW, actor=w.reviewer),
    "evidence": lambda s, w, e: records.evidence(s, flow=brand.BRAND_FLOW, actor=w.reviewer,
                                                 record_id=e.id),
    "review_queue": lambda s, w, e: brand.BRAND_FLOW.review_queue(s, w.reviewer),
    "list": lambda s, w, e: brand.search(s, actor=w.reviewer),
    "history": lambda s, w, e: history.rows(s, actor=w.reviewer, record_type="brand",
                                            record_id=e.id),
    "todos": lambda s, w, e: workbench.todos(s, actor=w.reviewer),
    # These may be empty for this reader; what matters is that they answer, then refuse.
    "submitted": lambda s, w, e: (workbench.submitted(s, actor=w.reviewer), True),
    "tasks": lambda s, w, e: (progress.tasks(s, actor=w.reviewer), True),
    "overview": lambda s, w, e: progress_overview.rows(s, actor=w.reviewer),
}


@pytest.mark.parametrize("how", ["disabled", "locked"])
@pytest.mark.parametrize("read", list(READS))
def test_a_disabled_or_locked_user_reads_no_record(session, read, how):
    w = cast(session)
    entry = submitted(session, w)
    assert READS[read](session, w, entry)  # readable while the account is active

    make_inactive(session, w.reviewer, how)

    with pytest.raises(PermissionDenied, match="停用" if how == "disabled" else "锁定"):
        READS[read](session, w, entry)


@pytest.mark.parametrize("read", ["list_users", "admin_log"])
def test_a_disabled_administrator_reads_no_user_list(session, read):
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)
    make_inactive(session, admin, "disabled")

    with pytest.raises(PermissionDenied, match="停用"):
        getattr(accounts, read)(session, actor=admin)


def test_a_reviewer_whose_role_was_taken_away_reads_no_queue(session):
    w = cast(session)
    submitted(session, w)
    accounts.update_user(session, actor=w.admin, user_id=w.reviewer.id, name=w.reviewer.name,
                         org_id=w.reviewer.org_id, roles={"clerk"},
                         seen=accounts.user_detail(session, actor=w.admin, user_id=w.reviewer.id))

    with pytest.raises(PermissionDenied, match="角色或所属单位"):
        brand.BRAND_FLOW.review_queue(session, w.reviewer)
