"""改革品牌录入 (区县录入员): new entries and the district's own; 保存 / 保存并上报, 撤回, 作废,
removing a wrongly uploaded file. Every rule is checked again in services.brand."""
import streamlit as st

import ui
from models import Role
from pages._brand_form import brand_form, entry_facts
from services import brand, clock, db, records
from services.brand import BRAND_FLOW, Filters
from services.errors import DomainError
from services.review import ACTION_LABELS, RETURNED, Action, last_rejection

PAGE = "pages/brand_entry.py"
user = ui.require_user(Role.CLERK, page=PAGE)
st.title("改革品牌录入")
with db.session_scope() as s:
    manual = brand.guidance(s, quote=ui.literal)
    contact, start = brand.contact(s), brand.start_date(s)
    categories = brand.categories(s, include_retired=True)
active = [c for c in categories if not c.retired]
category_names = {c.id: c.name for c in categories}
with st.expander("填写说明（操作说明及规范 三、改革品牌显示度）"):
    st.markdown(manual)


def save(entry, data, uploads, submit: bool) -> None:
    """保存 / 保存并上报; after 保存 of a draft, name what 上报 still needs."""
    try:
        with st.spinner("正在保存…"), db.session_scope() as s:
            if entry is None:
                saved = brand.create(s, actor=user, data=data, uploads=uploads, submit=submit)
            else:
                saved = brand.update(s, actor=user, entry_id=entry.id, version=entry.version,
                                     data=data, uploads=uploads, submit=submit)
            missing = [] if submit else brand.shortcomings(s, actor=user, entry_id=saved.id)
    except DomainError as exc:
        st.error(ui.literal(exc))
        return
    st.session_state["flash"] = (f"“{saved.item}”已上报，等待区县审核员审核" if submit
                                 else "已保存为草稿")
    st.session_state["brand_missing"] = missing
    st.session_state["brand_form_gen"] = st.session_state.get("brand_form_gen", 0) + 1
    st.session_state["open_brand"] = saved.id
    st.rerun()


with st.container():  # a stable slot: the tabs below keep their place (and the open tab)
    ui.flash()
    if missing := st.session_state.pop("brand_missing", None):
        st.warning(ui.literal("上报前还需：" + "；".join(missing)))
generation = st.session_state.setdefault("brand_form_gen", 0)  # fresh widgets after a save
preselect = st.session_state.pop("open_brand", None)
new_tab, mine_tab = st.tabs(["新建改革品牌", "本区县改革品牌"],
                            default="本区县改革品牌" if preselect is not None else None)
with new_tab:
    data, uploads = brand_form(f"new{generation}", entry=None, categories=active,
                               contact=contact, start=start, today=clock.today(),
                               unit=user.org_name)
    c1, c2 = st.columns(2)
    if c1.button("保存", key="new-save", width="stretch"):
        save(None, data, uploads, submit=False)
    if c2.button("保存并上报", key="new-submit", type="primary", width="stretch"):
        save(None, data, uploads, submit=True)

with mine_tab:
    status = st.selectbox("状态", [None] + brand.STATUSES, key="mine-status",
                          format_func=lambda v: "全部" if v is None else v)
    with db.session_scope() as s:
        rows = brand.search(s, actor=user, filters=Filters(status=status))
    ui.table(rows, hide=("id", "具体情形", "解决问题", "主要成果"),
             empty="没有符合条件的改革品牌。" if status else
             "本区县还没有录入改革品牌：在“新建改革品牌”中填写后保存或保存并上报。")
    ui.excel_button(rows, filename="本区县改革品牌.xlsx", key="mine-xlsx",
                    headers=brand.EXPORT_HEADERS)
    choices = {r["id"]: f"{r['改革事项']}（{r['状态']}）" for r in rows}
    picked = ui.pick("选择改革品牌查看或修改", choices, key="mine-pick", preselect=preselect)
    if picked is not None:
        with db.session_scope() as s:
            entry = brand.get(s, actor=user, entry_id=picked)
            attached = brand.evidence(s, actor=user, entry_id=entry.id)
            actions = BRAND_FLOW.available_actions(entry, user)
            rejected = last_rejection(s, record_type="brand", record_id=entry.id)
        if entry.status == RETURNED and rejected:
            how = BRAND_FLOW.event_label(rejected.action, rejected.from_status)
            st.error(f"已被{how}：{ui.literal(rejected.comment)}")
        editable = Action.SAVE in actions
        for att in attached:
            left, right = st.columns([4, 1])
            with left:
                ui.attachments([att], key=f"b{entry.id}")
            if editable and ui.confirm_action(
                    "移除", f"移除文件“{att.original_name}”？移除后需重新上传。",
                    key=f"remove-{att.id}", at=right):
                ui.perform(brand.remove_file, f"已移除“{att.original_name}”", entry_id=entry.id,
                           version=entry.version, attachment_id=att.id)
        if editable:
            data, uploads = brand_form(f"edit{entry.id}v{entry.version}g{generation}",
                                       entry=entry, categories=categories, contact=contact,
                                       start=start, today=clock.today(), unit=user.org_name,
                                       attached=attached)
            c = st.columns(3)
            if c[0].button("保存", key=f"save-{entry.id}", width="stretch"):
                save(entry, data, uploads, submit=False)
            if c[1].button("保存并上报", key=f"submit-{entry.id}", type="primary",
                           width="stretch"):
                save(entry, data, uploads, submit=True)
            if Action.CANCEL in actions:
                st.divider()
            if Action.CANCEL in actions and ui.confirm_action(
                    "作废", f"作废“{entry.item}”？作废后不能恢复，也不再进入审核。",
                    key=f"cancel-{entry.id}"):
                ui.perform(records.act, "已作废", flow=BRAND_FLOW, record_id=entry.id,
                           action=Action.CANCEL, version=entry.version)
        else:
            entry_facts(entry, district=user.org_name,
                        category=category_names.get(entry.category_id, ""))
            if Action.WITHDRAW in actions and ui.confirm_action(
                    ACTION_LABELS[Action.WITHDRAW], f"撤回“{entry.item}”？撤回后退出审核，成为草稿，"
                    "修改后须重新上报。", key=f"withdraw-{entry.id}"):
                ui.perform(records.act, "已撤回为草稿", flow=BRAND_FLOW, record_id=entry.id,
                           action=Action.WITHDRAW, version=entry.version)
        ui.history("brand", entry.id)
