"""撤销通过: 市委改革办 corrects an approval made by mistake (issue: 已通过 had no way out).

Run on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
import pytest
from sqlalchemy import select

from models import AuditEvent, BrandEntry, Notification, Role
from services import brand, history, review, workbench
from services.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationError
from services.review import RETURNED, Action
from tests.factories import make_user
from tests.services.brand_helpers import act, at_office, cast, good_input, snapshot

REASON = "佐证材料不能印证获全市推广"


@pytest.fixture
def w(session):
    return cast(session)


def approved(session, w):
    return act(session, at_office(session, w), Action.APPROVE, w.office)


def revoke(session, entry, actor, reason=REASON):
    entry = session.get(BrandEntry, entry.id, populate_existing=True)
    return brand.revoke_approval(session, actor=actor, entry_id=entry.id, version=entry.version,
                                 reason=reason)


def test_office_reviewer_revokes_an_approval_back_to_the_clerk(session, w):
    entry = approved(session, w)

    revoke(session, entry, w.office)

    session.expire_all()
    stored = session.get(BrandEntry, entry.id)
    assert (stored.status, stored.approved_at, stored.self_checked) == (RETURNED, None, False)
    assert brand.approved_counts(session) == []


def test_revocation_is_audited_with_its_reason_and_shown_as_such_in_the_history(session, w):
    entry = approved(session, w)

    revoke(session, entry, w.office)

    event = session.execute(select(AuditEvent).where(AuditEvent.record_id == entry.id)
                            .order_by(AuditEvent.id.desc())).scalars().first()
    assert (event.action, event.from_status, event.to_status, event.comment, event.actor_id) == (
        "reject", "已通过", RETURNED, REASON, w.office.id)
    last = history.rows(session, actor=w.office, record_type="brand", record_id=entry.id)[-1]
    assert (last["操作"], last["状态变化"], last["意见"]) == ("撤销通过", "已通过 → 退回修改", REASON)


def test_district_clerks_are_notified_of_the_revocation_with_the_reason(session, w):
    entry = approved(session, w)
    before = {n.id for n in session.execute(select(Notification)).scalars()}

    revoke(session, entry, w.office)

    new = [n for n in session.execute(select(Notification)).scalars() if n.id not in before]
    assert {n.user_id for n in new} == {w.clerk.id}
    (note,) = new
    assert "撤销通过" in note.title and REASON in note.body and note.record_id == entry.id


def test_the_returned_entry_is_the_clerks_to_do_with_the_reason(session, w):
    entry = approved(session, w)

    revoke(session, entry, w.office)

    (todo,) = [t for t in workbench.todos(session, actor=w.clerk) if t.record_id == entry.id]
    assert (todo.kind, todo.reason) == (RETURNED, REASON)


def test_approved_entries_are_not_the_office_reviewers_to_dos(session, w):
    entry = approved(session, w)

    assert entry.id not in [e.id for e in brand.review_queue(session, actor=w.office)]
    assert entry.id not in [t.record_id for t in workbench.todos(session, actor=w.office)]


def test_revocation_counts_as_an_office_rejection_in_the_rejection_rate(session, w):
    entry = approved(session, w)

    revoke(session, entry, w.office)

    (rate,) = [r for r in brand.rejection_rates(session, w.office) if r.org_id == w.wanzhou]
    assert (rate.office_submissions, rate.office_rejections, rate.rate) == (1, 1, 1.0)
    stages = {r["stage"]: r for r in review.rejection_rates(session, module="brand")
              if r["org_id"] == w.wanzhou}
    assert (stages["待市委改革办审核"]["submissions"], stages["待市委改革办审核"]["rejections"]) == (1, 1)
    assert stages.get("已通过", {}).get("rejections", 0) == 0


@pytest.mark.parametrize("who", ["clerk", "reviewer", "leader", "qj_reviewer", "dept_clerk",
                                 "office_leader", "admin"])
def test_only_the_reform_offices_reviewer_may_revoke_and_the_entry_stays_approved(session, w,
                                                                                 who):
    entry = approved(session, w)
    before = snapshot(session)

    with pytest.raises(PermissionDenied):
        revoke(session, entry, getattr(w, who))

    assert snapshot(session) == before
    assert session.get(BrandEntry, entry.id, populate_existing=True).status == "已通过"


@pytest.mark.parametrize("reason", ["", "   ", "不对"])
def test_revocation_needs_a_reason_of_five_characters(session, w, reason):
    entry = approved(session, w)
    before = snapshot(session)

    with pytest.raises(ValidationError, match="请填写撤销通过原因（不少于5个字）"):
        revoke(session, entry, w.office, reason=reason)

    assert snapshot(session) == before


def test_only_an_approved_entry_can_be_revoked(session, w):
    entry = at_office(session, w)
    before = snapshot(session)

    with pytest.raises(TransitionNotAllowed, match="只有已通过的改革品牌可以撤销通过"):
        revoke(session, entry, w.office)

    assert snapshot(session) == before


def test_a_second_reviewer_revoking_the_same_approval_gets_the_conflict_message(session, w):
    entry = approved(session, w)
    opened_at = entry.version  # both reviewers opened the approved entry
    revoke(session, entry, w.office)
    second = make_user(session, org="市委改革办", role=Role.REVIEWER)
    before = snapshot(session)

    with pytest.raises(Conflict, match="已被他人处理|刷新"):
        brand.revoke_approval(session, actor=second, entry_id=entry.id, version=opened_at,
                              reason=REASON)

    assert snapshot(session) == before


def test_a_revoked_entry_is_corrected_and_approved_again(session, w):
    entry = revoke(session, approved(session, w), w.office)

    entry = brand.update(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                         data=good_input(w), submit=True)
    entry = act(session, entry, Action.APPROVE, w.reviewer)
    entry = act(session, entry, Action.APPROVE, w.office)

    assert entry.status == "已通过" and entry.approved_at is not None



def test_a_reason_of_invisible_characters_is_not_a_reason(session, w):
    entry = approved(session, w)
    before = snapshot(session)

    with pytest.raises(ValidationError, match="不少于5个字"):
        revoke(session, entry, w.office, reason="好\u200b\u200b\u200b\u200b")

    assert snapshot(session) == before


def test_a_revocation_counts_where_the_entry_reached_the_office_so_no_rate_exceeds_all(
        session, w, monkeypatch):
    from datetime import datetime, time, timedelta

    from services import clock
    real = review.utcnow
    monkeypatch.setattr(review, "utcnow", lambda: real() - timedelta(days=60))
    entry = approved(session, w)  # reached the office and approved two months ago
    monkeypatch.setattr(review, "utcnow", real)
    today = clock.today()
    recent, earlier = (today - timedelta(days=7), today), \
        (today - timedelta(days=70), today - timedelta(days=50))

    revoke(session, entry, w.office)

    def office(period):
        (rate,) = [r for r in brand.rejection_rates(session, w.office, *period)
                   if r.org_id == w.wanzhou]
        return rate.office_submissions, rate.office_rejections

    def engine(period):
        start, end = (datetime.combine(period[0], time.min, clock.LOCAL_TZ),
                      datetime.combine(period[1] + timedelta(days=1), time.min, clock.LOCAL_TZ))
        return {r["stage"]: (r["submissions"], r["rejections"]) for r in
                review.rejection_rates(session, module="brand", start=start, end=end)
                if r["org_id"] == w.wanzhou}.get("待市委改革办审核", (0, 0))

    assert office(earlier) == engine(earlier) == (1, 1)
    assert office(recent) == engine(recent) == (0, 0)
