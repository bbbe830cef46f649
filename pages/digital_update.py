"""区县推进情况更新 (区县录入员): the district's four tables of 区县推进数字重庆建设情况 — "+" adds a
row, 修改 / 删除 / 撤销修改 a row, files added and removed — then 保存并上报 the form as one; 撤回
while it waits. The form's version is the one this page loaded, so a second clerk's edit in
between gives the conflict message instead of being overwritten. Every rule is the services'."""
import streamlit as st

import ui
from models import Role
from pages import _digital_parts as parts
from services import db
from services.digital import catalog, display, forms, rows
from services.digital.common import FORM_HEADING
from services.digital.items import ITEM, WAITING
from services.digital.plans import PLAN
from services.digital.apps import APP
from services.errors import DomainError
from services.review import DRAFT, RETURNED, Action, last_rejection

PAGE = "pages/digital_update.py"
SEEN = "digital-form-seen"        # (form id, version) as this page loaded it
EDITING = "digital-editing"       # (table, row id or None for "+") of the open row form
GENERATION = "digital-gen"        # fresh widgets after each action
user = ui.require_user(Role.CLERK, page=PAGE)
st.title("区县推进情况更新")
with st.expander("填写说明（操作说明及规范 四、“数字重庆建设”功能模块）"):
    st.markdown(parts.GUIDE)
ui.flash()

with db.session_scope() as s:
    form = forms.current(s, actor=user)
    views = forms.tables(s, actor=user)
    reasons = {kind.key: {v.id: display.why_not_displayed(s, kind.model, v.id)
                          for v in views[kind.key] if not v.displayed} for kind in rows.ORDER}
    domains = {d.id: d.name + ("（已停用）" if d.retired else "")
               for d in catalog.domains(s, include_retired=True)
               if not d.retired or any(v.values.get("domain_id") == d.id
                                       for v in views[ITEM.key])}
    links = {kind.key: dict(rows.options(s, actor=user, kind=kind.key))
             for kind in rows.ORDER[1:]}
    rejection = last_rejection(s, record_type=forms.FORM_FLOW.module, record_id=form.id) \
        if form is not None and form.status == RETURNED else None
    lacking = forms.shortcomings(s, actor=user, form_id=form.id) \
        if form is not None and form.status in (DRAFT, RETURNED) else []
now = (form.id, form.version) if form is not None else (None, 0)
seen = st.session_state.setdefault(SEEN, now)
editable = form is None or form.status in (DRAFT, RETURNED)
generation = st.session_state.setdefault(GENERATION, 0)
editing = st.session_state.get(EDITING)


def refresh() -> None:
    st.session_state[SEEN] = now
    st.session_state.pop(EDITING, None)
    st.session_state[GENERATION] = generation + 1


if form is not None:
    st.caption(f"{form.title}：{form.status}（填报状态见页面下方）")
if seen != now:
    st.warning("本次填报已有变化（其他录入员保存了修改，或填报已被上报、撤回、审核），"
               "请刷新后再修改，以免覆盖他人的修改。")
    st.button("刷新", key="digital-refresh", on_click=refresh)


def act(fn, success: str, **kwargs) -> None:
    """One action on the form at the version this page loaded; on success the page moves on
    to the form's new version, else the service's Chinese message (the conflict one when
    another clerk acted first)."""
    try:
        with st.spinner("正在保存…"), db.session_scope() as s:
            done = fn(s, actor=user, **kwargs)
    except DomainError as exc:
        st.error(ui.literal(exc))
        return
    done_form = getattr(done, "form", done)
    st.session_state[SEEN] = (done_form.id, done_form.version) if done_form is not None \
        else (None, 0)
    st.session_state.pop(EDITING, None)
    st.session_state[GENERATION] = generation + 1
    if "kind" in kwargs:  # the row acted on stays open in its table
        st.session_state["digital-open"] = (kwargs["kind"], done.row.id)
    st.session_state["flash"] = success
    st.rerun()


def row_form(kind, view) -> None:
    """The row's fields (prefilled when 修改, empty for "+"), 保存 and 取消."""
    # Keyed by the row and this page's generation, not the row's version: another clerk's
    # save leaves what this clerk typed in place, and 保存 then gets the conflict message.
    key = f"{kind.key}-{view.id if view else 'new'}-g{generation}"
    with st.container(border=True, key=f"{key}-box"):
        st.markdown(f"**{'修改' if view else '新增'}{kind.label}**"
                    + (f"：{ui.literal(view.title)}" if view else ""))
        if kind is ITEM:
            values, uploads = parts.item_form(view, key=key, domains=domains)
        elif kind is PLAN:
            titles = {v.id: v.title for v in views[ITEM.key]}
            values, uploads = parts.plan_form(view, key=key, items={
                **titles, **links[kind.key]})
        elif kind is APP:
            values, uploads = parts.app_form(view, key=key, plans=links[kind.key])
        else:
            values, uploads = parts.share_form(view, key=key, apps=links[kind.key])
        buttons = st.container(horizontal=True)
        if buttons.button("保存", key=f"{key}-save", type="primary"):
            act(rows.save_row, f"已保存{kind.label}。全部更新完成后，请点击页面下方的“保存并上报”",
                kind=kind.key, form_version=seen[1], values=parts.to_send(view, values),
                row_id=view.id if view else None, uploads=uploads)
        if buttons.button("取消", key=f"{key}-cancel"):
            st.session_state.pop(EDITING, None)
            st.rerun()


def row_actions(kind, view) -> None:
    """修改, 删除, 撤销修改 of one row, and removing a file added in this form."""
    if kind is ITEM and view.status in WAITING:
        st.caption("该一件事正在等待市委改革办核准，核准后再修改。")
        return
    for f in view.files:
        if f.new and ui.confirm_action(
                f"移除新上传的“{ui.literal(f.name)}”", f"移除“{f.name}”？移除后如仍需要，请重新上传。",
                key=f"rmfile-{f.id}"):
            act(rows.remove_file, f"已移除“{f.name}”", kind=kind.key, row_id=view.id,
                attachment_id=f.id, form_version=seen[1])
    line = st.container(horizontal=True, key=f"actions-{kind.key}-{view.id}")
    if view.change != "删除" and line.button("修改", key=f"edit-{kind.key}-{view.id}"):
        st.session_state[EDITING] = (kind.key, view.id)
        st.rerun()
    if view.change in ("修改", "删除") and ui.confirm_action(
            "撤销修改", f"撤销“{view.title}”本次的{view.change}？该行恢复为已审核通过的内容，"
            "本次新上传的附件一并移除。", key=f"undo-{kind.key}-{view.id}", at=line):
        act(rows.undo_row, f"已撤销“{view.title}”的修改", kind=kind.key, row_id=view.id,
            form_version=seen[1])
    if view.change != "删除" and ui.confirm_action(
            "删除", f"删除“{view.title}”？" + ("该行尚未上报，删除后不再保留。" if view.change == "新增"
                                           else "区县审核员通过后，该行从本区县的表中删除。"),
            key=f"delete-{kind.key}-{view.id}", at=line):
        act(rows.remove_row, f"已删除“{view.title}”" if view.change == "新增"
            else f"“{view.title}”已标记删除，保存并上报后经区县审核员通过生效",
            kind=kind.key, row_id=view.id, form_version=seen[1])


opened = st.session_state.pop("digital-open", None)
for kind in rows.ORDER:  # a link from 业务工作台 opens its row
    if (row_id := st.session_state.pop(kind.flow.open_key, None)) is not None:
        opened = (kind.key, row_id)
st.session_state.pop(forms.FORM_FLOW.open_key, None)  # the form is this page itself

st.header(FORM_HEADING, anchor=False)
for kind in rows.ORDER:
    table = views[kind.key]
    st.subheader(f"{kind.table}（{len(table)}）", anchor=False)
    if kind is ITEM:
        parts.overdue(table)
    listed = parts.table_rows(kind, table, reasons[kind.key])
    ui.table(listed, empty=f"暂无{kind.label}" + ("，点击下方“＋”逐条增加" if editable else ""))
    with st.container(horizontal=True, key=f"exports-{kind.key}"):
        ui.excel_button(listed, filename=f"{kind.table}.xlsx", key=f"xlsx-{kind.key}")
        ui.print_list_button(kind.key, [v.id for v in table], total=len(table),
                             key=f"print-list-{kind.key}")
    if table:
        choices = {v.id: f"{v.title}（{v.status}{'，' + v.change if v.change else ''}）"
                   for v in table}
        picked = ui.pick(f"选择{kind.label}查看" + ("或修改" if editable else ""), choices,
                         key=f"pick-{kind.key}",
                         preselect=opened[1] if opened and opened[0] == kind.key else None)
        view = next((v for v in table if v.id == picked), None)
        if view is not None:
            parts.card(kind, view, reasons[kind.key].get(view.id, ""), key=f"card-{kind.key}")
            parts.download_buttons(view.files, key=f"dl-{kind.key}-{view.id}")
            ui.print_button(kind.key, view.id)
            if editable:
                row_actions(kind, view)
                if editing == (kind.key, view.id):
                    row_form(kind, view)
    if editable:
        if editing == (kind.key, None):
            row_form(kind, None)
        elif st.button(parts.ADD_LABEL[kind.key], key=f"add-{kind.key}"):
            st.session_state[EDITING] = (kind.key, None)
            st.rerun()

st.header("填报状态", anchor=False)
if form is None:
    st.info("当前没有进行中的填报。点击各表的“＋”新增，或选择一行修改并保存，即开始新一次填报；"
            "更新完成后点击“保存并上报”。")
else:
    st.markdown(f"**{ui.literal(form.title)}**　状态：**{form.status}**")
    if rejection is not None:
        st.error(f"已被驳回，驳回原因：{ui.literal(rejection.comment)}")
    if editable:
        if lacking:
            st.warning("保存并上报前还需完善：  \n" + "  \n".join(
                f"· {ui.literal(line)}" for why in lacking for line in why.split("；")))
        if st.button("保存并上报", key="digital-submit", type="primary"):
            act(forms.submit, "已上报，等待区县审核员审核", form_id=form.id, version=seen[1])
    else:
        st.info("已上报，等待区县审核员审核；审核期间不能修改。如需修改，请先撤回。")
        if forms.FORM_FLOW.can(Action.WITHDRAW, form, user) and ui.confirm_action(
                "撤回", "撤回本次填报？撤回后成为草稿，修改后须重新保存并上报。",
                key=f"withdraw-{form.id}"):
            act(forms.withdraw, "已撤回为草稿", form_id=form.id, version=seen[1])
    ui.history(forms.FORM_FLOW.module, form.id)

if editable:
    with st.expander("首次全量摸排导入（Excel）"):
        counts = parts.survey_import(form_version=seen[1], key=f"survey-{generation}")
        if counts is not None:
            st.session_state.pop(SEEN, None)  # the import moved the form on
            st.session_state[GENERATION] = generation + 1
            st.session_state["flash"] = "已导入：" + "、".join(f"{table}{n}条"
                                                           for table, n in counts.items())
            st.rerun()
