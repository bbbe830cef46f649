"""Reform pilots: entry rules, de-duplication, review chain, distribution, join requests."""
import json

import pytest
from sqlalchemy import select

from models import AuditEvent, Notification, Pilot, ProgressTask
from services import config, files, pilots, workbench
from services.errors import (
    Conflict, DuplicateDocument, PermissionDenied, TransitionNotAllowed, ValidationError,
)
from services.pilots import NATIONAL_DOC, MUNICIPAL_DOC, Upload
from services.review import Action
from tests.services.pilot_helpers import (
    DOC, NATIONAL, at_department, distributed, good_input, state, submitted,
)
from tests.services.test_files import PDF, PNG

DOC_OTHER = "国发〔2024〕3号"


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


# --- the acting account ------------------------------------------------------------------------

def test_a_disabled_clerk_cannot_save_or_submit_whatever_the_page_still_shows(session, w):
    from models import User
    draft = pilots.create(session, actor=w.clerk, data=good_input(w))
    session.get(User, w.clerk.id).disabled = True
    session.commit()
    before = state(session)

    with pytest.raises(PermissionDenied, match="账号已停用"):
        pilots.create(session, actor=w.clerk, data=good_input(w, doc_number="国发〔2024〕9号"))
    with pytest.raises(PermissionDenied, match="账号已停用"):
        pilots.update(session, actor=w.clerk, pilot_id=draft.id, version=draft.version,
                      data=good_input(w), uploads=NATIONAL, submit=True)

    assert state(session) == before


# --- item: the creating district is always involved ------------------------------------------

def test_department_cannot_remove_the_creating_district_when_confirming(session, w):
    p = at_department(session, w, districts={w.qianjiang})
    before = state(session)

    with pytest.raises(ValidationError, match="创建区县“万州区”始终属于涉及区县"):
        pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=p.id,
                                      version=p.version, districts={w.qianjiang})

    assert state(session) == before


def test_department_cannot_remove_the_creating_district_in_a_later_correction(session, w):
    p = distributed(session, w, districts={w.qianjiang})
    before = state(session)

    with pytest.raises(ValidationError, match="创建区县“万州区”始终属于涉及区县"):
        pilots.correct(session, actor=w.dept_clerk, pilot_id=p.id, version=p.version,
                       corrections=good_input(w), districts={w.qianjiang})

    assert state(session) == before


# --- item: the duplicate 文号 is told as it is typed; drafts may be incomplete ---------------

def test_duplicate_check_names_district_status_batch_and_the_existing_pilot(session, w):
    first = pilots.create(session, actor=w.clerk, data=good_input(w, batch="第二批"))

    found = pilots.duplicate_check(session, actor=w.qj_clerk, doc_number="国办发[2023]12 号",
                                   batch=" 第二批 ")

    assert found.existing_id == first.id and found.can_request
    assert "已由万州区创建" in found.message and "状态：草稿" in found.message
    assert "批次：第二批" in found.message
    assert pilots.duplicate_check(session, actor=w.qj_clerk, doc_number=DOC_OTHER) is None
    assert pilots.duplicate_check(session, actor=w.clerk, doc_number=DOC,
                                  batch="第二批", exclude_id=first.id) is None


def test_duplicate_check_tells_a_district_it_already_asked_or_is_already_involved(session, w):
    p = distributed(session, w)
    req = pilots.request_join(session, actor=w.qj_clerk, pilot_id=p.id)

    asked = pilots.duplicate_check(session, actor=w.qj_clerk, doc_number=DOC)
    pilots.decide_join(session, actor=w.dept_clerk, request_id=req.id, grant=True)
    added = pilots.duplicate_check(session, actor=w.qj_clerk, doc_number=DOC)

    assert not asked.can_request and "本区县已申请纳入该试点（待处理）" in asked.message
    assert not added.can_request and "本区县已在该试点的涉及区县中" in added.message
    for found in (asked, added):  # one message, without the hint to ask again
        assert "请“申请纳入涉及区县”" not in found.message and found.note == ""


def test_the_creating_district_retyping_its_number_gets_one_message_to_open_its_pilot(
        session, w):
    p = pilots.create(session, actor=w.clerk, data=good_input(w))

    own = pilots.duplicate_check(session, actor=w.clerk, doc_number=DOC)

    assert own.existing_id == p.id and not own.can_request and own.note == ""
    assert "该试点已由本区县录入，请在“本区县试点”中查看或继续修改" in own.message
    assert "申请纳入涉及区县" not in own.message


def test_a_draft_needs_only_name_number_and_department_and_save_names_what_is_missing(
        session, w):
    data = pilots.PilotInput(name="数字乡村改革试点", doc_number=DOC, dept_id=w.dept_id)

    p = pilots.create(session, actor=w.clerk, data=data)

    assert p.status == "草稿"
    assert pilots.missing_for_submit(session, actor=w.clerk, pilot_id=p.id) == [
        "部署层级", "文件依据", "试点内容及任务", "完成时间", "佐证材料（国家文件）"]


def test_an_empty_save_and_submit_lists_every_missing_field_and_writes_nothing(session, w):
    before = state(session)

    with pytest.raises(ValidationError) as refused:
        pilots.create(session, actor=w.clerk, data=pilots.PilotInput(), submit=True)

    assert str(refused.value).startswith(
        "请填写：试点名称、文号、主管市级部门、部署层级、文件依据、试点内容及任务、完成时间")
    assert state(session) == before


def test_submitting_an_unchanged_incomplete_draft_is_refused(session, w):
    p = pilots.create(session, actor=w.clerk, uploads=NATIONAL, data=pilots.PilotInput(
        name="数字乡村改革试点", doc_number=DOC, dept_id=w.dept_id))
    before = state(session)

    with pytest.raises(ValidationError, match="请填写：部署层级、文件依据、试点内容及任务、完成时间"):
        pilots.act(session, actor=w.clerk, pilot_id=p.id, action=Action.SUBMIT,
                   version=p.version)

    assert state(session) == before


# --- item: 批次 takes part in de-duplication --------------------------------------------------

def test_same_number_in_another_batch_is_a_separate_pilot(session, w):
    first = pilots.create(session, actor=w.clerk, data=good_input(w, batch="第一批"))

    second = pilots.create(session, actor=w.qj_clerk, data=good_input(w, batch="第二批"))

    assert first.id != second.id and second.batch == "第二批"


@pytest.mark.parametrize("spelling", ["第 一 批", "第一批\u200b", " 第一批 ", "第\u3000一批"])
def test_batch_spelling_variants_are_one_batch_and_the_refusal_names_it(session, w, spelling):
    pilots.create(session, actor=w.clerk, data=good_input(w, batch="第一批"))
    before = state(session)

    with pytest.raises(DuplicateDocument, match="批次：第一批"):
        pilots.create(session, actor=w.qj_clerk, data=good_input(w, batch=spelling))

    assert state(session) == before


def test_full_width_batch_digits_are_stored_half_width_so_the_index_agrees(session, w):
    p = pilots.create(session, actor=w.clerk, data=good_input(w, batch="２０２４年 第２批"))

    assert p.batch == "2024年第2批"
    with pytest.raises(DuplicateDocument):
        pilots.create(session, actor=w.qj_clerk, data=good_input(w, batch="2024年第2批"))


# --- item: 涉密 material is never stored ------------------------------------------------------

def test_uploads_for_a_secret_pilot_are_refused_and_nothing_is_stored(session, w):
    before = state(session)

    with pytest.raises(ValidationError, match="涉密试点的文件不得在系统上传"):
        pilots.create(session, actor=w.clerk, uploads=NATIONAL,
                      data=good_input(w, is_secret=True, sent_offline=True))

    assert state(session) == before
    assert not any(path.is_file() for path in config.upload_dir().rglob("*"))


def test_ticking_secret_later_removes_stored_evidence_and_audits_which_files(session, w):
    p = pilots.create(session, actor=w.clerk, data=good_input(w), uploads=NATIONAL)
    [att] = pilots.evidence(session, actor=w.clerk, pilot_id=p.id)
    blob = files._blob_path(att.sha256)
    assert blob.exists()

    p = pilots.update(session, actor=w.clerk, pilot_id=p.id, version=p.version,
                      data=good_input(w, is_secret=True, sent_offline=True), submit=True)

    assert p.status == "待区县审核"
    assert pilots.evidence(session, actor=w.clerk, pilot_id=p.id) == []
    assert not blob.exists()
    save = session.execute(select(AuditEvent).where(AuditEvent.action == "save")).scalars().one()
    assert json.loads(save.changes)["佐证材料"] == [["国家文件：国家文件.pdf"], None]


def test_secret_pilot_cannot_receive_files_from_the_department_either(session, w):
    p = pilots.create(session, actor=w.clerk, submit=True,
                      data=good_input(w, is_secret=True, sent_offline=True))
    p = pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE,
                   version=p.version)
    before = state(session)

    with pytest.raises(ValidationError, match="涉密试点的文件不得在系统上传"):
        pilots.add_evidence(session, actor=w.dept_clerk, pilot_id=p.id, version=p.version,
                            uploads=NATIONAL)
    with pytest.raises(ValidationError, match="涉密试点的文件不得在系统上传"):
        pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=p.id,
                                      version=p.version, uploads=NATIONAL)

    assert state(session) == before


# --- item: removing a wrongly uploaded file ----------------------------------------------------

def test_clerk_removes_a_wrong_file_from_a_draft_and_the_removal_is_audited(session, w):
    p = pilots.create(session, actor=w.clerk, data=good_input(w),
                      uploads=NATIONAL + [Upload(NATIONAL_DOC, "错传的文件.pdf", PDF + b"x")])
    wrong = pilots.evidence(session, actor=w.clerk, pilot_id=p.id)[1]

    pilots.remove_evidence(session, actor=w.clerk, pilot_id=p.id, attachment_id=wrong.id,
                           version=p.version)

    names = [a.original_name for a in pilots.evidence(session, actor=w.clerk, pilot_id=p.id)]
    assert names == ["国家文件.pdf"]
    event = session.execute(select(AuditEvent).where(AuditEvent.action == "remove_file")
                            ).scalars().one()
    assert json.loads(event.changes) == {"佐证材料": [["国家文件：错传的文件.pdf"], None],
                                         "已从系统删除的文件": [["错传的文件.pdf"], None]}
    assert not files._blob_path(wrong.sha256).exists()
    assert files._blob_path(pilots.evidence(session, actor=w.clerk, pilot_id=p.id)[0].sha256
                            ).exists()


@pytest.mark.parametrize("who", ["reviewer", "qj_clerk", "dept_clerk", "leader"])
def test_only_the_owning_clerk_removes_files_from_a_draft(session, w, who):
    p = pilots.create(session, actor=w.clerk, data=good_input(w), uploads=NATIONAL)
    [att] = pilots.evidence(session, actor=w.clerk, pilot_id=p.id)
    before = state(session)

    with pytest.raises(PermissionDenied):
        pilots.remove_evidence(session, actor=getattr(w, who), pilot_id=p.id,
                               attachment_id=att.id, version=p.version)

    assert state(session) == before


def test_files_cannot_be_removed_once_submitted(session, w):
    p = submitted(session, w)
    [att] = pilots.evidence(session, actor=w.clerk, pilot_id=p.id)
    before = state(session)

    with pytest.raises(ValidationError, match="不能删除佐证材料"):
        pilots.remove_evidence(session, actor=w.clerk, pilot_id=p.id, attachment_id=att.id,
                               version=p.version)

    assert state(session) == before


def test_department_removes_only_what_it_added_while_confirming(session, w):
    p = pilots.create(session, actor=w.clerk, submit=True, data=good_input(w),
                      uploads=[Upload(MUNICIPAL_DOC, "区县上传.pdf", PDF + b"d")] + NATIONAL)
    p = pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE,
                   version=p.version)
    pilots.add_evidence(session, actor=w.dept_clerk, pilot_id=p.id, version=p.version,
                        uploads=[Upload(NATIONAL_DOC, "部门错传.pdf", PDF + b"w")])
    district_file, _, dept_file = pilots.evidence(session, actor=w.dept_clerk, pilot_id=p.id)
    assert pilots.removable_evidence(session, actor=w.dept_clerk, pilot_id=p.id) == {dept_file.id}
    before = state(session)

    with pytest.raises(PermissionDenied, match="只能删除本部门上传的文件"):
        pilots.remove_evidence(session, actor=w.dept_clerk, pilot_id=p.id,
                               attachment_id=district_file.id, version=p.version)
    assert state(session) == before
    pilots.remove_evidence(session, actor=w.dept_reviewer, pilot_id=p.id,
                           attachment_id=dept_file.id, version=p.version)

    names = [a.original_name for a in pilots.evidence(session, actor=w.dept_clerk, pilot_id=p.id)]
    assert names == ["区县上传.pdf", "国家文件.pdf"]


# --- item: lengths -----------------------------------------------------------------------------

@pytest.mark.parametrize("field, label", [
    ("name", "试点名称"), ("doc_title", "文件依据"), ("doc_number", "文号"), ("content", "试点内容及任务"),
    ("batch", "批次"),
])
def test_over_long_text_is_refused_with_the_field_label_and_nothing_is_written(
        session, w, field, label):
    before = state(session)

    with pytest.raises(ValidationError, match=f"“{label}”最多"):
        pilots.create(session, actor=w.clerk, data=good_input(w, **{field: "试" * 100_000}))

    assert state(session) == before


def test_over_long_file_name_is_refused(session, w):
    before = state(session)

    with pytest.raises(ValidationError, match="“文件名”最多255个字"):
        pilots.create(session, actor=w.clerk, data=good_input(w),
                      uploads=[Upload(NATIONAL_DOC, "文" * 300 + ".pdf", PDF)])

    assert state(session) == before


def test_a_legal_200_character_name_submits_and_its_notification_titles_are_shortened(
        session, w):
    name = "数" * 198 + "试点"

    p = submitted(session, w, name=name)

    assert p.name == name and p.status == "待区县审核"
    titles = session.execute(select(Notification.title)).scalars().all()
    assert titles and all(len(t) <= 200 for t in titles)
    assert any(t.endswith("…") for t in titles)


def test_over_long_rejection_reason_is_refused(session, w):
    p = submitted(session, w)
    before = state(session)

    with pytest.raises(ValidationError, match="“意见”最多2000个字"):
        pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.REJECT,
                   version=p.version, comment="请" * 2001)

    assert state(session) == before


def test_own_filter_lists_only_pilots_the_actors_district_created(session):
    from tests.factories import make_pilot, make_user
    from models import Role
    wanzhou = make_user(session, org="万州区", role=Role.CLERK)
    qianjiang = make_user(session, org="黔江区", role=Role.CLERK)
    mine = make_pilot(session, creator=wanzhou)
    make_pilot(session, creator=qianjiang)

    rows = pilots.search(session, actor=wanzhou, own=True)

    assert [r["id"] for r in rows] == [mine.id]


def test_pilot_list_pages_through_readable_pilots_newest_first(session):
    from tests.factories import make_pilot, make_user
    from models import Role
    clerk = make_user(session, org="万州区", role=Role.CLERK)
    made = [make_pilot(session, creator=clerk).id for _ in range(5)]

    first, total = pilots.search_page(session, actor=clerk, offset=0, limit=2)
    last, _ = pilots.search_page(session, actor=clerk, offset=4, limit=2)

    assert total == 5
    assert [r["id"] for r in first] == made[::-1][:2]
    assert [r["id"] for r in last] == [made[0]]
