"""试点推进审核: district reviewer → department (录入员/审核员) → 市委改革办 审核员 confirms."""
import streamlit as st

import ui
from pages._progress_parts import revision_view
from services import db, orgs, pilots, progress
from services.progress import PROGRESS_FLOW
from services.review import Action

PAGE = "pages/progress_review.py"
user = ui.require_user(page=PAGE)
st.title("试点推进审核")
ui.flash()

with db.session_scope() as s:
    queue = progress.review_queue(s, actor=user)
    org_names = {o.id: o.name for o in orgs.all_orgs(s)}
rows = [{"id": r.id, "区县": org_names[r.org_id], "试点名称": r.title,
         "填报": f"第{r.revision_no}次", "状态": r.status, "推进状态": r.progress_status,
         "提交时间": r.updated_at} for r in queue]
st.caption(f"待审核（{len(rows)}）")
if not rows:
    st.info("暂无待审核的试点推进情况：已上报的都已审核完毕。新的上报会出现在业务工作台的待办事项中。")
    st.page_link("pages/workbench.py", label="返回业务工作台")
    st.stop()
ui.table(rows)
ui.excel_button(rows, filename="试点推进待审核.xlsx", key="pr-xlsx")
choices = {r["id"]: f"{r['区县']}｜{r['试点名称']}（{r['填报']}填报，{r['状态']}）"
           for r in rows}
preselect = st.session_state.pop("open_revision", None)
picked = ui.pick("选择待审核记录", choices, key="pr-pick", preselect=preselect, first=True)
rev = next((r for r in queue if r.id == picked), None)
if rev is None:
    st.stop()

with db.session_scope() as s:
    achievements = progress.achievements_of(s, rev.id)
    diff = progress.compare(s, actor=user, revision_id=rev.id)
    pilot = pilots.get(s, actor=user, pilot_id=rev.pilot_id)

ui.record_card([("试点名称", pilot.name), ("文号", pilot.doc_number),
                ("区县", org_names[rev.org_id])])
base = diff["base_revision_no"]
st.subheader(f"本次填报（第{rev.revision_no}次）" if base else "本次填报（首次填报）")
revision_view(rev, achievements)
if base:  # a first 填报 has nothing to compare with: one panel, the full width
    work = [{"变化": "新增", "已开展工作": i} for i in diff["work_added"]] + \
        [{"变化": "删除", "已开展工作": i} for i in diff["work_removed"]]
    # Achievement rows are matched by identity, so same-named rows stay apart.
    achievement_changes = [{**r, "序号": str(r["序号"] or "—"),
                            "修改字段": "、".join(r["修改字段"])} for r in diff["achievements"]]
    ui.comparison({
        "title": f"与已审核确认的推进情况（第{base}次填报）比较",
        "fields": diff["fields"],
        "tables": [("已开展工作", work), ("试点成果", achievement_changes)],
        "unchanged": not any(f["changed"] for f in diff["fields"])
        and not work and not achievement_changes,
    })

ui.review_panel(PROGRESS_FLOW, rev, user,
                success={Action.APPROVE: "已通过", Action.REJECT: "已驳回，退回区县录入员修改"},
                note="市委改革办通过即为审核确认，驾驶舱按此统计。"
                if rev.status == "待市委改革办确认" else "")
