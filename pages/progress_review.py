"""试点推进审核: district reviewer → department (录入员/审核员) → 市委改革办 审核员 confirms."""
import pandas as pd
import streamlit as st

import ui
from pages._progress_parts import revision_view
from models import Pilot
from services import db, orgs, progress
from services.review import Action

PAGE = "pages/progress_review.py"
CHANGE_COLORS = {"新增": "#D4EDDA", "删除": "#F8D7DA", "修改": "#FFF3CD"}


def _color(value: str) -> str:
    return f"background-color: {CHANGE_COLORS[value]}" if value in CHANGE_COLORS else ""


user = ui.require_user(page=PAGE)
st.title("试点推进审核")
ui.flash()

with db.session_scope() as s:
    queue = progress.review_queue(s, actor=user)
    org_names = {o.id: o.name for o in orgs.all_orgs(s)}
rows = [{"id": r.id, "区县": org_names[r.org_id], "试点名称": r.title,
         "版本": f"第{r.revision_no}版", "状态": r.status, "推进状态": r.progress_status,
         "提交时间": r.updated_at} for r in queue]
st.caption(f"待我审核：{len(rows)} 条")
ui.table(rows)
ui.excel_button(rows, filename="试点推进待审核.xlsx", key="pr-xlsx")
choices = {r["id"]: f"{r['区县']}｜{r['试点名称']}（{r['版本']}，{r['状态']}）" for r in rows}
preselect = st.session_state.pop("open_revision", None)
picked = st.selectbox("选择待审核记录", list(choices), format_func=choices.get, key="pr-pick",
                      index=list(choices).index(preselect) if preselect in choices else
                      (0 if choices else None))
rev = next((r for r in queue if r.id == picked), None)
if rev is None:
    st.stop()

with db.session_scope() as s:
    achievements = progress.achievements_of(s, rev.id)
    diff = progress.compare(s, actor=user, revision_id=rev.id)
    pilot = s.get(Pilot, rev.pilot_id)

st.text(f"试点：{pilot.name}（{pilot.doc_number}）　区县：{org_names[rev.org_id]}")
left, right = st.columns([3, 2])
with left:
    st.subheader("本次填报")
    revision_view(rev, achievements)
with right:
    base = diff["base_revision_no"]
    st.subheader(f"与现行版本（第{base}版）比较" if base else "首次填报（无现行版本）")
    frame = pd.DataFrame(diff["fields"])
    st.dataframe(frame.drop(columns=["changed"]).style.apply(
        lambda row: ["background-color: #FFF3CD" if frame.loc[row.name, "changed"] else ""
                     for _ in row], axis=1), hide_index=True, width="stretch")
    work = [{"变化": "新增", "已开展工作": i} for i in diff["work_added"]] + \
        [{"变化": "删除", "已开展工作": i} for i in diff["work_removed"]]
    if work:
        st.dataframe(pd.DataFrame(work).style.map(_color, subset=["变化"]), hide_index=True,
                     width="stretch")
    if diff["achievements"]:  # rows matched by identity, so same-named rows stay apart
        st.dataframe(pd.DataFrame([{**r, "序号": str(r["序号"] or "—"),
                                    "修改字段": "、".join(r["修改字段"])}
                                   for r in diff["achievements"]])
                     .style.map(_color, subset=["变化"]), hide_index=True, width="stretch")
    if base and not any(f["changed"] for f in diff["fields"]) and not work \
            and not diff["achievements"]:
        st.caption("与现行版本相比没有变化")

reason = ui.reject_reason(f"pr-reason-{rev.id}")
c1, c2, _ = st.columns([1, 1, 3])
if rev.status == "待市委改革办确认":
    st.caption("市委改革办通过后即为已确认版本，驾驶舱按此统计。")
for col, action, text, kwargs in ((c1, Action.APPROVE, "通过", {}),
                                  (c2, Action.REJECT, "驳回", {"comment": reason})):
    if col.button(text, type="primary" if action is Action.APPROVE else "secondary",
                  width="stretch", key=f"pr-{action}"):
        ui.perform(progress.act, "已驳回，退回区县录入员修改" if action is Action.REJECT else "已通过",
                   revision_id=rev.id, action=action, version=rev.version, **kwargs)
ui.history("progress", rev.id)
