"""试点项目录入 (区县录入员): create, edit, 保存 / 保存并上报, 撤回, 作废, 申请纳入涉及区县."""
import streamlit as st

import ui
from models import OrgKind, Role
from pages._pilot_form import pilot_facts, pilot_form
from services import db, orgs, pilots, settings
from services.errors import DomainError, DuplicateDocument
from services.flows import PILOT_FLOW
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


def offer_join_request() -> None:
    """After a duplicate 文号: let the clerk ask to be added to the existing pilot."""
    existing = st.session_state.get("dup_pilot_id")
    if existing is None:
        return
    st.error(st.session_state.get("dup_message", ""))
    if st.button("申请纳入涉及区县", type="primary", key="join-request"):
        try:
            with db.session_scope() as s:
                pilots.request_join(s, actor=user, pilot_id=existing)
            st.success("已向主管市级部门提交申请，处理结果将通知到业务工作台")
            st.session_state.pop("dup_pilot_id", None)
        except DomainError as exc:
            st.error(str(exc))


def run(action, **kwargs) -> bool:
    try:
        with st.spinner("正在保存…"), db.session_scope() as s:
            action(s, actor=user, **kwargs)
        st.session_state.pop("dup_pilot_id", None)
        return True
    except DuplicateDocument as exc:
        st.session_state.update(dup_pilot_id=exc.existing_id, dup_message=str(exc))
    except DomainError as exc:
        st.error(str(exc))
    return False


ui.flash()
new_tab, mine_tab = st.tabs(["新建试点", "本区县试点"])
with new_tab:
    generation = st.session_state.setdefault("new_form_gen", 0)  # a fresh form after success
    data, uploads = pilot_form(f"new{generation}", pilot=None, districts=districts, departments=departments,
                               involved={user.org_id}, own_org_id=user.org_id)
    c1, c2, _ = st.columns([1, 1, 3])
    for col, submit, done in ((c1, False, "已保存为草稿，可在“本区县试点”中继续修改或上报"),
                              (c2, True, f"“{data.name}”已上报，等待区县审核员审核")):
        if col.button("保存并上报" if submit else "保存", key=f"new-{submit}",
                      type="primary" if submit else "secondary", width="stretch"):
            if run(pilots.create, data=data, uploads=uploads, submit=submit):
                st.session_state["flash"] = done
                st.session_state["new_form_gen"] = generation + 1
                st.rerun()
    offer_join_request()

with mine_tab:
    status = st.selectbox("状态", [None] + pilots.STATUSES, key="mine-status",
                          format_func=lambda v: "全部" if v is None else v)
    with db.session_scope() as s:
        rows = [r for r in pilots.search(s, actor=user, status=status)
                if r["创建区县"] == user.org_name]
    ui.table(rows)
    ui.excel_button(rows, filename="本区县试点项目.xlsx", key="mine-xlsx")
    choices = {r["id"]: f"{r['试点名称']}（{r['文号']}，{r['状态']}）" for r in rows}
    preselect = st.session_state.pop("open_pilot", None)
    picked = st.selectbox("选择试点查看或修改", list(choices), format_func=choices.get,
                          index=list(choices).index(preselect) if preselect in choices else None,
                          placeholder="请选择", key="mine-pick")
    if picked is not None:
        with db.session_scope() as s:
            p = pilots.get(s, actor=user, pilot_id=picked)
            involved = pilots.district_ids(s, p.id)
            evidence = pilots.evidence(s, actor=user, pilot_id=p.id)
            reason = PILOT_FLOW.refusal(Action.SAVE, p, user)
            actions = PILOT_FLOW.available_actions(p, user)
            rejected = last_rejection(s, record_type="pilot", record_id=p.id)
        if p.status == "退回修改" and rejected:
            st.error(f"已被驳回：{rejected.comment}")
        ui.attachments(evidence, key=f"p{p.id}")
        if reason is None:  # editable: draft or returned
            data, uploads = pilot_form(f"edit{p.id}v{p.version}", pilot=p, districts=districts,
                                       departments=departments, involved=involved,
                                       own_org_id=p.org_id)
            c = st.columns(4)
            if c[0].button("保存", key="edit-save", width="stretch"):
                if run(pilots.update, pilot_id=p.id, version=p.version, data=data,
                       uploads=uploads):
                    st.success("已保存")
                    st.rerun()
            if c[1].button("保存并上报", key="edit-submit", type="primary",
                           width="stretch"):
                if run(pilots.update, pilot_id=p.id, version=p.version, data=data,
                       uploads=uploads, submit=True):
                    st.success("已上报")
                    st.rerun()
            if Action.CANCEL in actions and c[2].button("作废", key="edit-cancel",
                                                        width="stretch"):
                if run(pilots.act, pilot_id=p.id, action=Action.CANCEL, version=p.version):
                    st.rerun()
            offer_join_request()
        else:
            pilot_facts(p, dept_name=names.get(p.dept_id, ""), creator=names[p.org_id],
                        involved=[names[i] for i in sorted(involved)])
            if Action.WITHDRAW in actions and st.button(ACTION_LABELS[Action.WITHDRAW],
                                                        key="withdraw"):
                if run(pilots.act, pilot_id=p.id, action=Action.WITHDRAW, version=p.version):
                    st.success("已撤回为草稿")
                    st.rerun()
        ui.history("pilot", p.id)
