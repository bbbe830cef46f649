"""The pilot form shared by entry (district clerk) and confirmation (department)."""
from datetime import date

import streamlit as st

from models import Org, Pilot
from services import settings
from services.db import session_scope
from services.guidance import HELP
from services.pilots import (
    CITY_SCOPE_REFUSAL, DEPLOY_LEVELS, MUNICIPAL_DOC, NATIONAL_DOC, SCOPE_BASES, SCOPE_CITY,
    SCOPE_PROVINCE, PilotInput, Upload, naming_warnings,
)


def pilot_form(key: str, *, pilot: Pilot | None, districts: list[Org], departments: list[Org],
               involved: set[int], own_org_id: int | None, department_mode: bool = False
               ) -> tuple[PilotInput, list[Upload]]:
    """Draw every field of SPEC §3.1 with its help text; returns the input and new uploads."""
    p = pilot
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
    doc_title = st.text_input("文件依据", value=p.doc_title if p else "", key=f"{key}-title",
                              help=HELP["文件依据"])
    c1, c2 = st.columns(2)
    doc_number = c1.text_input("文号", value=p.doc_number if p else "", key=f"{key}-number",
                               help=HELP["文号"], placeholder="如：国办发〔2023〕12号")
    due = c2.date_input("完成时间", value=p.due_date if p else None, key=f"{key}-due",
                        help=HELP["完成时间"], min_value=date(2000, 1, 1),
                        max_value=date(2100, 12, 31), format="YYYY-MM-DD")
    content = st.text_area("试点内容及任务", value=p.content if p else "", key=f"{key}-content",
                           help=HELP["试点内容及任务"], height=120)
    for warning in naming_warnings(name, content):
        st.warning(warning)
    dept_names = {d.id: d.name for d in departments}
    c1, c2 = st.columns(2)
    dept_id = c1.selectbox("主管市级部门", list(dept_names), format_func=dept_names.get,
                           key=f"{key}-dept", help=HELP["主管市级部门"],
                           index=list(dept_names).index(p.dept_id) if p else None,
                           placeholder="请选择", disabled=department_mode)
    batch = c2.text_input("批次", value=p.batch if p else "", key=f"{key}-batch",
                          help=HELP["批次"])
    district_names = {d.id: d.name for d in districts}
    chosen = st.multiselect("涉及区县", list(district_names), format_func=district_names.get,
                            default=sorted(involved), key=f"{key}-districts",
                            help=HELP["涉及区县"])
    secret = st.checkbox("涉密", value=p.is_secret if p else False, key=f"{key}-secret",
                         help=HELP["涉密"])
    uploads: list[Upload] = []
    sent_offline = by_dept = False
    if secret:
        with session_scope() as s:
            contact = settings.get(s, "pilot_module_admin")
        st.info(f"涉密文件请勿上传。请通过电子政务内网邮箱分别报送{contact}和主管市级部门，"
                "报送后勾选下方确认。")
        sent_offline = st.checkbox("已通过电子政务内网邮箱线下报送", key=f"{key}-offline",
                                   value=p.sent_offline if p else False)
    else:
        for purpose in (NATIONAL_DOC, MUNICIPAL_DOC) if scope == SCOPE_PROVINCE else (NATIONAL_DOC,):
            for f in st.file_uploader(f"佐证材料：{purpose}（Word 或 PDF）", type=["pdf", "doc", "docx"],
                                      accept_multiple_files=True, key=f"{key}-up-{purpose}") or []:
                uploads.append(Upload(purpose, f.name, f.getvalue()))
        if not department_mode:
            by_dept = st.checkbox("本区县没有国家文件，请主管市级部门协助上传", key=f"{key}-bydept",
                                  value=p.evidence_by_dept if p else False)
    data = PilotInput(name=name, deploy_level=level or "", doc_title=doc_title,
                      doc_number=doc_number, scope_basis=scope, content=content, due_date=due,
                      dept_id=dept_id, batch=batch, is_secret=secret, sent_offline=sent_offline,
                      evidence_by_dept=by_dept,
                      districts=set(chosen) | ({own_org_id} if own_org_id else set()))
    return data, uploads


def pilot_facts(p: Pilot, *, dept_name: str, creator: str, involved: list[str]) -> None:
    """A read-only summary of a pilot."""
    st.markdown(
        f"**{p.name}**（{p.status}）  \n"
        f"文件依据：{p.doc_title}　文号：{p.doc_number}  \n"
        f"部署层级：{p.deploy_level}　试点范围依据：{p.scope_basis}  \n"
        f"完成时间：{p.due_date or '—'}　主管市级部门：{dept_name}　批次：{p.batch or '—'}  \n"
        f"创建区县：{creator}　涉及区县：{'、'.join(involved)}  \n"
        f"涉密：{'是（' + ('已线下报送' if p.sent_offline else '未报送') + '）' if p.is_secret else '否'}"
        + ("　（区县无国家文件，请市级部门协助上传）" if p.evidence_by_dept else ""))
    st.markdown(f"试点内容及任务：  \n{p.content}")
