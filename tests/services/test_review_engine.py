"""The review engine against a real database: transitions, refusals, audit, notifications."""
import json

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from models import AuditEvent, Notification, Pilot, Role
from services import review, workbench
from services.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationError
from services.pilots import PILOT_FLOW
from services.review import Action
from tests.factories import make_pilot, make_user


def snapshot(session: Session, pilot_id: int):
    session.expire_all()
    p = session.get(Pilot, pilot_id)
    events = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    notes = session.execute(select(func.count()).select_from(Notification)).scalar_one()
    return (p.status, p.version, p.updated_by, p.name, events, notes)


@pytest.fixture
def people(session):
    return {
        "clerk": make_user(session, org="万州区", role=Role.CLERK),
        "reviewer": make_user(session, org="万州区", role=Role.REVIEWER),
        "leader": make_user(session, org="万州区", role=Role.LEADER),
        "other_clerk": make_user(session, org="黔江区", role=Role.CLERK),
        "other_reviewer": make_user(session, org="黔江区", role=Role.REVIEWER),
        "dept_clerk": make_user(session, org="市发展改革委", role=Role.CLERK),
        "other_dept_clerk": make_user(session, org="市教委", role=Role.CLERK),
        "office": make_user(session, org="市委改革办", role=Role.REVIEWER),
    }


def apply(session, pilot, action, actor, **kw):
    return PILOT_FLOW.apply(session, record_id=pilot.id, action=action, actor=actor,
                            version=kw.pop("version", pilot.version), **kw)


def test_submit_moves_to_district_review_and_notifies_only_own_reviewers(session, people):
    pilot = make_pilot(session, creator=people["clerk"])

    apply(session, pilot, Action.SUBMIT, people["clerk"])

    assert pilot.status == "待区县审核" and pilot.version == 2
    recipients = set(session.execute(select(Notification.user_id)).scalars())
    assert recipients == {people["reviewer"].id}


def test_full_chain_reaches_department_and_is_audited(session, people):
    pilot = make_pilot(session, creator=people["clerk"])

    apply(session, pilot, Action.SUBMIT, people["clerk"])
    apply(session, pilot, Action.APPROVE, people["reviewer"])
    apply(session, pilot, Action.DISTRIBUTE, people["dept_clerk"])

    assert pilot.status == "已分发"
    steps = [(h["action"], h["from"], h["to"]) for h in
             review.history(session, record_type="pilot", record_id=pilot.id)]
    assert steps == [("create", "", "草稿"), ("submit", "草稿", "待区县审核"),
                     ("approve", "待区县审核", "待市级部门确认"),
                     ("distribute", "待市级部门确认", "已分发")]


def test_department_notified_when_district_approves(session, people):
    pilot = make_pilot(session, creator=people["clerk"])
    apply(session, pilot, Action.SUBMIT, people["clerk"])

    apply(session, pilot, Action.APPROVE, people["reviewer"])

    latest = session.execute(select(Notification.user_id).where(
        Notification.title.contains("待市级部门确认"))).scalars().all()
    assert set(latest) == {people["dept_clerk"].id}


def test_reject_requires_a_reason_and_changes_nothing_without_one(session, people):
    pilot = make_pilot(session, creator=people["clerk"])
    apply(session, pilot, Action.SUBMIT, people["clerk"])
    before = snapshot(session, pilot.id)

    with pytest.raises(ValidationError, match="驳回原因"):
        apply(session, pilot, Action.REJECT, people["reviewer"], comment="不行")

    assert snapshot(session, pilot.id) == before


def test_reject_returns_to_clerk_with_reason_on_workbench(session, people):
    pilot = make_pilot(session, creator=people["clerk"])
    apply(session, pilot, Action.SUBMIT, people["clerk"])

    apply(session, pilot, Action.REJECT, people["reviewer"], comment="文件依据填写不完整，请补充")

    assert pilot.status == "退回修改"
    items = workbench.todos(session, actor=people["clerk"])
    assert [(t.kind, t.reason) for t in items] == [("退回修改", "文件依据填写不完整，请补充")]
    note = session.execute(select(Notification).where(
        Notification.user_id == people["clerk"].id)).scalars().one()
    assert "文件依据填写不完整" in note.body


def test_resubmission_starts_the_chain_again_from_district_review(session, people):
    pilot = make_pilot(session, creator=people["clerk"])
    apply(session, pilot, Action.SUBMIT, people["clerk"])
    apply(session, pilot, Action.APPROVE, people["reviewer"])
    apply(session, pilot, Action.REJECT, people["dept_clerk"], comment="涉及区县不完整，请核对")

    apply(session, pilot, Action.SUBMIT, people["clerk"])

    assert pilot.status == "待区县审核"


def test_stale_version_is_refused_with_the_conflict_message(session, people):
    pilot = make_pilot(session, creator=people["clerk"])
    apply(session, pilot, Action.SUBMIT, people["clerk"])
    before = snapshot(session, pilot.id)

    with pytest.raises(Conflict, match="^该记录已被他人处理，请刷新后重试$"):
        apply(session, pilot, Action.APPROVE, people["reviewer"], version=1)

    assert snapshot(session, pilot.id) == before


def test_second_of_two_concurrent_reviewers_gets_conflict(engine, session, people):
    second_reviewer = make_user(session, org="万州区", role=Role.REVIEWER)
    pilot = make_pilot(session, creator=people["clerk"])
    apply(session, pilot, Action.SUBMIT, people["clerk"])
    seen_version = pilot.version

    with Session(engine) as s1:
        PILOT_FLOW.apply(s1, record_id=pilot.id, action=Action.APPROVE,
                         actor=people["reviewer"], version=seen_version)
    with Session(engine) as s2, pytest.raises(Conflict):
        PILOT_FLOW.apply(s2, record_id=pilot.id, action=Action.REJECT, actor=second_reviewer,
                         version=seen_version, comment="内容不符合要求请修改")

    assert snapshot(session, pilot.id)[0] == "待市级部门确认"


@pytest.mark.parametrize("who, action", [
    ("other_reviewer", Action.APPROVE),   # another district's reviewer
    ("other_clerk", Action.WITHDRAW),     # another district's clerk
    ("leader", Action.APPROVE),           # a leader never writes
    ("clerk", Action.APPROVE),            # a clerk cannot review
    ("other_dept_clerk", Action.REJECT),  # not the supervising department
    ("office", Action.APPROVE),
])
def test_unauthorised_actor_is_refused_and_nothing_changes(session, people, who, action):
    pilot = make_pilot(session, creator=people["clerk"])
    apply(session, pilot, Action.SUBMIT, people["clerk"])
    before = snapshot(session, pilot.id)

    with pytest.raises(PermissionDenied, match="无权"):
        apply(session, pilot, action, people[who], comment="理由写得足够长")

    assert snapshot(session, pilot.id) == before


def test_action_in_wrong_state_is_refused_and_nothing_changes(session, people):
    pilot = make_pilot(session, creator=people["clerk"])
    before = snapshot(session, pilot.id)

    with pytest.raises(TransitionNotAllowed, match="当前状态为“草稿”"):
        apply(session, pilot, Action.APPROVE, people["reviewer"])

    assert snapshot(session, pilot.id) == before


def test_user_cannot_approve_what_they_created(session):
    both = make_user(session, org="万州区", role=(Role.CLERK, Role.REVIEWER))
    pilot = make_pilot(session, creator=both)
    apply(session, pilot, Action.SUBMIT, both)
    before = snapshot(session, pilot.id)

    with pytest.raises(PermissionDenied, match="自己创建或最后修改"):
        apply(session, pilot, Action.APPROVE, both)

    assert snapshot(session, pilot.id) == before


def test_withdraw_only_until_the_next_stage_acts(session, people):
    pilot = make_pilot(session, creator=people["clerk"])
    apply(session, pilot, Action.SUBMIT, people["clerk"])
    apply(session, pilot, Action.WITHDRAW, people["clerk"])
    assert pilot.status == "草稿"
    apply(session, pilot, Action.SUBMIT, people["clerk"])
    apply(session, pilot, Action.APPROVE, people["reviewer"])

    with pytest.raises(TransitionNotAllowed):
        apply(session, pilot, Action.WITHDRAW, people["clerk"])


def test_save_records_old_and_new_values_and_last_editor(session, people):
    pilot = make_pilot(session, creator=people["clerk"])
    colleague = make_user(session, org="万州区", role=Role.CLERK)

    apply(session, pilot, Action.SAVE, colleague, values={"name": "智慧医保改革试点"})

    assert pilot.name == "智慧医保改革试点" and pilot.updated_by == colleague.id
    event = session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
    assert json.loads(event.changes) == {"name": ["数字乡村试点", "智慧医保改革试点"]}


def test_audit_events_cannot_be_modified(session, people):
    pilot = make_pilot(session, creator=people["clerk"])
    event = session.execute(select(AuditEvent)).scalars().first()

    event.comment = "篡改"
    with pytest.raises(RuntimeError, match="不可修改"):
        session.flush()
    session.rollback()

    session.delete(session.execute(select(AuditEvent)).scalars().first())
    with pytest.raises(RuntimeError, match="不可修改"):
        session.flush()
    session.rollback()
    assert session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == 1
    assert pilot.id


def test_rejection_rate_counts_rejections_per_district_and_stage(session, people):
    first = make_pilot(session, creator=people["clerk"])
    second = make_pilot(session, creator=people["clerk"])
    for p in (first, second):
        apply(session, p, Action.SUBMIT, people["clerk"])
    apply(session, first, Action.REJECT, people["reviewer"], comment="材料不全，请补充")
    apply(session, second, Action.APPROVE, people["reviewer"])

    rates = {(r["org_id"], r["stage"]): r for r in review.rejection_rates(session, module="pilot")}

    district_stage = rates[(people["clerk"].org_id, "待区县审核")]
    assert (district_stage["submissions"], district_stage["rejections"]) == (2, 1)
    assert district_stage["rate"] == pytest.approx(0.5)
    assert rates[(people["clerk"].org_id, "待市级部门确认")]["rejections"] == 0


def test_workbench_shows_reviewer_only_own_district_queue(session, people):
    mine = make_pilot(session, creator=people["clerk"])
    theirs = make_pilot(session, creator=people["other_clerk"])
    apply(session, mine, Action.SUBMIT, people["clerk"])
    apply(session, theirs, Action.SUBMIT, people["other_clerk"])

    items = workbench.todos(session, actor=people["reviewer"])

    assert [(t.kind, t.record_id) for t in items] == [("待我审核", mine.id)]


def test_disabled_reviewers_are_not_notified(session, people):
    from services import accounts
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)
    accounts.set_disabled(session, actor=admin, user_id=people["reviewer"].id, disabled=True)
    colleague = make_user(session, org="万州区", role=Role.REVIEWER)
    pilot = make_pilot(session, creator=people["clerk"])

    apply(session, pilot, Action.SUBMIT, people["clerk"])

    assert set(session.execute(select(Notification.user_id)).scalars()) == {colleague.id}


@pytest.mark.parametrize("state", ["disabled", "locked"])
def test_disabled_or_locked_actor_is_refused_by_the_engine_and_nothing_changes(
        session, people, state):
    from datetime import timedelta

    from models import User, utcnow
    pilot = make_pilot(session, creator=people["clerk"])
    apply(session, pilot, Action.SUBMIT, people["clerk"])
    row = session.get(User, people["reviewer"].id)
    if state == "disabled":
        row.disabled = True
    else:
        row.locked_until = utcnow() + timedelta(minutes=10)
    session.add(row)
    session.commit()
    before = snapshot(session, pilot.id)

    with pytest.raises(PermissionDenied, match="停用|锁定"):
        apply(session, pilot, Action.APPROVE, people["reviewer"])

    assert snapshot(session, pilot.id) == before


def test_dual_role_user_who_edited_a_draft_cannot_approve_after_a_colleague_submits(session):
    writer = make_user(session, org="万州区", role=(Role.CLERK, Role.REVIEWER))
    colleague = make_user(session, org="万州区", role=Role.CLERK)
    creator = make_user(session, org="万州区", role=Role.CLERK)
    pilot = make_pilot(session, creator=creator)
    apply(session, pilot, Action.SAVE, writer, values={"name": "智慧医保改革试点"})
    apply(session, pilot, Action.SAVE, colleague, values={"content": "开展医保支付方式改革"})
    apply(session, pilot, Action.SUBMIT, colleague)
    before = snapshot(session, pilot.id)

    assert Action.APPROVE not in PILOT_FLOW.available_actions(pilot, writer, session)
    with pytest.raises(PermissionDenied, match="修改过该记录"):
        apply(session, pilot, Action.APPROVE, writer)

    assert snapshot(session, pilot.id) == before


def test_department_corrections_at_its_own_stage_do_not_bar_its_confirmation(session, people):
    pilot = make_pilot(session, creator=people["clerk"])
    apply(session, pilot, Action.SUBMIT, people["clerk"])
    apply(session, pilot, Action.APPROVE, people["reviewer"])

    apply(session, pilot, Action.DISTRIBUTE, people["dept_clerk"],
          values={"doc_title": "关于开展数字乡村试点工作的通知"})

    assert pilot.status == "已分发"
