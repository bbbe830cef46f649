"""Reform pilots: entry rules, de-duplication, review chain, distribution, join requests."""
import json

import pytest
from sqlalchemy import func, select

from models import (
    AuditEvent, JoinRequest, Notification, Pilot, PilotDistrict, ProgressTask,
)
from services import pilots, workbench
from services.errors import (
    Conflict, DuplicateDocument, PermissionDenied, TransitionNotAllowed, ValidationError,
)
from services.pilots import NATIONAL_DOC, MUNICIPAL_DOC, Upload
from services.review import Action
from tests.services.pilot_helpers import NATIONAL, distributed, good_input, submitted
from tests.services.test_files import PDF, PNG



def state(session):
    """Everything a refusal must leave untouched."""
    session.expire_all()
    counts = tuple(session.execute(select(func.count()).select_from(m)).scalar_one()
                   for m in (Pilot, PilotDistrict, ProgressTask, AuditEvent, Notification,
                             JoinRequest))
    pilots_ = tuple(session.execute(select(Pilot.id, Pilot.status, Pilot.version, Pilot.name)
                                    .order_by(Pilot.id)).all())
    return counts, pilots_


# --- entry rules -------------------------------------------------------------------------------

def test_clerk_creates_draft_with_own_district_always_involved(session, w):
    p = pilots.create(session, actor=w.clerk, data=good_input(w, districts=set()))

    assert p.status == "草稿" and p.doc_number_norm == "国办发[2023]12号"
    assert pilots.district_ids(session, p.id) == {w.wanzhou}


def test_city_wide_scope_is_refused_with_the_manual_reason(session, w):
    before = state(session)

    with pytest.raises(ValidationError, match="明确改革试点范围是“重庆市”的不纳入填报范围"):
        pilots.create(session, actor=w.clerk, data=good_input(w, scope_basis=pilots.SCOPE_CITY))

    assert state(session) == before


def test_submit_without_national_document_is_refused_and_nothing_saved(session, w):
    before = state(session)

    with pytest.raises(ValidationError, match="国家文件（Word 或 PDF）"):
        pilots.create(session, actor=w.clerk, data=good_input(w), submit=True)

    assert state(session) == before


def test_province_scope_needs_both_national_and_municipal_documents(session, w):
    data = good_input(w, scope_basis=pilots.SCOPE_PROVINCE)
    before = state(session)

    with pytest.raises(ValidationError, match="同时上传国家文件和相应市级文件"):
        pilots.create(session, actor=w.clerk, data=data, uploads=NATIONAL, submit=True)
    assert state(session) == before

    p = pilots.create(session, actor=w.clerk, data=data, submit=True,
                      uploads=NATIONAL + [Upload(MUNICIPAL_DOC, "市级文件.pdf", PDF)])
    assert p.status == "待区县审核"


def test_evidence_must_be_word_or_pdf(session, w):
    before = state(session)

    with pytest.raises(ValidationError, match="类型不支持"):
        pilots.create(session, actor=w.clerk, data=good_input(w),
                      uploads=[Upload(NATIONAL_DOC, "截图.png", PNG)], submit=True)

    assert state(session) == before


def test_secret_pilot_needs_offline_delivery_recorded_instead_of_upload(session, w):
    with pytest.raises(ValidationError, match="已线下报送"):
        pilots.create(session, actor=w.clerk, data=good_input(w, is_secret=True), submit=True)

    p = pilots.create(session, actor=w.clerk, submit=True,
                      data=good_input(w, is_secret=True, sent_offline=True))

    assert p.status == "待区县审核" and p.sent_offline


@pytest.mark.parametrize("overrides, message", [
    ({"name": ""}, "试点名称"),
    ({"doc_number": "  "}, "文号"),
    ({"dept_id": None}, "主管市级部门"),
])
def test_missing_key_fields_are_refused_even_for_a_draft(session, w, overrides, message):
    before = state(session)

    with pytest.raises(ValidationError, match=message):
        pilots.create(session, actor=w.clerk, data=good_input(w, **overrides))

    assert state(session) == before


def test_missing_fields_block_submit_but_not_save(session, w):
    data = good_input(w, content="", due_date=None)

    with pytest.raises(ValidationError, match="试点内容及任务、完成时间"):
        pilots.create(session, actor=w.clerk, data=data, uploads=NATIONAL, submit=True)
    assert pilots.create(session, actor=w.clerk, data=data).status == "草稿"


def test_naming_hints_are_warnings():
    assert pilots.naming_warnings("数字乡村改革试点", "开展数字乡村改革") == []
    warnings = pilots.naming_warnings("数字乡村建设", "推进数字乡村")
    assert len(warnings) == 2 and "试点" in warnings[0] and "建立健全" in warnings[1]


def test_only_district_clerks_create_pilots(session, w):
    for actor in (w.reviewer, w.leader, w.dept_clerk, w.office, w.admin):
        with pytest.raises(PermissionDenied):
            pilots.create(session, actor=actor, data=good_input(w))

    assert state(session)[0][0] == 0


# --- de-duplication ----------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["国办发[2023]12号", "国办发（2023）12 号", "国办发〔2023〕第12号"])
def test_second_district_cannot_create_pilot_with_same_document_number(session, w, spelling):
    first = pilots.create(session, actor=w.clerk, data=good_input(w))
    before = state(session)

    with pytest.raises(DuplicateDocument) as refused:
        pilots.create(session, actor=w.qj_clerk, data=good_input(w, doc_number=spelling))

    assert "已由万州区创建" in str(refused.value) and "状态：草稿" in str(refused.value)
    assert refused.value.existing_id == first.id
    assert state(session) == before


def test_cancelled_pilot_frees_its_document_number(session, w):
    first = pilots.create(session, actor=w.clerk, data=good_input(w))
    pilots.act(session, actor=w.clerk, pilot_id=first.id, action=Action.CANCEL,
               version=first.version)

    again = pilots.create(session, actor=w.qj_clerk, data=good_input(w))

    assert again.id != first.id


def test_database_refuses_duplicate_live_number_even_without_the_check(session, w):
    from sqlalchemy.exc import IntegrityError
    first = pilots.create(session, actor=w.clerk, data=good_input(w))
    clone = Pilot(**{k: v for k, v in first.model_dump().items() if k != "id"})

    session.add(clone)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_join_request_is_granted_by_the_department_in_one_click(session, w):
    p = distributed(session, w)
    with pytest.raises(DuplicateDocument) as refused:
        pilots.create(session, actor=w.qj_clerk, data=good_input(w))

    req = pilots.request_join(session, actor=w.qj_clerk, pilot_id=refused.value.existing_id)
    dept_notes = session.execute(select(Notification.user_id).where(
        Notification.title.contains("申请纳入"))).scalars().all()
    assert set(dept_notes) == {w.dept_clerk.id, w.dept_reviewer.id}
    assert [(t.module, t.record_id) for t in workbench.todos(session, actor=w.dept_clerk)] == \
        [("join", req.id)]
    pilots.decide_join(session, actor=w.dept_clerk, request_id=req.id, grant=True)

    assert workbench.todos(session, actor=w.dept_clerk) == []
    assert pilots.district_ids(session, p.id) == {w.wanzhou, w.qianjiang}
    task_orgs = set(session.execute(select(ProgressTask.org_id)
                                    .where(ProgressTask.pilot_id == p.id)).scalars())
    assert task_orgs == {w.wanzhou, w.qianjiang}
    assert [t.kind for t in workbench.todos(session, actor=w.qj_clerk)] == ["推进任务"]


def test_join_request_cannot_be_decided_by_another_department(session, w):
    p = distributed(session, w)
    req = pilots.request_join(session, actor=w.qj_clerk, pilot_id=p.id)
    before = state(session)

    with pytest.raises(PermissionDenied):
        pilots.decide_join(session, actor=w.edu_clerk, request_id=req.id, grant=True)

    assert state(session) == before


# --- review chain and distribution --------------------------------------------------------------

def test_department_corrects_facts_and_districts_while_confirming_and_audit_shows_it(session, w):
    p = submitted(session, w)
    pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE, version=p.version)

    pilots.confirm_and_distribute(
        session, actor=w.dept_clerk, pilot_id=p.id, version=p.version,
        corrections=good_input(w, doc_title="关于开展数字乡村试点工作的通知"),
        districts={w.wanzhou, w.qianjiang})

    assert p.status == "已分发" and p.doc_title == "关于开展数字乡村试点工作的通知"
    event = session.execute(select(AuditEvent).where(AuditEvent.action == "distribute")
                            ).scalars().one()
    changes = json.loads(event.changes)
    assert changes["doc_title"] == ["关于开展数字乡村试点的通知", "关于开展数字乡村试点工作的通知"]
    assert changes["涉及区县"] == ["万州区", "万州区、黔江区"]


def test_distribution_creates_one_task_per_district_and_notifies_their_clerks(session, w):
    p = submitted(session, w, districts={w.qianjiang})
    pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE, version=p.version)

    pilots.confirm_and_distribute(session, actor=w.dept_reviewer, pilot_id=p.id,
                                  version=p.version)

    tasks = set(session.execute(select(ProgressTask.org_id)).scalars())
    assert tasks == {w.wanzhou, w.qianjiang}
    notified = set(session.execute(select(Notification.user_id).where(
        Notification.title.contains("已分发") | Notification.title.contains("确认分发")))
        .scalars())
    assert {w.clerk.id, w.qj_clerk.id} <= notified


def test_department_adds_a_district_after_distribution_and_it_gets_a_task(session, w):
    p = distributed(session, w)

    pilots.add_district(session, actor=w.dept_clerk, pilot_id=p.id, district_id=w.qianjiang)

    assert session.execute(select(ProgressTask).where(ProgressTask.org_id == w.qianjiang)
                           ).scalars().one().pilot_id == p.id
    assert session.execute(select(AuditEvent).where(AuditEvent.action == "add_district")
                           ).scalars().one()


def test_department_uploads_evidence_when_district_has_no_national_document(session, w):
    p = pilots.create(session, actor=w.clerk, data=good_input(w, evidence_by_dept=True),
                      submit=True)
    pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE, version=p.version)
    before = state(session)
    with pytest.raises(ValidationError, match="请上传部署该试点的国家文件"):
        pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=p.id,
                                      version=p.version)
    assert state(session) == before

    pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=p.id, version=p.version,
                                  uploads=NATIONAL)

    assert p.status == "已分发"
    assert [a.purpose for a in pilots.evidence(session, actor=w.dept_clerk, pilot_id=p.id)] == \
        [NATIONAL_DOC]


def test_reject_at_each_stage_returns_to_clerk_and_resubmission_restarts(session, w):
    p = submitted(session, w)
    pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.REJECT, version=p.version,
               comment="文件依据填写不规范")
    assert p.status == "退回修改"
    p = pilots.update(session, actor=w.clerk, pilot_id=p.id, version=p.version,
                      data=good_input(w, doc_title="关于开展数字乡村试点的通知（修订）"), submit=True)
    pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE, version=p.version)
    pilots.act(session, actor=w.dept_clerk, pilot_id=p.id, action=Action.REJECT, version=p.version,
               comment="涉及区县不完整，请核对")
    assert p.status == "退回修改"

    p = pilots.update(session, actor=w.clerk, pilot_id=p.id, version=p.version,
                      data=good_input(w), submit=True)

    assert p.status == "待区县审核"
    assert workbench.todos(session, actor=w.reviewer)[0].record_id == p.id


@pytest.mark.parametrize("who", ["qj_clerk", "qj_reviewer", "dept_clerk", "office", "leader"])
def test_other_users_cannot_read_or_edit_a_district_draft(session, w, who):
    p = pilots.create(session, actor=w.clerk, data=good_input(w))
    before = state(session)

    if who != "leader":  # the district's own leader may read, never write
        with pytest.raises(PermissionDenied):
            pilots.get(session, actor=getattr(w, who), pilot_id=p.id)
    with pytest.raises(PermissionDenied):
        pilots.update(session, actor=getattr(w, who), pilot_id=p.id, version=p.version,
                      data=good_input(w, name="改名试点"))

    assert state(session) == before


def test_district_leader_reads_own_pilots_but_cannot_act(session, w):
    p = submitted(session, w)
    before = state(session)

    assert pilots.get(session, actor=w.leader, pilot_id=p.id).id == p.id
    with pytest.raises(PermissionDenied):
        pilots.act(session, actor=w.leader, pilot_id=p.id, action=Action.APPROVE,
                   version=p.version)

    assert state(session) == before


def test_other_department_cannot_confirm(session, w):
    p = submitted(session, w)
    pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE, version=p.version)
    before = state(session)

    with pytest.raises(PermissionDenied):
        pilots.confirm_and_distribute(session, actor=w.edu_clerk, pilot_id=p.id,
                                      version=p.version)

    assert state(session) == before


def test_confirm_with_stale_version_is_a_conflict(session, w):
    p = submitted(session, w)
    pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE, version=p.version)
    before = state(session)

    with pytest.raises(Conflict):
        pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=p.id,
                                      version=p.version - 1, districts={w.qianjiang})

    assert state(session) == before


def test_distribute_in_wrong_state_is_refused(session, w):
    p = distributed(session, w)
    before = state(session)

    with pytest.raises(TransitionNotAllowed):
        pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=p.id,
                                      version=p.version)

    assert state(session) == before


def test_search_filters_and_respects_visibility(session, w):
    mine = distributed(session, w)
    pilots.create(session, actor=w.qj_clerk, data=good_input(w, doc_number="国发〔2024〕3号",
                                                             name="黔江草稿试点"))

    office_rows = pilots.search(session, actor=w.office)
    wanzhou_rows = pilots.search(session, actor=w.clerk, status="已分发")
    dept_rows = pilots.search(session, actor=w.dept_clerk, district_id=w.wanzhou)

    assert [r["id"] for r in office_rows] == [mine.id]  # drafts stay with their district
    assert [r["id"] for r in wanzhou_rows] == [mine.id]
    assert [r["试点名称"] for r in dept_rows] == ["数字乡村改革试点"]
    assert pilots.search(session, actor=w.qj_clerk, year=2001) == []
    this_year = mine.created_at.year
    assert [r["id"] for r in pilots.search(session, actor=w.office, year=this_year)] == [mine.id]


def test_pilot_list_exports_to_xlsx_with_chinese_headers_and_rows(session, w):
    from io import BytesIO

    from openpyxl import load_workbook
    distributed(session, w, districts={w.qianjiang})

    ws = load_workbook(BytesIO(pilots.export(session, actor=w.office))).active

    assert [c.value for c in ws[1]] == pilots.EXPORT_HEADERS
    row = dict(zip(pilots.EXPORT_HEADERS, [c.value for c in ws[2]]))
    assert row["试点名称"] == "数字乡村改革试点" and row["文号"] == "国办发〔2023〕12号"
    assert row["涉及区县"] == "万州区、黔江区" and row["状态"] == "已分发"
    assert row["完成时间"] == "2026-12-31" and ws.max_row == 2
