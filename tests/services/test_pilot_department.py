"""The supervising department: join requests, stale forms, corrections after 已分发,
the national document it was asked to upload, its queue export, and 驳回率."""
import json
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import AuditEvent, JoinRequest, Notification, ProgressTask
from services import pilots, progress, workbench
from services.errors import CONFLICT_MESSAGE, Conflict, PermissionDenied, ValidationError
from services.review import Action
from tests.factories import get_org
from tests.services.pilot_helpers import (
    NATIONAL, at_department, distributed, good_input, state, submitted,
)


def events(session, action):
    return session.execute(select(AuditEvent).where(AuditEvent.action == action)
                           ).scalars().all()


def notes_for(session, user):
    return session.execute(select(Notification.title).where(Notification.user_id == user.id)
                           ).scalars().all()


# --- a granted join request is not undone by a stale form ------------------------------------

def test_granting_a_join_request_makes_the_department_s_loaded_confirm_form_stale(session, w):
    p = at_department(session, w)
    loaded_version = p.version                      # the department opens the confirm form
    req = pilots.request_join(session, actor=w.qj_clerk, pilot_id=p.id)
    pilots.decide_join(session, actor=w.dept_reviewer, request_id=req.id, grant=True)
    before = state(session)

    with pytest.raises(Conflict, match=CONFLICT_MESSAGE):
        pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=p.id,
                                      version=loaded_version, districts={w.wanzhou},
                                      corrections=good_input(w))

    assert state(session) == before
    assert pilots.district_ids(session, p.id) == {w.wanzhou, w.qianjiang}
    [added] = events(session, "add_district")
    assert json.loads(added.changes) == {"涉及区县": ["万州区", "万州区、黔江区"]}


def test_every_change_to_the_districts_bumps_the_version_and_is_audited_once(session, w):
    p = at_department(session, w)
    v0 = p.version

    pilots.add_district(session, actor=w.dept_clerk, pilot_id=p.id, district_id=w.qianjiang)
    session.refresh(p)

    assert p.version == v0 + 1
    assert len(events(session, "add_district")) == 1
    p = pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=p.id,
                                      version=p.version)
    assert "涉及区县" not in json.loads(events(session, "distribute")[0].changes)


def test_add_district_with_a_stale_version_is_a_conflict(session, w):
    p = at_department(session, w)
    stale = p.version
    pilots.add_district(session, actor=w.dept_clerk, pilot_id=p.id, district_id=w.qianjiang)
    before = state(session)

    with pytest.raises(Conflict):
        pilots.add_district(session, actor=w.dept_clerk, pilot_id=p.id,
                            district_id=get_org(session, "渝中区").id, version=stale)

    assert state(session) == before


# --- join requests on pilots not yet at the department ---------------------------------------

def test_a_join_request_on_a_draft_is_held_and_the_requester_is_told_so(session, w):
    p = pilots.create(session, actor=w.clerk, data=good_input(w), uploads=NATIONAL)

    req = pilots.request_join(session, actor=w.qj_clerk, pilot_id=p.id)

    notice = pilots.join_request_notice(session, actor=w.qj_clerk, request_id=req.id)
    assert "尚在万州区（状态：草稿）" in notice and "提交至市发展改革委后由其处理" in notice
    assert pilots.pending_join_requests(session, actor=w.dept_clerk) == []
    assert not notes_for(session, w.dept_clerk)
    before = state(session)
    with pytest.raises(ValidationError, match="尚未提交至主管市级部门"):
        pilots.decide_join(session, actor=w.dept_clerk, request_id=req.id, grant=True)
    assert state(session) == before


def test_a_held_join_request_reaches_the_department_with_the_pilot_and_can_be_granted(
        session, w):
    p = pilots.create(session, actor=w.clerk, data=good_input(w), uploads=NATIONAL)
    req = pilots.request_join(session, actor=w.qj_clerk, pilot_id=p.id)
    p = pilots.act(session, actor=w.clerk, pilot_id=p.id, action=Action.SUBMIT,
                   version=p.version)
    assert pilots.pending_join_requests(session, actor=w.dept_clerk) == []

    p = pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE,
                   version=p.version)

    assert [r["id"] for r in pilots.pending_join_requests(session, actor=w.dept_clerk)] == \
        [req.id]
    assert any("黔江区申请纳入试点" in t for t in notes_for(session, w.dept_clerk))
    assert ("join", req.id) in [(t.module, t.record_id)
                                for t in workbench.todos(session, actor=w.dept_clerk)]
    pilots.decide_join(session, actor=w.dept_clerk, request_id=req.id, grant=True)
    p = pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=p.id,
                                      version=session.get(type(p), p.id).version)
    assert set(session.execute(select(ProgressTask.org_id)).scalars()) == {w.wanzhou,
                                                                          w.qianjiang}


def test_cancelling_a_pilot_closes_held_requests_and_frees_the_number_for_the_requester(
        session, w):
    p = pilots.create(session, actor=w.clerk, data=good_input(w))
    req = pilots.request_join(session, actor=w.qj_clerk, pilot_id=p.id)

    pilots.act(session, actor=w.clerk, pilot_id=p.id, action=Action.CANCEL, version=p.version)

    assert session.get(JoinRequest, req.id).status == "试点已作废"
    assert any("已作废" in t for t in notes_for(session, w.qj_clerk))
    assert pilots.create(session, actor=w.qj_clerk, data=good_input(w)).org_id == w.qianjiang


def test_adding_a_district_directly_settles_its_pending_request(session, w):
    p = distributed(session, w)
    req = pilots.request_join(session, actor=w.qj_clerk, pilot_id=p.id)

    pilots.add_district(session, actor=w.dept_clerk, pilot_id=p.id, district_id=w.qianjiang)

    assert session.get(JoinRequest, req.id).status == "已同意"
    assert pilots.pending_join_requests(session, actor=w.dept_clerk) == []


# --- the national document the district asked the department to upload -----------------------

def test_department_workbench_shows_a_pilot_waiting_for_its_national_document(session, w):
    p = pilots.create(session, actor=w.clerk, data=good_input(w, evidence_by_dept=True),
                      submit=True)
    p = pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE,
                   version=p.version)

    todos = [t for t in workbench.todos(session, actor=w.dept_clerk) if t.record_id == p.id]

    assert [(t.kind, t.module, t.status) for t in todos] == [("待我审核", "pilot", "待上传国家文件")]
    assert [r["说明"] for r in pilots.queue_rows(session, actor=w.dept_clerk)] == ["待上传国家文件"]
    pilots.add_evidence(session, actor=w.dept_clerk, pilot_id=p.id, version=p.version,
                        uploads=NATIONAL)
    todos = [t for t in workbench.todos(session, actor=w.dept_clerk) if t.record_id == p.id]
    assert [t.status for t in todos] == ["待市级部门确认"]
    assert pilots.awaiting_national_document(session, actor=w.edu_clerk) == []


# --- corrections after 已分发 -----------------------------------------------------------------

def test_department_corrects_facts_and_adds_a_district_after_distribution(session, w):
    p = distributed(session, w)

    pilots.correct(session, actor=w.dept_clerk, pilot_id=p.id, version=p.version,
                   corrections=good_input(w, doc_title="关于开展数字乡村试点工作的通知"),
                   districts={w.wanzhou, w.qianjiang})

    session.refresh(p)
    assert p.doc_title == "关于开展数字乡村试点工作的通知" and p.status == "已分发"
    assert set(session.execute(select(ProgressTask.org_id)).scalars()) == {w.wanzhou,
                                                                          w.qianjiang}
    [event] = events(session, "correct")
    changes = json.loads(event.changes)
    assert changes["doc_title"] == ["关于开展数字乡村试点的通知", "关于开展数字乡村试点工作的通知"]
    assert changes["涉及区县"] == ["万州区", "万州区、黔江区"]
    assert any("更正了试点" in t for t in notes_for(session, w.clerk))
    assert any("已分发，请更新推进状态" in t for t in notes_for(session, w.qj_clerk))


def test_removing_a_district_without_progress_deletes_its_task(session, w):
    p = distributed(session, w, districts={w.qianjiang})

    pilots.correct(session, actor=w.dept_clerk, pilot_id=p.id, version=p.version,
                   corrections=good_input(w), districts={w.wanzhou})

    assert set(session.execute(select(ProgressTask.org_id)).scalars()) == {w.wanzhou}
    assert pilots.district_ids(session, p.id) == {w.wanzhou}
    assert any("更正了试点" in t for t in notes_for(session, w.qj_clerk))


def test_removing_a_district_that_reported_progress_is_refused_with_the_reason(session, w):
    p = distributed(session, w, districts={w.qianjiang})
    task = session.execute(select(ProgressTask).where(ProgressTask.org_id == w.qianjiang)
                           ).scalars().one()
    progress.start_revision(session, actor=w.qj_clerk, task_id=task.id)
    session.refresh(p)
    before = state(session)

    with pytest.raises(ValidationError, match="黔江区已填报该试点的推进情况，不能从涉及区县中移除"):
        pilots.correct(session, actor=w.dept_clerk, pilot_id=p.id, version=p.version,
                       corrections=good_input(w), districts={w.wanzhou})

    assert state(session) == before


def test_a_stale_correction_form_gets_the_conflict_message(session, w):
    p = distributed(session, w)
    stale = p.version
    pilots.correct(session, actor=w.dept_clerk, pilot_id=p.id, version=stale,
                   corrections=good_input(w, content="开展数字乡村改革，建立健全数据共享机制和考核体系"))
    before = state(session)

    with pytest.raises(Conflict, match=CONFLICT_MESSAGE):
        pilots.correct(session, actor=w.dept_reviewer, pilot_id=p.id, version=stale,
                       corrections=good_input(w, name="改名试点"))

    assert state(session) == before


@pytest.mark.parametrize("who", ["edu_clerk", "clerk", "office", "reviewer"])
def test_only_the_supervising_department_corrects_a_distributed_pilot(session, w, who):
    p = distributed(session, w)
    before = state(session)

    with pytest.raises(PermissionDenied):
        pilots.correct(session, actor=getattr(w, who), pilot_id=p.id, version=p.version,
                       corrections=good_input(w, name="改名试点"))

    assert state(session) == before


def test_a_correction_that_changes_nothing_is_refused(session, w):
    p = distributed(session, w)
    before = state(session)

    with pytest.raises(ValidationError, match="没有需要更正的内容"):
        pilots.correct(session, actor=w.dept_clerk, pilot_id=p.id, version=p.version,
                       corrections=good_input(w))

    assert state(session) == before


# --- exports -----------------------------------------------------------------------------------

def test_review_queue_and_join_requests_export_with_chinese_headers(session, w):
    from services.exports import to_xlsx
    at_department(session, w)
    other = distributed(session, w, doc_number="国发〔2024〕3号", name="智慧城市改革试点")
    pilots.request_join(session, actor=w.qj_clerk, pilot_id=other.id)

    queue = pilots.queue_rows(session, actor=w.dept_clerk)
    requests = pilots.pending_join_requests(session, actor=w.dept_clerk)

    assert [r["试点名称"] for r in queue] == ["数字乡村改革试点"]
    assert [(r["申请区县"], r["试点名称"]) for r in requests] == [("黔江区", "智慧城市改革试点")]
    ws = load_workbook(BytesIO(to_xlsx(requests))).active
    assert "申请区县" in [c.value for c in ws[1]] and ws.max_row == 2


# --- 驳回率 --------------------------------------------------------------------------------------

def _reject_once_at_district_review(session, w):
    p = submitted(session, w)
    p = pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.REJECT,
                   version=p.version, comment="文件依据填写不规范")
    p = pilots.update(session, actor=w.clerk, pilot_id=p.id, version=p.version,
                      data=good_input(w), submit=True)
    return pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE,
                      version=p.version)


def test_a_district_sees_its_own_rejection_rate_per_module_and_stage(session, w):
    _reject_once_at_district_review(session, w)
    qj = pilots.create(session, actor=w.qj_clerk, data=good_input(w, doc_number="国发〔2024〕3号"),
                       uploads=NATIONAL, submit=True)
    pilots.act(session, actor=w.qj_reviewer, pilot_id=qj.id, action=Action.REJECT,
               version=qj.version, comment="内容不完整，请补充")

    rows = pilots.rejection_summary(session, actor=w.clerk)

    assert rows == [
        {"区县": "万州区", "模块": "试点项目", "环节": "待区县审核", "提交至该环节次数": 2, "驳回次数": 1,
         "驳回率": "50.0%"},
        {"区县": "万州区", "模块": "试点项目", "环节": "待市级部门确认", "提交至该环节次数": 1,
         "驳回次数": 0, "驳回率": "0.0%"},
    ]
    assert {r["区县"] for r in pilots.rejection_summary(session, actor=w.qj_reviewer)} == {"黔江区"}


def test_the_reform_office_sees_every_district_and_departments_see_none(session, w):
    _reject_once_at_district_review(session, w)
    qj = pilots.create(session, actor=w.qj_clerk, data=good_input(w, doc_number="国发〔2024〕3号"),
                       uploads=NATIONAL, submit=True)
    pilots.act(session, actor=w.qj_reviewer, pilot_id=qj.id, action=Action.REJECT,
               version=qj.version, comment="内容不完整，请补充")

    rows = pilots.rejection_summary(session, actor=w.office_leader)

    assert [(r["区县"], r["环节"], r["驳回率"]) for r in rows] == [
        ("万州区", "待区县审核", "50.0%"), ("万州区", "待市级部门确认", "0.0%"),
        ("黔江区", "待区县审核", "100.0%")]
    with pytest.raises(PermissionDenied):
        pilots.rejection_summary(session, actor=w.dept_clerk)
    assert pilots.rejection_summary(session, actor=w.office, year=2001) == []


def test_a_correction_unticking_secret_must_bring_the_national_document(session, w):
    from services.pilots import NATIONAL_DOC
    p = pilots.create(session, actor=w.clerk, submit=True,
                      data=good_input(w, is_secret=True, sent_offline=True))
    p = pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE,
                   version=p.version)
    p = pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=p.id,
                                      version=p.version)
    before = state(session)
    with pytest.raises(ValidationError, match="请上传部署该试点的国家文件"):
        pilots.correct(session, actor=w.dept_clerk, pilot_id=p.id, version=p.version,
                       corrections=good_input(w))
    assert state(session) == before

    pilots.correct(session, actor=w.dept_clerk, pilot_id=p.id, version=p.version,
                   corrections=good_input(w), uploads=NATIONAL)

    assert [a.purpose for a in pilots.evidence(session, actor=w.dept_clerk, pilot_id=p.id)] == \
        [NATIONAL_DOC]
    assert json.loads(events(session, "correct")[0].changes)["佐证材料"] == \
        [None, ["国家文件：国家文件.pdf"]]


@pytest.mark.parametrize("who", ["edu_clerk", "clerk", "office"])
def test_only_the_supervising_department_uploads_evidence_while_confirming(session, w, who):
    p = at_department(session, w)
    before = state(session)

    with pytest.raises(PermissionDenied):
        pilots.add_evidence(session, actor=getattr(w, who), pilot_id=p.id, version=p.version,
                            uploads=NATIONAL)

    assert state(session) == before
