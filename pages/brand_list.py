"""改革品牌清单: the entries this user may read, with filters, Excel export and 审核记录;
驳回率 (a district its own, 市委改革办 every district); 批量下载 for 市委改革办, of the 清单 tab's
selection."""
import streamlit as st

import ui
from pages._brand_form import entry_facts
from services import brand, brand_zip, db
from services.brand import BRAND_FLOW, Filters
from services.errors import DomainError
from services.exports import XLSX_MIME
from services.review import EVERY_UNIT, OWN_UNIT
from ui import downloads

PAGE = "pages/brand_list.py"
user = ui.require_user(page=PAGE)
st.title("改革品牌清单")
with st.container():  # a stable slot: an action's message whose rerun landed here
    ui.flash()
with db.session_scope() as s:
    districts = {o.id: o.name for o in brand.districts(s)}
    categories = {c.id: c.name for c in brand.categories(s, include_retired=True)}

coverage = BRAND_FLOW.coverage(user)  # every district's entries, or the user's own
every = coverage == EVERY_UNIT
tabs = st.tabs(["清单", "驳回率"] + (["批量下载"] if every else []))


def filters(key: str) -> Filters:
    # One row of drop-downs, with 区县 only where the list covers several districts: no gap.
    cells = iter(st.columns(3 if every else 2))
    district = (next(cells).selectbox("区县", [None] + list(districts), key=f"{key}-district",
                                      format_func=lambda i: "全部区县" if i is None
                                      else districts[i])
                if every else None)
    category = next(cells).selectbox("获评类别", [None] + list(categories), key=f"{key}-category",
                                     format_func=lambda i: "全部类别" if i is None
                                     else categories[i])
    status = next(cells).selectbox("状态", [None] + brand.STATUSES, key=f"{key}-status",
                                   format_func=lambda v: "全部状态" if v is None else v)
    c = st.columns(2)
    start = c[0].date_input("获评日期（起）", value=None, key=f"{key}-start", format="YYYY-MM-DD")
    end = c[1].date_input("获评日期（止）", value=None, key=f"{key}-end", format="YYYY-MM-DD")
    return Filters(district_id=district, category_id=category, start=start, end=end,
                   status=status)


def describe(chosen: Filters) -> str:
    """The filters in words, as the 清单 tab shows them."""
    return "筛选条件：" + "；".join([
        "区县：" + (districts.get(chosen.district_id) or "全部区县"),
        "获评类别：" + (categories.get(chosen.category_id) or "全部类别"),
        "获评日期：" + (f"{chosen.start or '不限'} 至 {chosen.end or '不限'}"
                   if chosen.start or chosen.end else "不限"),
        "状态：" + (chosen.status or "全部状态（批量下载只含待市委改革办审核、已通过）")])


def _mb(size: int) -> str:
    return f"{size / 1048576:.1f} MB" if size >= 104858 else f"{max(1, round(size / 1024))} KB"


with tabs[0]:
    chosen = chosen_on_list = filters("list")
    with db.session_scope() as s:
        rows = brand.search(s, actor=user, filters=chosen)
        workbook = brand.export(s, actor=user, filters=chosen)
    st.caption(f"共 {len(rows)} 项")
    ui.table(rows, hide=("id", "具体情形", "解决问题", "主要成果"))
    st.download_button("导出Excel", data=workbook, file_name="改革品牌清单.xlsx", mime=XLSX_MIME,
                       disabled=not rows, key="list-xlsx")
    ui.print_list_button("brand", [r["id"] for r in rows], total=len(rows), key="list-print")
    choices = {r["id"]: f"{r['区县']}｜{r['改革事项']}（{r['状态']}）" for r in rows}
    opened = st.session_state.pop("open_brand", None)  # from a message on 业务工作台
    if opened is not None and opened not in choices:  # outside the chosen filters
        try:
            with db.session_scope() as s:
                found = brand.get(s, actor=user, entry_id=opened)
            choices[found.id] = (f"{districts.get(found.org_id, '')}｜{found.item}"
                                 f"（{found.status}）")
        except DomainError as exc:
            st.error(ui.literal(exc))
    picked = ui.pick("查看详情", choices, key="list-pick", preselect=opened)
    if picked is not None:
        with db.session_scope() as s:
            entry = brand.get(s, actor=user, entry_id=picked)
            attached = brand.evidence(s, actor=user, entry_id=entry.id)
        entry_facts(entry, district=districts.get(entry.org_id, ""),
                    category=categories.get(entry.category_id, ""))
        ui.attachments(attached, key=f"l{entry.id}")
        ui.history("brand", entry.id)

with tabs[1]:
    st.caption("驳回率 = 市委改革办驳回次数 ÷ 报送市委改革办次数（均按次数计算，含重新上报）；"
               "区县审核员的驳回单独列出，不计入驳回率。期间按每次操作的日期（北京时间）计算。")
    c = st.columns(2)
    start = c[0].date_input("起始日期", value=None, key="rate-start", format="YYYY-MM-DD")
    end = c[1].date_input("截止日期", value=None, key="rate-end", format="YYYY-MM-DD")
    try:
        with db.session_scope() as s:
            rates = brand.rejection_rates(s, user, start, end)
    except DomainError as exc:
        st.error(ui.literal(exc))
        rates = []
    if coverage == OWN_UNIT and rates:
        own = rates[0]
        c = st.columns(3)
        c[0].metric("驳回率", own.as_row()["驳回率"])
        c[1].metric("市委改革办驳回次数", own.office_rejections)
        c[2].metric("报送市委改革办次数", own.office_submissions)
        st.caption(f"区县审核员驳回 {own.district_rejections} 次（上报区县审核 "
                   f"{own.district_submissions} 次）")
    elif rates:
        ui.table([r.as_row() for r in rates])
        st.download_button("导出Excel", data=brand.rejection_export(rates), mime=XLSX_MIME,
                           file_name="改革品牌驳回率.xlsx", key="rate-xlsx")

if every:
    with tabs[2]:
        chosen = chosen_on_list
        st.caption("按“清单”页签中选定的筛选条件打包（在“清单”页签修改）：每个区县、每项改革品牌一个"
                   "文件夹，内含其全部材料（原文件名），另附清单.xlsx；涉密事项标注“涉密，线下报送”。"
                   "状态选“全部状态”时，只含已报送市委改革办的事项（待市委改革办审核、已通过）。")
        st.text(describe(chosen))
        built = st.session_state.get("brand_zip")
        if built is not None and built[0] != chosen:  # the filters changed: those parts are void
            built[1].discard()
            built = st.session_state["brand_zip"] = None
        try:
            with db.session_scope() as s:
                parts = brand_zip.plan(s, actor=user, filters=chosen)
        except DomainError as exc:
            st.info(ui.literal(exc))
            parts = []
        if parts:
            st.caption(f"共 {sum(len(p.entry_ids) for p in parts)} 项、"
                       f"{sum(p.files for p in parts)} 个文件，约 {_mb(sum(p.size for p in parts))}"
                       + (f"，按区县分为 {len(parts)} 个压缩包（每个不超过 "
                          f"{_mb(brand_zip.PART_LIMIT)}），请逐个下载" if len(parts) > 1 else ""))
        if parts and st.button("生成批量下载文件", key="zip-build", type="primary"):
            if built is not None:
                built[1].discard()
                st.session_state["brand_zip"] = built = None
            bar = st.progress(0.0, text="正在打包…")
            try:
                with db.session_scope() as s:
                    made = brand_zip.build_all(s, actor=user, filters=chosen, progress=(
                        lambda done, total, part: bar.progress(
                            done / total, text=f"正在打包{part.label} {done}/{total}")))
                bar.progress(1.0, text="完成")
                st.session_state["brand_zip"] = built = (chosen, made)
            except DomainError as exc:
                bar.empty()
                st.error(ui.literal(exc))
        if built is not None:
            results = built[1].results
            st.success(f"已打包 {sum(r.items for r in results)} 项改革品牌、"
                       f"{sum(r.files for r in results)} 个文件" +
                       (f"，共 {len(results)} 个压缩包" if len(results) > 1 else ""))
            st.caption("每个下载链接只能使用一次；下载后文件即从服务器删除，如需再次下载请重新生成。")
            for r in results:
                st.link_button(f"下载{r.part.label}（约 {_mb(r.part.size)}）" if len(results) > 1
                               else f"下载ZIP（约 {_mb(r.part.size)}）",
                               url=downloads.url(built[1].tickets[r.path]))
