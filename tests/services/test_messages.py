"""业务工作台 and messages: every message opens its record, handled messages count as read,
a final approval reaches the clerk, submitted records show where they wait; 驳回率 per module."""
import pytest
from sqlalchemy import select

from models import Notification
from services import pilots, review, workbench
from services.review import Action
from tests.services import brand_helpers
from tests.services.pilot_helpers import distributed, submitted


@pytest.fixture
def b(session):
    return brand_helpers.cast(session)


def notes_of(session, user, record_type, record_id):
    session.expire_all()
    return session.execute(select(Notification).where(
        Notification.user_id == user.id, Notification.record_type == record_type,
        Notification.record_id == record_id).order_by(Notification.id)).scalars().all()


def test_a_brand_entrys_final_approval_tells_its_clerk(session, b):
    entry = brand_helpers.at_office(session, b)

    brand_helpers.act(session, entry, Action.APPROVE, b.office)

    notes = notes_of(session, b.clerk, "brand", entry.id)
    assert [n.title for n in notes if not n.is_read] == [
        "【改革品牌】“建立基层治理“一网统管”机制”通过，当前状态：已通过"]


def test_a_progress_confirmation_does_not_tell_the_clerk_twice(session, w):
    from tests.services.progress_helpers import task_of, walk
    from services import progress
    distributed(session, w)
    rev = progress.start_revision(session, actor=w.clerk, task_id=task_of(session, w.wanzhou).id)

    confirmed = walk(session, w, rev)

    assert len([n for n in notes_of(session, w.clerk, "progress", confirmed.id)
                if not n.is_read]) == 1


def test_a_message_about_a_record_that_moved_on_is_marked_read(session, w):
    p = submitted(session, w)
    waiting = notes_of(session, w.reviewer, "pilot", p.id)
    assert [n.is_read for n in waiting] == [False]

    pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE,
               version=p.version)

    assert [n.is_read for n in notes_of(session, w.reviewer, "pilot", p.id)] == [True]
    assert [n.is_read for n in notes_of(session, w.dept_clerk, "pilot", p.id)] == [False]


def test_every_message_opens_its_record_where_the_user_acts_or_reads_it(session, w):
    p = submitted(session, w)

    def link(user):
        return workbench.message_link(session, actor=user, record_type="pilot", record_id=p.id)

    assert link(w.reviewer) == ("pages/pilot_review.py", "open_pilot")
    pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE,
               version=p.version)
    assert link(w.dept_clerk) == ("pages/pilot_review.py", "open_pilot")
    assert link(w.reviewer) == ("pages/pilot_list.py", "open_pilot")
    assert link(w.clerk) == ("pages/pilot_entry.py", "open_pilot")
    assert link(w.qj_clerk) is None  # not readable by another district
    assert workbench.message_link(session, actor=w.clerk, record_type=None,
                                  record_id=None) is None


def test_a_clerk_sees_what_was_submitted_and_who_acts_next(session, w):
    p = submitted(session, w)

    at_district = workbench.submitted(session, actor=w.clerk)
    p = pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE,
                   version=p.version)
    at_department = workbench.submitted(session, actor=w.clerk)
    pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=p.id, version=p.version)

    assert [(t.record_id, t.status, t.waiting_for) for t in at_district] == [
        (p.id, "待区县审核", "万州区审核员")]
    assert [(t.status, t.waiting_for, t.page) for t in at_department] == [
        ("待市级部门确认", "市发展改革委录入员、审核员", "pages/pilot_entry.py")]
    assert workbench.submitted(session, actor=w.clerk) == []
    assert workbench.submitted(session, actor=w.reviewer) == []


def test_rejection_rates_have_review_stages_only_not_end_states(session, b):
    entry = brand_helpers.at_office(session, b)
    brand_helpers.act(session, entry, Action.APPROVE, b.office)

    stages = {r["stage"] for r in review.rejection_rates(session, module="brand")}

    assert stages == {"待区县审核", "待市委改革办审核"}


def test_the_pilot_rejection_summary_shows_pilot_rows_only(session, w, b):
    entry = brand_helpers.submitted(session, b)
    brand_helpers.act(session, entry, Action.REJECT, b.reviewer, comment="材料不全，请补充")
    submitted(session, w)

    rows = pilots.rejection_summary(session, actor=w.clerk)

    assert {r["模块"] for r in rows} == {"试点项目"}
    assert [r["环节"] for r in rows] == ["待区县审核"]


def test_an_involved_districts_message_opens_the_list_not_the_creators_entry_page(session, w):
    p = distributed(session, w, districts={w.qianjiang})

    link = workbench.message_link(session, actor=w.qj_clerk, record_type="pilot",
                                  record_id=p.id)

    assert link == ("pages/pilot_list.py", "open_pilot")


def test_a_join_request_message_is_marked_read_once_the_request_is_decided(session, w):
    p = distributed(session, w)
    req = pilots.request_join(session, actor=w.qj_clerk, pilot_id=p.id)
    asked = [n for n in notes_of(session, w.dept_reviewer, "pilot", p.id) if not n.is_read]
    assert [n.title.startswith("【申请纳入涉及区县】") for n in asked] == [True]

    pilots.decide_join(session, actor=w.dept_clerk, request_id=req.id, grant=False)

    assert all(n.is_read for n in notes_of(session, w.dept_reviewer, "pilot", p.id))
    assert [n.is_read for n in notes_of(session, w.qj_clerk, "pilot", p.id)
            if n.title.endswith("您的申请")] == [False]


def test_a_refused_submission_names_every_unmet_condition_at_once(session, b):
    from services import brand
    from services.errors import ValidationError
    entry = brand.create(session, actor=b.clerk,
                         data=brand_helpers.good_input(b, self_checked=False, results=""))

    with pytest.raises(ValidationError) as refused:
        brand_helpers.act(session, entry, Action.SUBMIT, b.clerk)

    parts = str(refused.value).split("；")
    assert parts[0] == "请填写：主要成果"
    assert any(p.startswith("请上传佐证材料") for p in parts)
    assert any(p.startswith("请先自查") for p in parts)
