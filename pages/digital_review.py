"""区县推进情况审核 (区县审核员): the district's form waiting for review, each changed row old → new
with its files, then 通过 / 驳回 (with a reason) of the whole form; and the district's four
tables as in force. The buttons are the steps the flow allows this user; the service checks
them again, at the form's version as this page showed it."""
import streamlit as st

import ui
from pages import _digital_parts as parts
from services import db, orgs
from services.digital import display, forms, rows
from services.digital.common import FORM_HEADING
from services.review import Action, last_rejection

PAGE = "pages/digital_review.py"
SEEN = "digital-review-seen"      # {form id: version} as this page first showed it
user = ui.require_user(page=PAGE)
st.title("区县推进情况审核")
ui.flash()

with db.session_scope() as s:
    queue = forms.review_queue(s, actor=user)
    names = {o.id: o.name for o in orgs.all_orgs(s)}
st.caption(f"待审核（{len(queue)}）")
if not queue:
    st.session_state.pop(SEEN, None)
    st.info("暂无待审核的区县推进数字重庆建设情况：已上报的都已审核完毕。新的上报会出现在业务工作台的待办事项中。")
    st.page_link("pages/workbench.py", label="返回业务工作台")
else:
    choices = {f.id: f"{names.get(f.org_id, '')}｜{f.title}（{f.status}）" for f in queue}
    picked = ui.pick("选择待审核的填报", choices, key="digital-review-pick", first=True,
                     preselect=st.session_state.pop(forms.FORM_FLOW.open_key, None))
    form = next(f for f in queue if f.id == picked)
    # Versions as first shown, kept only while a form waits (one sent back and submitted
    # again is a new review, not a change behind the reviewer's back).
    kept = {i: v for i, v in st.session_state.get(SEEN, {}).items() if i in choices}
    kept.setdefault(form.id, form.version)
    st.session_state[SEEN] = kept
    seen = kept[form.id]
    if seen != form.version:
        st.warning("该填报在您打开后已有变化（已撤回、修改后重新上报），请刷新后查看最新内容再审核。")
        if st.button("刷新", key="digital-review-refresh"):
            st.session_state[SEEN][form.id] = form.version
            st.rerun()
    with db.session_scope() as s:
        changed = forms.changes(s, actor=user, form_id=form.id)
        earlier = last_rejection(s, record_type=forms.FORM_FLOW.module, record_id=form.id)
    st.subheader(f"{FORM_HEADING}（第{form.number}次填报）", anchor=False)
    if earlier is not None:
        st.caption(f"此前驳回原因：{ui.literal(earlier.comment)}")
    counts = {c: sum(v.change == c for v in changed) for c in ("新增", "修改", "删除")}
    st.markdown("本次填报：" + "，".join(f"{c} {n} 行" for c, n in counts.items()))
    for kind in rows.ORDER:
        mine = [v for v in changed if v.kind == kind.key]
        if mine:
            st.markdown(f"**{kind.table}（{len(mine)}）**")
            for view in mine:
                parts.change_card(kind, view, key=f"change-{kind.key}-{view.id}")
    ui.review_panel(forms.FORM_FLOW, form, user, version=seen, success={
        Action.APPROVE: "已通过，本次填报的内容已生效；新增和重新上传一图两清单的一件事已报市委改革办核准",
        Action.REJECT: "已驳回，退回区县录入员修改",
    })

if user.is_district:
    st.header("本区县现行情况", anchor=False)
    st.caption("已审核通过的内容（不含待审核的修改），晾晒和驾驶舱按此统计。")
    with db.session_scope() as s:
        views = forms.tables(s, actor=user)
        reasons = {kind.key: {v.id: display.why_not_displayed(s, kind.model, v.id)
                              for v in views[kind.key] if not v.displayed}
                   for kind in rows.ORDER}
    for kind in rows.ORDER:  # a message about a row (e.g. a 一件事's verdict) opens it here
        row_id = st.session_state.pop(kind.flow.open_key, None)
        if (view := next((v for v in views[kind.key] if v.id == row_id), None)) is not None:
            parts.card(kind, parts.as_in_force(view), reasons[kind.key].get(view.id, ""),
                       key=f"opened-{kind.key}")
            parts.download_buttons(parts.as_in_force(view).files, key=f"opened-{kind.key}")
    for kind in rows.ORDER:
        in_force = [parts.as_in_force(v) for v in views[kind.key] if v.change != "新增"]
        listed = parts.table_rows(kind, in_force, reasons[kind.key])
        st.subheader(f"{kind.table}（{len(listed)}）", anchor=False)
        ui.table([{k: v for k, v in r.items() if k != "本次变更"} for r in listed],
                 empty=f"暂无已通过的{kind.label}")
        with st.container(horizontal=True, key=f"force-exports-{kind.key}"):
            ui.excel_button([{k: v for k, v in r.items() if k != "本次变更"} for r in listed],
                            filename=f"本区县现行{kind.table}.xlsx", key=f"force-xlsx-{kind.key}")
            ui.print_list_button(kind.key, [r["id"] for r in listed], total=len(listed),
                                 key=f"force-print-{kind.key}")
