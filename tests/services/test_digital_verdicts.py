"""一件事核准 (SPEC §5.1): every verdict path, valid only at its stage, and refused to everyone but
市委改革办's reviewers — with the stored item unchanged after every refusal."""
from datetime import date

import pytest
from sqlalchemy import func, select

from models import AuditEvent, DigitalItem, Notification
from services import clock
from services.digital import catalog, verdicts
from services.digital.items import (
    DEEPEN, DUPLICATE, IMPROVE_NEW, INCLUDED, NEW_CHART, PENDING_NEW, PENDING_ORIGINAL, PROCEED,
    REMOVED,
)
from services.errors import PermissionDenied, TransitionNotAllowed, ValidationError
from tests.services.digital_helpers import (
    add_item, cast, chart, form_version, item, pass_form, ready_item, verdict,
)
from services.digital import rows


@pytest.fixture
def w(session):
    return cast(session)


def waiting(session, w, name="企业开办一件事", clerk=None, reviewer=None):
    row = add_item(session, w, clerk=clerk, name=name)
    pass_form(session, w, clerk, reviewer)
    return item(session, row.id)


def snapshot(session, item_id):
    session.expire_all()
    row = session.get(DigitalItem, item_id)
    events = session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.record_type == "digital_item", AuditEvent.record_id == item_id)).scalar_one()
    return (row.status, row.version, row.verdict_comment, row.duplicate_of_id, events)


def reupload(session, w, item_id, purpose):
    rows.save_row(session, actor=w.clerk, kind="digital_item",
                  form_version=form_version(session, w.clerk), values={}, row_id=item_id,
                  uploads=[chart(purpose, "重新上传.pdf")])
    pass_form(session, w)
    return item(session, item_id)


def test_district_approval_sends_a_new_item_to_the_weeks_verdicts(session, w):
    it = waiting(session, w)

    assert it.status == PENDING_ORIGINAL
    assert it.arrived_on == clock.today()
    assert verdicts.weeks(session, actor=w.office)[0] == (verdicts.week_of(clock.today())[0], 1)
    groups = verdicts.groups(session, actor=w.office)
    assert [[x.id for x in g] for g in groups] == [[it.id]]
    assert [v for v, _ in groups[0][0].verdicts] == ["deepen", "duplicate", "include", "proceed"]


def test_weeks_run_friday_to_thursday():
    assert verdicts.week_of(date(2026, 12, 4)) == (date(2026, 12, 4), date(2026, 12, 10))
    assert verdicts.week_of(date(2026, 12, 3)) == (date(2026, 11, 27), date(2026, 12, 3))
    assert verdicts.week_of(date(2026, 12, 10))[0] == date(2026, 12, 4)


def test_deepen_needs_a_reason_then_returns_to_the_district_and_a_reupload_comes_back(
        session, w):
    it = waiting(session, w)
    before = snapshot(session, it.id)

    with pytest.raises(ValidationError, match="原因"):
        verdict(session, w, it.id, "deepen", comment="不行")
    assert snapshot(session, it.id) == before

    verdict(session, w, it.id, "deepen", comment="梳理深度不够，请细化业务流程")
    it = item(session, it.id)
    assert it.status == DEEPEN and it.verdict_comment == "梳理深度不够，请细化业务流程"
    assert it.verdict_on == clock.today()
    told = session.execute(select(Notification.user_id).where(
        Notification.record_type == "digital_item", Notification.record_id == it.id)).scalars()
    assert {w.clerk.id, w.reviewer.id} <= set(told)

    it = reupload(session, w, it.id, "原一图两清单")
    assert it.status == PENDING_ORIGINAL


def test_duplicate_needs_an_existing_item_in_the_system_or_named_in_text(session, w):
    first = waiting(session, w, name="新生儿出生一件事")
    verdict(session, w, first.id, "include")
    second = waiting(session, w, name="出生一件事", clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    third = waiting(session, w, name="退休一件事", clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    before = snapshot(session, second.id)

    with pytest.raises(ValidationError, match="请指明重复的已有事项"):
        verdict(session, w, second.id, "duplicate")
    with pytest.raises(ValidationError, match="不能作为重复对象"):
        verdict(session, w, second.id, "duplicate", duplicate_of_id=second.id)
    assert snapshot(session, second.id) == before

    verdict(session, w, second.id, "duplicate", duplicate_of_id=first.id)
    verdict(session, w, third.id, "duplicate", duplicate_city="市级职工退休一件事联办")
    assert item(session, second.id).status == DUPLICATE
    assert verdicts.duplicate_target(session, item(session, second.id)) == "万州区“新生儿出生一件事”"
    assert verdicts.duplicate_target(session, item(session, third.id)) == "市级层面“市级职工退休一件事联办”"


def test_included_item_enters_the_catalog_and_its_new_chart_goes_to_the_second_stage(session, w):
    it = waiting(session, w)

    verdict(session, w, it.id, "include", comment="梳理深度足够")
    it = item(session, it.id)
    assert it.status == INCLUDED and it.included_on == clock.today()
    assert [r.id for r in catalog.search(session, actor=w.qj_clerk)] == [it.id]

    it = reupload(session, w, it.id, NEW_CHART)
    assert it.status == PENDING_NEW
    assert it.new_chart_submitted_at is not None
    assert [v for v, _ in verdicts.groups(session, actor=w.office)[0][0].verdicts] == [
        "improve", "proceed"]
    verdict(session, w, it.id, "proceed")
    assert item(session, it.id).status == PROCEED
    assert item(session, it.id).proceeded_on == clock.today()


def test_second_rejection_of_the_new_chart_removes_the_item_at_once(session, w):
    it = waiting(session, w)
    verdict(session, w, it.id, "include")
    reupload(session, w, it.id, NEW_CHART)

    verdict(session, w, it.id, "improve", comment="新一图两清单质量不过关")
    assert item(session, it.id).status == IMPROVE_NEW
    reupload(session, w, it.id, NEW_CHART)
    verdict(session, w, it.id, "improve", comment="仍未达到要求，请继续完善")

    it = item(session, it.id)
    assert it.status == REMOVED and it.new_chart_rejections == 2
    last = session.execute(select(AuditEvent).where(
        AuditEvent.record_type == "digital_item", AuditEvent.record_id == it.id)
        .order_by(AuditEvent.id.desc())).scalars().first()
    assert (last.action, last.actor_id, last.to_status) == ("remove", None, REMOVED)
    assert catalog.search(session, actor=w.clerk) == []


def test_proceed_straight_from_the_first_stage_needs_both_charts(session, w):
    only_original = waiting(session, w)
    before = snapshot(session, only_original.id)

    with pytest.raises(ValidationError, match="尚未上传“新一图两清单”"):
        verdict(session, w, only_original.id, "proceed")
    assert snapshot(session, only_original.id) == before

    both = ready_item(session, w, name="出生一件事")
    assert both.status == PROCEED and both.included_on == clock.today()


@pytest.mark.parametrize("stage, action", [
    ("original", "improve"), ("new", "include"), ("new", "deepen"), ("new", "duplicate"),
    ("original", "remove"), ("new", "remove"), ("original", "forward"),
])
def test_a_verdict_not_valid_at_the_stage_is_refused_and_nothing_changes(session, w, stage, action):
    it = waiting(session, w)
    if stage == "new":
        verdict(session, w, it.id, "include")
        it = reupload(session, w, it.id, NEW_CHART)
    before = snapshot(session, it.id)

    with pytest.raises((TransitionNotAllowed, ValidationError, PermissionDenied)):
        verdict(session, w, it.id, action, comment="核准意见五个字以上")
    assert snapshot(session, it.id) == before


@pytest.mark.parametrize("who", ["clerk", "reviewer", "leader", "qj_reviewer", "dept_clerk",
                                 "office_leader", "admin"])
def test_only_the_reform_offices_reviewers_give_verdicts(session, w, who):
    it = waiting(session, w)
    before = snapshot(session, it.id)

    with pytest.raises(PermissionDenied):
        verdicts.give(session, actor=getattr(w, who), item_id=it.id, version=it.version,
                      verdict="include")
    assert snapshot(session, it.id) == before


def test_deciding_a_group_gives_the_chosen_its_verdict_and_the_others_duplicate(session, w):
    wz = waiting(session, w, name="企业开办一件事")
    qj = waiting(session, w, name="开办企业“一件事”", clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    other = waiting(session, w, name="残疾人服务一件事", clerk=w.qj_clerk, reviewer=w.qj_reviewer)

    groups = verdicts.groups(session, actor=w.office)
    assert sorted(map(sorted, ([x.id for x in g] for g in groups))) == sorted(
        [sorted([wz.id, qj.id]), [other.id]])

    verdicts.decide_group(session, actor=w.office, chosen=(qj.id, qj.version), verdict="include",
                          others=[(wz.id, wz.version)], comment="黔江区梳理质量最高")
    assert item(session, qj.id).status == INCLUDED
    loser = item(session, wz.id)
    assert (loser.status, loser.duplicate_of_id) == (DUPLICATE, qj.id)
    assert "黔江区“开办企业“一件事””" in loser.verdict_comment


def test_a_group_decision_with_a_stale_member_changes_nothing(session, w):
    wz = waiting(session, w, name="企业开办一件事")
    qj = waiting(session, w, name="开办企业“一件事”", clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    stale = wz.version
    verdict(session, w, wz.id, "deepen", comment="请细化业务流程图")  # another reviewer acted
    before = snapshot(session, qj.id)

    with pytest.raises(Exception):
        verdicts.decide_group(session, actor=w.office, chosen=(qj.id, qj.version),
                              verdict="include", others=[(wz.id, stale)])
    assert snapshot(session, qj.id) == before


def test_the_district_sees_its_verdict_and_another_district_cannot_read_the_item(session, w):
    from services import records
    from services.digital.items import ITEM_FLOW
    it = waiting(session, w)
    verdict(session, w, it.id, "deepen", comment="请细化办事流程")

    from services.digital import forms
    views = forms.tables(session, actor=w.clerk)["digital_item"]
    assert (views[0].status, views[0].verdict) == (DEEPEN, "请细化办事流程")
    assert "剩余7天" in views[0].deadline
    with pytest.raises(PermissionDenied):
        records.get(session, flow=ITEM_FLOW, actor=w.qj_clerk, record_id=it.id)


def test_a_verdict_message_opens_the_item_on_the_districts_form_page(session, w):
    from services import workbench
    it = waiting(session, w)
    verdict(session, w, it.id, "include", comment="梳理深度足够，纳入名录库")
    note = session.execute(select(Notification).where(
        Notification.user_id == w.clerk.id, Notification.record_type == "digital_item",
        Notification.record_id == it.id)).scalars().all()[-1]

    assert "纳入名录库并晾晒" in note.title and "梳理深度足够" in note.body
    assert workbench.message_link(session, actor=w.clerk, record_type="digital_item",
                                  record_id=it.id) == ("pages/digital_update.py",
                                                       "open_digital_item")
    assert workbench.message_link(session, actor=w.qj_clerk, record_type="digital_item",
                                  record_id=it.id) is None


def test_the_district_sees_which_existing_item_its_item_duplicates(session, w):
    from services.digital import forms
    it = waiting(session, w)
    verdict(session, w, it.id, "duplicate", comment="市级层面已策划", duplicate_city="企业开办一件事（市级）")

    view = forms.tables(session, actor=w.clerk)["digital_item"][0]

    assert view.verdict == "重复的已有事项：市级层面“企业开办一件事（市级）”；市级层面已策划"
