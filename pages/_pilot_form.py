"""The pilot form shared by entry (district clerk), confirmation and correction (department)."""
from datetime import date

import streamlit as st

import ui
from models import Org, Pilot
from services import db, pilots, settings
from services.errors import DomainError
from services.guidance import HELP
from services.identity import CurrentUser
from services.pilots import (
    CITY_SCOPE_REFUSAL, DEPLOY_LEVELS, MUNICIPAL_DOC, NATIONAL_DOC, SCOPE_BASES, SCOPE_CITY,
    SCOPE_PROVINCE, PilotInput, Upload, naming_warnings,
)


# Widgets (by key suffix) that 保存并上报 needs filled (services.pilots checks them again).
REQUIRED = ("number", "name", "level", "scope", "title", "due", "content", "dept", "districts")


def pilot_form(key: str, *, actor: CurrentUser, pilot: Pilot | None, districts: list[Org],
               departments: list[Org], involved: set[int], own_org_id: int | None,
               department_mode: bool = False) -> tuple[PilotInput | None, list[Upload]]:
    """Draw every field of SPEC §3.1 with its help text; returns the input and new uploads.

    文号 and 批次 come first and are checked at once: a number another live pilot holds is
    told right under the field (with 申请纳入涉及区县), and the district's form stops there
    (returns None).
    """
    p = pilot
    ui.required_note(*(f"{key}-{name}" for name in REQUIRED))
    c1, c2 = st.columns(2)
    doc_number = c1.text_input("文号", value=p.doc_number if p else "", key=f"{key}-number",
                               help=HELP["文号"], placeholder="如：国办发〔2023〕12号")
    batch = c2.text_input("批次", value=p.batch if p else "", key=f"{key}-batch",
                          help=HELP["批次"], placeholder="选填，如：第二批")
    with db.session_scope() as s:
        duplicate = pilots.duplicate_check(s, actor=actor, doc_number=doc_number, batch=batch,
                                           exclude_id=p.id if p else None)
    if duplicate is not None:
        st.error(duplicate.message)
        if not department_mode:
            _join_request(key, actor, duplicate)
            return None, []
    name = st.text_input("试点名称", value=p.name if p else "", key=f"{key}-name",
                         help=HELP["试点名称"])
    c1, c2 = st.columns(2)
    level = c1.selectbox("部署层级", DEPLOY_LEVELS, key=f"{key}-level", help=HELP["部署层级"],
                         index=DEPLOY_LEVELS.index(p.deploy_level)
                         if p and p.deploy_level in DEPLOY_LEVELS else None,
                         placeholder="请选择")
    scope = c2.selectbox("试点范围依据", SCOPE_BASES, key=f"{key}-scope", help=HELP["试点范围依据"],
                         index=SCOPE_BASES.index(p.scope_basis) if p else 0)
    if scope == SCOPE_CITY:
        st.error(CITY_SCOPE_REFUSAL)
    c1, c2 = st.columns(2)
    doc_title = c1.text_input("文件依据", value=p.doc_title if p else "", key=f"{key}-title",
                              help=HELP["文件依据"])
    with c2:
        due = ui.date_field("完成时间", value=p.due_date if p else None, key=f"{key}-due",
                            help=HELP["完成时间"], min_value=date(2000, 1, 1),
                            max_value=date(2100, 12, 31))
    content = st.text_area("试点内容及任务", value=p.content if p else "", key=f"{key}-content",
                           help=HELP["试点内容及任务"], height=120)
    for warning in naming_warnings(name, content):
        st.warning(warning)
    dept_names = {d.id: d.name for d in departments}
    dept_id = st.selectbox("主管市级部门", list(dept_names), format_func=dept_names.get,
                           key=f"{key}-dept", help=HELP["主管市级部门"],
                           index=list(dept_names).index(p.dept_id) if p else None,
                           placeholder="请选择", disabled=department_mode)
    district_names = {d.id: d.name for d in districts}
    chosen = ui.choose_many("涉及区县", list(district_names), format_func=district_names.get,
                            default=sorted(involved), key=f"{key}-districts",
                            help=HELP["涉及区县"], placeholder="请逐个选择承接该试点的区县")
    secret = st.checkbox("涉密", value=p.is_secret if p else False, key=f"{key}-secret",
                         help=HELP["涉密"])
    uploads: list[Upload] = []
    sent_offline = by_dept = False
    if secret:
        with db.session_scope() as s:
            contact = settings.get(s, "pilot_module_admin")
        st.info(f"涉密文件请勿上传。请通过电子政务内网邮箱分别报送{ui.literal(contact)}和主管市级部门，"
                "报送后勾选下方确认。已上传的文件将在保存时从系统中删除。")
        sent_offline = st.checkbox("已通过电子政务内网邮箱线下报送", key=f"{key}-offline",
                                   value=p.sent_offline if p else False)
    else:
        for purpose in (NATIONAL_DOC, MUNICIPAL_DOC) if scope == SCOPE_PROVINCE else (NATIONAL_DOC,):
            for f in ui.upload(f"佐证材料：{purpose}（Word 或 PDF）", types=["pdf", "doc", "docx"],
                               key=f"{key}-up-{purpose}") or []:
                uploads.append(Upload(purpose, f.name, f.getvalue()))
        if not department_mode:
            by_dept = st.checkbox("本区县没有国家文件，请主管市级部门协助上传", key=f"{key}-bydept",
                                  value=p.evidence_by_dept if p else False)
    data = PilotInput(name=name, deploy_level=level or "", doc_title=doc_title,
                      doc_number=doc_number, scope_basis=scope, content=content, due_date=due,
                      dept_id=dept_id, batch=batch, is_secret=secret, sent_offline=sent_offline,
                      evidence_by_dept=by_dept if not department_mode else
                      bool(p and p.evidence_by_dept),
                      districts=set(chosen) | ({own_org_id} if own_org_id else set()))
    return data, uploads


def form_version(scope: str, p: Pilot) -> int:
    """The version of `p` when this user's form was first drawn, kept while that form is on
    screen: a change someone else made meanwhile (e.g. a granted join request) then gives the
    conflict message instead of silently replacing what the user is looking at.

    The form's widget keys carry this version; call `forget_version` before acting so the next
    run shows the record as stored.
    """
    key = f"{scope}-loaded-{p.id}"
    loaded = st.session_state.get(key)
    if loaded is None or (loaded != p.version
                          and f"{scope}{p.id}v{loaded}-number" not in st.session_state):
        loaded = st.session_state[key] = p.version
    return loaded


def forget_version(scope: str, p: Pilot) -> None:
    st.session_state.pop(f"{scope}-loaded-{p.id}", None)


def _join_request(key: str, actor: CurrentUser, duplicate: pilots.DuplicateInfo) -> None:
    """申请纳入涉及区县, right under the number that another district already holds."""
    if duplicate.note:
        st.info(duplicate.note)
    if duplicate.can_request and st.button("申请纳入涉及区县", type="primary", key=f"{key}-join"):
        try:
            with db.session_scope() as s:
                req = pilots.request_join(s, actor=actor, pilot_id=duplicate.existing_id)
                st.session_state["flash"] = pilots.join_request_notice(s, actor=actor,
                                                                       request_id=req.id)
        except DomainError as exc:
            st.error(ui.literal(exc))
        else:
            st.rerun()
    st.caption("文号或批次填写有误的，请直接修改；不同批次的试点请填写批次后分别录入。")


def evidence_list(p: Pilot, *, actor: CurrentUser, key: str, version: int | None = None
                  ) -> None:
    """The pilot's 佐证材料 as downloads, with 删除 for the files the user may remove."""
    with db.session_scope() as s:
        items = pilots.evidence(s, actor=actor, pilot_id=p.id)
        removable = pilots.removable_evidence(s, actor=actor, pilot_id=p.id)
    if not items:
        st.caption("（无附件）")
    for att in items:
        left, right = st.columns([5, 1])
        with left:
            ui.attachments([att], key=key)
        if att.id not in removable:
            continue
        if ui.confirm_action("删除", f"删除文件“{att.original_name}”？删除后需重新上传。",
                             key=f"{key}-rm-{att.id}", at=right):
            ui.perform(pilots.remove_evidence, f"已删除“{att.original_name}”",
                       pilot_id=p.id, attachment_id=att.id,
                       version=p.version if version is None else version)


def pilot_facts(p: Pilot, *, dept_name: str, creator: str, involved: list[str]) -> None:
    """A read-only summary of a pilot (user text shown literally)."""
    secret = ("是（" + ("已线下报送" if p.sent_offline else "未报送") + "）") if p.is_secret else "否"
    ui.record_card([
        ("试点名称", p.name), ("状态", p.status), ("文件依据", p.doc_title),
        ("文号", p.doc_number), ("批次", p.batch), ("部署层级", p.deploy_level),
        ("试点范围依据", p.scope_basis), ("完成时间", p.due_date),
        ("主管市级部门", dept_name), ("创建区县", creator), ("涉及区县", "、".join(involved)),
        ("涉密", secret), ("试点内容及任务", p.content)])
    if p.evidence_by_dept:
        st.caption("区县没有国家文件，已请主管市级部门协助上传")
