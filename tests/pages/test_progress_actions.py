"""Buttons of the progress pages store what they say: 保存并上报 on 试点推进状态更新, and
通过 / 驳回 (with and without a reason) on 试点推进审核, drawn by the shared review panel."""
from sqlalchemy import select

from models import AuditEvent, ProgressRevision
from services import db
from tests.pages.conftest import logged_in
from tests.pages.progress_setup import CLERK, DEPT_CLERK, REVIEWER, draft


def status_of(rev_id):
    with db.session_scope() as s:
        rev = s.get(ProgressRevision, rev_id)
        events = s.execute(select(AuditEvent.action, AuditEvent.comment)
                           .where(AuditEvent.record_type == "progress",
                                  AuditEvent.record_id == rev_id)
                           .order_by(AuditEvent.id)).all()
        return rev.status, [tuple(e) for e in events]


def submitted_draft():
    with db.session_scope() as s:
        rev = draft(s)
    at = logged_in(CLERK).run()
    at.session_state["open_task"] = rev.task_id
    at.switch_page("pages/progress_update.py").run()
    next(b for b in at.button if b.label == "保存并上报").click().run()
    assert not at.exception, at.exception
    return rev


def review_page(phone, rev_id):
    at = logged_in(phone).run()
    at.session_state["open_revision"] = rev_id
    at.switch_page("pages/progress_review.py").run()
    assert not at.exception, at.exception
    return at


def button(at, label):
    return next(b for b in at.button if b.label == label)


def test_submit_button_sends_the_draft_to_district_review(app_db):
    rev = submitted_draft()

    status, events = status_of(rev.id)
    assert status == "待区县审核"
    assert events[-1][0] == "submit"


def test_approve_button_moves_the_revision_to_the_department(app_db):
    rev = submitted_draft()
    at = review_page(REVIEWER, rev.id)

    button(at, "通过").click().run()

    assert status_of(rev.id)[0] == "待市级部门审核"
    assert any("已通过" in s.value for s in at.success)


def test_reject_without_a_reason_is_refused_and_nothing_changes(app_db):
    rev = submitted_draft()
    before = status_of(rev.id)
    at = review_page(REVIEWER, rev.id)

    button(at, "驳回").click().run()

    assert status_of(rev.id) == before
    assert any("驳回原因" in e.value for e in at.error)


def test_reject_with_a_reason_returns_it_to_the_clerk_with_that_reason(app_db):
    rev = submitted_draft()
    at = review_page(REVIEWER, rev.id)

    at.text_area(key=f"progress-{rev.id}-reason").input("存在问题填写过于笼统，请具体说明")
    button(at, "驳回").click().run()

    status, events = status_of(rev.id)
    assert status == "退回修改"
    assert events[-1] == ("reject", "存在问题填写过于笼统，请具体说明")


def test_department_clerk_approves_at_its_stage(app_db):
    rev = submitted_draft()
    button(review_page(REVIEWER, rev.id), "通过").click().run()
    at = review_page(DEPT_CLERK, rev.id)

    button(at, "通过").click().run()

    assert status_of(rev.id)[0] == "待市委改革办确认"
