"""试点项目录入 (区县录入员): create, edit, 保存 / 保存并上报, 撤回, 作废, 申请纳入涉及区县."""
import streamlit as st

import ui
from models import OrgKind, Role
from pages._pilot_form import (
    evidence_list, forget_version, form_version, pilot_facts, pilot_form,
)
from services import db, orgs, pilots, settings
from services.errors import DomainError
from services.pilots import PILOT_FLOW
from services.guidance import PILOT_ENTRY, PILOT_SCOPE
from services.review import ACTION_LABELS, Action, last_rejection

PAGE = "pages/pilot_entry.py"
user = ui.require_user(Role.CLERK, page=PAGE)
st.title("试点项目录入")
with db.session_scope() as s:
    districts = orgs.all_orgs(s, OrgKind.DISTRICT)
    departments = orgs.all_orgs(s, OrgKind.DEPARTMENT)
    contact = settings.get(s, "pilot_module_admin")
names = {o.id: o.name for o in districts + departments}
with st.expander("填写说明（操作说明及规范）"):
    st.markdown(PILOT_SCOPE)
    st.markdown(PILOT_ENTRY.format(pilot_admin=contact))


def save(action, *, submit: bool, **kwargs) -> bool:
    """Run 保存 / 保存并上报; on success the next run shows what happened (and what is missing)."""
    try:
        with st.spinner("正在保存…"), db.session_scope() as s:
            pilot = action(s, actor=user, submit=submit, **kwargs)
            missing = [] if submit else pilots.missing_for_submit(s, actor=user,
                                                                   pilot_id=pilot.id)
    except DomainError as exc:
        st.error(ui.literal(exc))
        return False
    st.session_state["open_pilot"] = pilot.id  # the next run shows it under 本区县试点
    if submit:
        st.session_state["flash"] = f"“{pilot.name}”已上报，等待区县审核员审核"
    else:
        st.session_state["flash"] = "已保存为草稿，可在“本区县试点”中继续修改或上报" + (
            f"。上报前还需填写：{'、'.join(missing)}" if missing else "；资料已齐全，可以上报")
    return True


with st.container():  # a stable slot: the tabs below keep their place (and the open tab)
    ui.flash()
preselect = st.session_state.pop("open_pilot", None)  # from 业务工作台 or a save
new_tab, mine_tab = st.tabs(["新建试点", "本区县试点"],
                            default="本区县试点" if preselect is not None else None)
with new_tab:
    generation = st.session_state.setdefault("new_form_gen", 0)  # a fresh form after success
    data, uploads = pilot_form(f"new{generation}", actor=user, pilot=None, districts=districts,
                               departments=departments, involved={user.org_id},
                               own_org_id=user.org_id)
    if data is not None:
        c1, c2, _ = st.columns([1, 1, 3])
        for col, submit in ((c1, False), (c2, True)):
            if col.button("保存并上报" if submit else "保存", key=f"new-{submit}",
                          type="primary" if submit else "secondary", width="stretch"):
                if save(pilots.create, data=data, uploads=uploads, submit=submit):
                    st.session_state["new_form_gen"] = generation + 1
                    st.rerun()

with mine_tab:
    status = st.selectbox("状态", [None] + pilots.STATUSES, key="mine-status",
                          format_func=lambda v: "全部" if v is None else v)
    with db.session_scope() as s:
        rows = pilots.search(s, actor=user, status=status, own=True)
    ui.table(rows, empty="没有符合条件的试点。" if status else
             "本区县还没有录入试点：在“新建试点”中填写后保存或保存并上报。")
    ui.excel_button(rows, filename="本区县试点项目.xlsx", key="mine-xlsx")
    choices = {r["id"]: f"{r['试点名称']}（{r['文号']}，{r['状态']}）" for r in rows}
    picked = ui.pick("选择试点查看或修改", choices, key="mine-pick", preselect=preselect)
    if picked is not None:
        with db.session_scope() as s:
            p = pilots.get(s, actor=user, pilot_id=picked)
            involved = pilots.district_ids(s, p.id)
            reason = PILOT_FLOW.refusal(Action.SAVE, p, user)
            actions = PILOT_FLOW.available_actions(p, user)
            rejected = last_rejection(s, record_type="pilot", record_id=p.id)
        if p.status == "退回修改" and rejected:
            st.error("已被驳回，驳回原因：")
            st.text(rejected.comment)
        version = form_version("edit", p)
        evidence_list(p, actor=user, key=f"p{p.id}", version=version)
        if reason is None:  # editable: draft or returned
            data, uploads = pilot_form(f"edit{p.id}v{version}", actor=user, pilot=p,
                                       districts=districts, departments=departments,
                                       involved=involved, own_org_id=p.org_id)
            if data is not None:
                c = st.columns(4)
                for col, submit in ((c[0], False), (c[1], True)):
                    if col.button("保存并上报" if submit else "保存", key=f"edit-{submit}",
                                  type="primary" if submit else "secondary", width="stretch"):
                        forget_version("edit", p)
                        if save(pilots.update, pilot_id=p.id, version=version, data=data,
                                uploads=uploads, submit=submit):
                            st.rerun()
            if Action.CANCEL in actions:
                st.divider()
                if ui.confirm_action("作废", f"作废试点“{p.name}”？作废后不能恢复，也不再进入审核。",
                                     key=f"cancel-{p.id}"):
                    forget_version("edit", p)
                    ui.perform(pilots.act, "已作废", pilot_id=p.id, action=Action.CANCEL,
                               version=version)
        else:
            pilot_facts(p, dept_name=names.get(p.dept_id, ""), creator=names[p.org_id],
                        involved=[names[i] for i in sorted(involved)])
            if Action.WITHDRAW in actions and ui.confirm_action(
                    ACTION_LABELS[Action.WITHDRAW], f"撤回“{p.name}”？撤回后退出审核，成为草稿，"
                    "修改后须重新上报。", key=f"withdraw-{p.id}"):
                ui.perform(pilots.act, "已撤回为草稿", pilot_id=p.id, action=Action.WITHDRAW,
                           version=p.version)
        ui.history("pilot", p.id)
