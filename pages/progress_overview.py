"""试点推进总览: every pilot × involved district with the revision in force, filtered and paged."""
import streamlit as st

import ui
from pages._progress_parts import rejection_rates
from services import db, progress, progress_overview
from services.errors import DomainError
from services.exports import XLSX_MIME
from services.progress import PROGRESS_FLOW
from services.progress_overview import STATUS_CHOICES, Filters
from services.review import OWN_UNIT

PAGE = "pages/progress_overview.py"
ALL = "全部"
user = ui.require_user(page=PAGE)
st.title("试点推进总览")
with st.container():  # a stable slot: an action's message whose rerun landed here
    ui.flash()
st.caption("每个已分发试点 × 涉及区县一行：推进状态、成果数取自最近一次经市委改革办审核确认的填报"
           "（驾驶舱按此统计）；“有填报在审”表示区县更新的推进情况正在审核。")

if PROGRESS_FLOW.coverage(user) == OWN_UNIT:  # a district's own 驳回率
    def _rates() -> list[dict]:
        with db.session_scope() as s:
            return progress.rejection_rates(s, actor=user)

    rejection_rates(_rates)

with db.session_scope() as s:
    options = progress_overview.filter_options(s, actor=user)
    if (opened := st.session_state.pop("open_revision", None)) is not None:
        # From a message on 业务工作台: show that pilot's rows.
        if linked := progress.linked(s, actor=user, revision_id=opened):
            st.session_state["po-name"] = linked.title
            st.session_state["po-page"] = 1
c = st.columns(2)
district = c[0].selectbox("区县", [None, *options["districts"]], key="po-district",
                          format_func=lambda i: options["districts"].get(i, ALL))
dept = c[1].selectbox("主管市级部门", [None, *options["departments"]], key="po-dept",
                      format_func=lambda i: options["departments"].get(i, ALL))
c = st.columns(3)
status = c[0].selectbox("推进状态", [ALL, *STATUS_CHOICES], key="po-status")
review = c[1].selectbox("有填报在审", [ALL, "是", "否"], key="po-review")
name = c[2].text_input("试点名称", key="po-name", placeholder="输入试点名称中的关键字")
filters = Filters(district_id=district, dept_id=dept,
                  progress_status=None if status == ALL else status, name=name,
                  under_review=None if review == ALL else review == "是")

page = st.session_state.get("po-page", 1)
try:
    with db.session_scope() as s:
        rows, total = progress_overview.rows(s, actor=user, filters=filters, page=page)
        if not rows and page > 1:  # the filters changed: back to the first page
            page = 1
            rows, total = progress_overview.rows(s, actor=user, filters=filters, page=page)
except DomainError as exc:
    st.error(ui.literal(exc))
    st.stop()

pages = max(1, -(-total // progress_overview.PAGE_SIZE))
st.caption(f"共 {total} 条")
ui.table(rows)
c = st.columns([2, 2, 3])
st.session_state["po-page"] = min(page, pages)  # the page shown (a link may have set it)
c[0].number_input(f"页码（共{pages}页）", min_value=1, max_value=pages, step=1, key="po-page")


def _workbook() -> bytes:  # built only when the button is pressed
    with db.session_scope() as s:
        return progress_overview.export(s, actor=user, filters=filters)


c[1].download_button("导出Excel（全部筛选结果）", data=_workbook, file_name="试点推进总览.xlsx",
                     mime=XLSX_MIME, key="po-xlsx", disabled=not total, on_click="ignore")


def _print_ids() -> list[int]:  # looked up only when the button is pressed
    with db.session_scope() as s:
        return progress_overview.revision_ids(s, actor=user, filters=filters)


with c[2]:
    ui.print_list_button("progress", _print_ids, total=total, key="po-print", counted=False,
                         note="打印每行已审核确认的推进情况（尚未审核确认的行不打印）。")
