"""Buttons of the pilot pages store what they say: 保存并上报 on 试点项目录入; 通过, 驳回 (with
and without a reason) and 确认分发 on 试点项目审核, drawn by the shared review panel."""
from datetime import date

from sqlalchemy import func, select

from models import AuditEvent, Pilot, ProgressTask
from services import db, pilots
from services.pilots import NATIONAL_DOC, Upload
from tests.pages.conftest import logged_in
from tests.pages.test_pilot_review_page import _org, _user, at_department
from tests.services.test_files import PDF


def stored(pilot_id):
    with db.session_scope() as s:
        p = s.get(Pilot, pilot_id)
        last = s.execute(select(AuditEvent.action, AuditEvent.comment)
                         .where(AuditEvent.record_type == "pilot",
                                AuditEvent.record_id == pilot_id)
                         .order_by(AuditEvent.id.desc()).limit(1)).one()
        tasks = s.execute(select(func.count()).select_from(ProgressTask)
                          .where(ProgressTask.pilot_id == pilot_id)).scalar_one()
        return p.status, tuple(last), tasks


def submitted_pilot():
    with db.session_scope() as s:
        data = pilots.PilotInput(name="数字乡村改革试点", deploy_level="中办国办", doc_title="通知",
                                 doc_number="国办发〔2023〕21号", content="开展数字乡村改革",
                                 due_date=date(2026, 12, 31), dept_id=_org(s, "市发展改革委"))
        return pilots.create(s, actor=_user(s, "13800000101"), data=data, submit=True,
                             uploads=[Upload(NATIONAL_DOC, "国家文件.pdf", PDF)])


def review(phone, pilot_id):
    at = logged_in(phone).run()
    at.session_state["open_pilot"] = pilot_id
    at.switch_page("pages/pilot_review.py").run()
    assert not at.exception, at.exception
    return at


def press(at, label):
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception


def test_clerk_presses_submit_on_a_saved_draft(app_db):
    with db.session_scope() as s:
        data = pilots.PilotInput(name="数字乡村改革试点", deploy_level="中办国办", doc_title="通知",
                                 doc_number="国办发〔2023〕22号", content="开展数字乡村改革",
                                 due_date=date(2026, 12, 31), dept_id=_org(s, "市发展改革委"))
        p = pilots.create(s, actor=_user(s, "13800000101"), data=data,
                          uploads=[Upload(NATIONAL_DOC, "国家文件.pdf", PDF)])
    at = logged_in("13800000101").run()
    at.switch_page("pages/pilot_entry.py").run()
    at.selectbox(key="mine-pick").select(p.id).run()

    at.button(key="edit-True").click().run()  # 保存并上报 of the opened draft

    assert stored(p.id)[:2] == ("待区县审核", ("submit", ""))


def test_district_reviewer_presses_approve(app_db):
    p = submitted_pilot()

    press(review("13800000102", p.id), "通过")

    assert stored(p.id)[:2] == ("待市级部门确认", ("approve", ""))


def test_reject_without_a_reason_is_refused_and_nothing_changes(app_db):
    p = submitted_pilot()
    before = stored(p.id)
    at = review("13800000102", p.id)

    press(at, "驳回")

    assert stored(p.id) == before
    assert any("驳回原因" in e.value for e in at.error)


def test_reject_with_a_reason_returns_the_pilot_with_it(app_db):
    p = submitted_pilot()
    at = review("13800000102", p.id)

    at.text_area(key=f"pilot-{p.id}-reason").input("文件依据与文号不一致，请核对")
    press(at, "驳回")

    assert stored(p.id)[:2] == ("退回修改", ("reject", "文件依据与文号不一致，请核对"))


def test_department_presses_distribute_and_every_involved_district_gets_a_task(app_db):
    p = at_department()

    press(review("13900000101", p.id), "确认分发")

    status, (action, _), tasks = stored(p.id)
    assert (status, action, tasks) == ("已分发", "distribute", 1)


def test_district_reviewer_is_offered_no_distribute_button(app_db):
    p = submitted_pilot()

    labels = [b.label for b in review("13800000102", p.id).button]

    assert "通过" in labels and "驳回" in labels and "确认分发" not in labels
