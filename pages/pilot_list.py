"""试点项目清单: every pilot the user may read, with filters, Excel export and details."""

import streamlit as st

import ui
from models import OrgKind
from pages._pilot_form import pilot_facts
from pages._progress_parts import revision_view
from services import clock, db, orgs, pilots, printing, progress
from services.errors import DomainError
from services.exports import XLSX_MIME
from services.pilots import PILOT_FLOW
from services.review import EVERY_UNIT, OWN_UNIT

user = ui.require_user()
st.title("试点项目清单")
with st.container():  # a stable slot: an action's message whose rerun landed here
    ui.flash()
with db.session_scope() as s:
    districts = orgs.all_orgs(s, OrgKind.DISTRICT)
    departments = orgs.all_orgs(s, OrgKind.DEPARTMENT)
names = {o.id: o.name for o in districts + departments}
PAGE_SIZE = 50

c = st.columns(4)
district = c[0].selectbox("区县", [None] + [d.id for d in districts], key="f-district",
                          format_func=lambda i: "全部区县" if i is None else names[i])
dept = c[1].selectbox("主管市级部门", [None] + [d.id for d in departments], key="f-dept",
                      format_func=lambda i: "全部部门" if i is None else names[i])
status = c[2].selectbox("状态", [None] + pilots.STATUSES, key="f-status",
                        format_func=lambda v: "全部状态" if v is None else v)
year = c[3].selectbox("年度", [None] + list(range(clock.today().year, 2022, -1)), key="f-year",
                      format_func=lambda v: "全部年度" if v is None else f"{v}年")
filters = dict(district_id=district, dept_id=dept, status=status, year=year)
page_key = f"f-page-{district}-{dept}-{status}-{year}"  # a new filter starts at page 1
page_no = st.session_state.get(page_key, 1)
with db.session_scope() as s:
    rows, total = pilots.search_page(s, actor=user, offset=(page_no - 1) * PAGE_SIZE,
                                     limit=PAGE_SIZE, **filters)
pages_count = max(1, -(-total // PAGE_SIZE))
st.caption(f"共 {total} 个试点，第 {min(page_no, pages_count)}/{pages_count} 页")
ui.table(rows)
if pages_count > 1:
    st.number_input("页码", min_value=1, max_value=pages_count, step=1, key=page_key)


def workbook() -> bytes:
    """The whole filtered list, built when 导出Excel is clicked."""
    with db.session_scope() as s:
        return pilots.export(s, actor=user, **filters)


st.download_button("导出Excel", data=workbook, file_name="试点项目清单.xlsx", mime=XLSX_MIME,
                   disabled=not total)


def print_ids() -> list[int]:
    """The filtered pilots, as far as one document prints them (when 打印所选记录 is clicked)."""
    with db.session_scope() as s:
        return [r["id"] for r in pilots.search(s, actor=user, limit=printing.MAX_RECORDS,
                                                 **filters)]


ui.print_list_button("pilot", print_ids, total=total, key="list-print")

coverage = PILOT_FLOW.coverage(user)
if coverage in (OWN_UNIT, EVERY_UNIT):
    # 驳回率: rejections ÷ submissions reaching each stage, counted in times (SPEC §2).
    with db.session_scope() as s:
        rates = pilots.rejection_summary(s, actor=user, year=year)
    own = "本区县" if coverage == OWN_UNIT else "各区县"
    with st.expander(f"{own}驳回率（{'全部年度' if year is None else f'{year}年'}）",
                     expanded=coverage == OWN_UNIT):
        st.caption("驳回率 = 驳回次数 ÷ 提交至该环节次数（均按次数计，含重新上报）")
        ui.table(rates)
        ui.excel_button(rates, filename=f"{own}驳回率.xlsx", key="rates-xlsx")

choices = {r["id"]: f"{r['试点名称']}（{r['文号']}，{r['状态']}）" for r in rows}
opened = st.session_state.pop("open_pilot", None)  # from a message on 业务工作台
if opened is not None and opened not in choices:  # on another page of the list
    try:
        with db.session_scope() as s:
            p = pilots.get(s, actor=user, pilot_id=opened)
        choices[p.id] = f"{p.name}（{p.doc_number}，{p.status}）"
    except DomainError as exc:
        st.error(ui.literal(exc))
picked = ui.pick("查看试点详情", choices, key="list-pick", preselect=opened)
if picked is None:
    st.stop()
with db.session_scope() as s:
    p = pilots.get(s, actor=user, pilot_id=picked)
    involved = sorted(pilots.district_ids(s, p.id))
    evidence = pilots.evidence(s, actor=user, pilot_id=p.id)
    in_force = progress.in_force_for_pilot(s, actor=user, pilot_id=p.id)
pilot_facts(p, dept_name=names[p.dept_id], creator=names[p.org_id],
            involved=[names[i] for i in involved])
ui.attachments(evidence, key=f"l{p.id}")
for org_id, rev, achievements in in_force:
    with st.expander(f"{names[org_id]}：{rev.progress_status}（第{rev.revision_no}版，已确认）"):
        revision_view(rev, achievements)
        ui.print_button("progress", rev.id)
ui.history("pilot", p.id)
