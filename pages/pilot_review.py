"""试点项目审核: district reviewers 通过/驳回; the department corrects, uploads, 确认分发 or 驳回,
handles 申请纳入涉及区县 and corrects distributed pilots."""
import streamlit as st

import ui
from models import OrgKind
from pages._pilot_form import (
    evidence_list, forget_version, form_version, pilot_facts, pilot_form,
)
from services import db, orgs, pilots
from services.pilots import PILOT_FLOW
from services.review import Action

PAGE = "pages/pilot_review.py"
user = ui.require_user(page=PAGE)
st.title("试点项目审核")
with db.session_scope() as s:
    districts = orgs.all_orgs(s, OrgKind.DISTRICT)
    departments = orgs.all_orgs(s, OrgKind.DEPARTMENT)
    queue = {p.id: p for p in pilots.dept_queue(s, actor=user)}
    queue_rows = pilots.queue_rows(s, actor=user)
    requests = pilots.pending_join_requests(s, actor=user)
names = {o.id: o.name for o in districts + departments}
form_args = dict(actor=user, districts=districts, departments=departments, own_org_id=None,
                 department_mode=True)

with st.container():  # a stable slot: the tabs below keep their place (and the open tab)
    ui.flash()
# Whoever takes 确认分发 also decides join requests and corrects distributed pilots.
distributes = PILOT_FLOW.takes(Action.DISTRIBUTE, user)
labels = [f"待审核（{len(queue)}）"] + ([f"申请纳入涉及区县（{len(requests)}）", "已分发试点"]
                                      if distributes else [])
# Opened from a join request on the workbench: start on that tab.
tabs = st.tabs(labels, default=labels[1] if st.session_state.pop("open_join", None) is not None
               and len(labels) > 1 else None)
with tabs[0]:
    ui.table(queue_rows, empty="暂无待审核的试点项目：已上报的都已处理完毕。新的上报会出现在业务工作台的待办事项中。")
    if not queue_rows:
        st.page_link("pages/workbench.py", label="返回业务工作台")
    ui.excel_button(queue_rows, filename="试点项目待审核.xlsx", key="queue-xlsx")
    notes = {r["id"]: r["说明"] for r in queue_rows}
    choices = {p.id: f"{names[p.org_id]}｜{p.name}（{p.doc_number}，{notes[p.id] or p.status}）"
               for p in queue.values()}
    preselect = st.session_state.pop("open_pilot", None)
    picked = ui.pick("选择试点", choices, key="queue-pick", preselect=preselect, first=True)
    pilot = queue.get(picked)
    if pilot is not None:
        version = form_version("confirm", pilot)
        with db.session_scope() as s:
            involved = pilots.district_ids(s, pilot.id)
        if notes[pilot.id]:
            st.warning(f"{names[pilot.org_id]}没有部署该试点的国家文件，请求主管市级部门协助上传："
                       "请在下方“佐证材料：国家文件”处上传（Word 或 PDF）后再确认并分发。")
        evidence_list(pilot, actor=user, key=f"r{pilot.id}", version=version)
        with db.session_scope() as s:
            confirming = Action.DISTRIBUTE in PILOT_FLOW.available_actions(pilot, user, s)
        corrections = uploads = None
        if confirming:
            st.caption("请对照文件仔细核对关键信息，尤其“涉及区县”是否将承接该试点任务的所有区县列举完全"
                       "（不多选、不漏选；创建区县始终包含）；可直接修改后确认并分发。")
            corrections, uploads = pilot_form(f"confirm{pilot.id}v{version}", pilot=pilot,
                                              involved=involved, **form_args)
        else:
            pilot_facts(pilot, dept_name=names[pilot.dept_id], creator=names[pilot.org_id],
                        involved=[names[i] for i in sorted(involved)])

        def distribute(_comment: str) -> None:
            ui.perform(pilots.confirm_and_distribute, "已确认并分发，推进任务已推送到涉及区县",
                       pilot_id=pilot.id, version=version, corrections=corrections,
                       districts=corrections.districts, uploads=uploads)

        ui.review_panel(PILOT_FLOW, pilot, user, version=version,
                        before_action=lambda: forget_version("confirm", pilot),
                        handlers={Action.DISTRIBUTE: distribute},
                        success={Action.APPROVE: "已通过，已提交主管市级部门确认",
                                 Action.REJECT: "已驳回，退回区县录入员修改"})
        if confirming and uploads and st.button("仅上传文件", key=f"upload-only-{pilot.id}"):
            ui.perform(pilots.add_evidence, "文件已上传，核对无误后请确认并分发",
                       pilot_id=pilot.id, version=version, uploads=uploads)

if distributes:
    with tabs[1]:
        ui.table(requests, hide=("id", "pilot_id"))
        ui.excel_button([{k: v for k, v in r.items() if k != "pilot_id"} for r in requests],
                        filename="申请纳入涉及区县.xlsx", key="join-xlsx")
        for req in requests:
            with st.container(border=True):
                st.text(f"{req['申请区县']}（{req['申请人']}）申请纳入试点“{req['试点名称']}”"
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
        target = ui.pick("选择要更正的试点", choices, key="correct-pick")
        if target is not None:
            with db.session_scope() as s:
                p = pilots.get(s, actor=user, pilot_id=target)
                involved = pilots.district_ids(s, p.id)
            version = form_version("correct", p)
            st.caption("更正关键信息或涉及区县：新增的区县将收到推进任务；已填报推进情况的区县不能移除。")
            fixed, new_files = pilot_form(f"correct{p.id}v{version}", pilot=p,
                                          involved=involved, **form_args)
            if st.button("保存更正", type="primary", key="correct-save"):
                forget_version("correct", p)
                ui.perform(pilots.correct, "已保存更正，已通知涉及区县", pilot_id=p.id,
                           version=version, corrections=fixed, districts=fixed.districts,
                           uploads=new_files)
