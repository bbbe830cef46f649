"""试点项目审核: district reviewers 通过/驳回; the department corrects, 确认分发 or 驳回,
handles 申请纳入涉及区县 and adds districts later."""
import streamlit as st

import ui
from models import OrgKind, Pilot
from pages._pilot_form import pilot_facts, pilot_form
from services import db, orgs, pilots
from services.review import Action

PAGE = "pages/pilot_review.py"
user = ui.require_user(page=PAGE)
st.title("试点项目审核")
with db.session_scope() as s:
    districts = orgs.all_orgs(s, OrgKind.DISTRICT)
    departments = orgs.all_orgs(s, OrgKind.DEPARTMENT)
    queue = pilots.dept_queue(s, actor=user)
    requests = pilots.pending_join_requests(s, actor=user)
names = {o.id: o.name for o in districts + departments}


ui.flash()

labels = [f"待审核（{len(queue)}）"] + ([f"申请纳入涉及区县（{len(requests)}）", "已分发试点"]
                                      if user.is_department else [])
# Opened from a join request on the workbench: start on that tab.
tabs = st.tabs(labels, default=labels[1] if st.session_state.pop("open_join", None) is not None
               and len(labels) > 1 else None)
with tabs[0]:
    if not queue:
        st.info("暂无待审核的试点项目")
    choices = {p.id: f"{names[p.org_id]}｜{p.name}（{p.doc_number}，{p.status}）" for p in queue}
    preselect = st.session_state.pop("open_pilot", None)
    picked = st.selectbox("选择试点", list(choices), format_func=choices.get, key="queue-pick",
                          index=list(choices).index(preselect) if preselect in choices else 0
                          if choices else None)
    pilot: Pilot | None = next((p for p in queue if p.id == picked), None)
    if pilot is not None:
        with db.session_scope() as s:
            involved = pilots.district_ids(s, pilot.id)
            evidence = pilots.evidence(s, actor=user, pilot_id=pilot.id)
        ui.attachments(evidence, key=f"r{pilot.id}")
        corrections = uploads = None
        if user.is_department:
            st.caption("请对照文件核对关键信息，尤其“涉及区县”是否列举完全（不多选、不漏选）；可直接修改后确认分发。")
            corrections, uploads = pilot_form(
                f"confirm{pilot.id}v{pilot.version}", pilot=pilot, districts=districts,
                departments=departments, involved=involved, own_org_id=None,
                department_mode=True)
        else:
            pilot_facts(pilot, dept_name=names[pilot.dept_id], creator=names[pilot.org_id],
                        involved=[names[i] for i in sorted(involved)])
        reason = ui.reject_reason(f"reason-{pilot.id}")
        c1, c2, _ = st.columns([1, 1, 3])
        if user.is_department:
            if c1.button("确认分发", type="primary", width="stretch"):
                ui.perform(pilots.confirm_and_distribute, "已确认分发，推进任务已推送到涉及区县",
                    pilot_id=pilot.id, version=pilot.version, corrections=corrections,
                    districts=corrections.districts, uploads=uploads)
        elif c1.button("通过", type="primary", width="stretch"):
            ui.perform(pilots.act, "已通过，已提交主管市级部门确认", pilot_id=pilot.id,
                action=Action.APPROVE, version=pilot.version)
        if c2.button("驳回", width="stretch"):
            ui.perform(pilots.act, "已驳回，退回区县录入员修改", pilot_id=pilot.id, action=Action.REJECT,
                version=pilot.version, comment=reason)
        ui.history("pilot", pilot.id)

if user.is_department:
    with tabs[1]:
        if not requests:
            st.info("暂无待处理的申请")
        for req in requests:
            with st.container(border=True):
                st.markdown(f"**{req['申请区县']}** 申请纳入试点 **{req['试点名称']}**"
                            f"（{req['文号']}，{req['试点状态']}）")
                c1, c2, _ = st.columns([1, 1, 3])
                if c1.button("同意纳入", key=f"grant-{req['id']}", type="primary"):
                    ui.perform(pilots.decide_join, f"已将{req['申请区县']}纳入涉及区县",
                        request_id=req["id"], grant=True)
                if c2.button("不同意", key=f"deny-{req['id']}"):
                    ui.perform(pilots.decide_join, "已处理", request_id=req["id"], grant=False)
    with tabs[2]:
        with db.session_scope() as s:
            rows = pilots.search(s, actor=user, status="已分发")
        ui.table(rows)
        ui.excel_button(rows, filename="已分发试点.xlsx", key="dist-xlsx")
        choices = {r["id"]: f"{r['试点名称']}（{r['文号']}）" for r in rows}
        target = st.selectbox("试点", list(choices), format_func=choices.get, index=None,
                              placeholder="选择要增加涉及区县的试点", key="add-pilot")
        district = st.selectbox("增加涉及区县", [d.id for d in districts], format_func=names.get,
                                index=None, placeholder="选择区县", key="add-district")
        if st.button("增加并推送推进任务", disabled=target is None or district is None):
            ui.perform(pilots.add_district, f"已增加{names.get(district, '')}并推送推进任务",
                pilot_id=target, district_id=district)
