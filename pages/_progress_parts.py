"""Widgets shared by the progress pages: the itemised work list, achievement rows, read view.

Every row carries a uid kept in session_state; its widgets are keyed by that uid, so removing
or moving a row never hands one row's typed text to another.
"""
import streamlit as st

import ui
from models import ProgressRevision
from services import progress
from services.guidance import HELP
from services.progress import AchievementInput
from ui.widgets import REQUIRED_MARK


def _uid(key: str) -> int:
    """A row id unique within this form, never reused."""
    n = st.session_state.get(f"{key}-next", 0)
    st.session_state[f"{key}-next"] = n + 1
    return n


def _limited(label: str, name: str) -> str:
    return f"{HELP[label]}（不超过{progress.ACHIEVEMENT_LIMITS[name]}字）"


def work_list(key: str, initial: list[str]) -> list[str]:
    """已开展工作: add, remove and reorder items; shown numbered."""
    if key not in st.session_state:
        st.session_state[key] = [{"uid": _uid(key), "text": t} for t in (initial or [""])]
    items: list[dict] = st.session_state[key]
    st.markdown(f"**已开展工作** :red[{REQUIRED_MARK}]", help=HELP["已开展工作"])
    st.caption(f"每项不超过{progress.WORK_ITEM_LIMIT}字，最多{progress.WORK_ITEMS_MAX}项")
    for i, item in enumerate(list(items)):
        uid = item["uid"]
        # One line on a desktop; on a phone the text takes the full width and the buttons
        # go under it as one row (ui/style.py, “wrap-row-”).
        line = st.container(horizontal=True, vertical_alignment="bottom",
                            key=f"wrap-row-{key}-{uid}")
        item["text"] = line.text_input(f"第{i + 1}项", value=item["text"], key=f"{key}-t-{uid}")
        if line.button("上移", key=f"{key}-up-{uid}", disabled=i == 0, help="上移此项"):
            items[i - 1], items[i] = items[i], items[i - 1]
            st.rerun()
        if line.button("下移", key=f"{key}-down-{uid}", disabled=i == len(items) - 1,
                       help="下移此项"):
            items[i + 1], items[i] = items[i], items[i + 1]
            st.rerun()
        if line.button("删除", key=f"{key}-del-{uid}", help="删除此项"):
            items.remove(item)
            st.rerun()
    if st.button("＋ 增加一项工作", key=f"{key}-add"):
        items.append({"uid": _uid(key), "text": ""})
        st.rerun()
    return [i["text"] for i in items if i["text"].strip()]


def achievement_rows(key: str, initial: list[AchievementInput]) -> list[AchievementInput]:
    """试点成果: one row per achievement, added with “+”; stored rows keep their identity."""
    if key not in st.session_state:
        st.session_state[key] = [{"uid": f"a{a.row_id}" if a.row_id else f"n{_uid(key)}",
                                  "row": AchievementInput(a.name, a.measures, a.effects, a.row_id)}
                                 for a in initial]
    rows: list[dict] = st.session_state[key]
    ui.required_note(*(f"{key}-{part}-{entry['uid']}" for entry in rows for part in "nm"),
                     note=False)
    st.markdown("**试点成果**（每项成果单独一行，按“＋”逐项录入；驾驶舱按条数统计成果数）")
    for i, entry in enumerate(list(rows)):
        uid, row = entry["uid"], entry["row"]
        with st.container(border=True):
            line = st.container(horizontal=True, vertical_alignment="bottom",
                                key=f"{key}-l-{uid}")
            row.name = line.text_input(f"成果名称（第{i + 1}项）", value=row.name,
                                       key=f"{key}-n-{uid}", help=_limited("成果名称", "name"))
            if line.button("删除", key=f"{key}-del-{uid}", help="删除此项成果"):
                rows.remove(entry)
                st.rerun()
            if warning := progress.achievement_warning(row.name):
                st.warning(warning)
            row.measures = st.text_area("具体举措及解决问题", value=row.measures, height=80,
                                        key=f"{key}-m-{uid}",
                                        help=_limited("具体举措及解决问题", "measures"))
            row.effects = st.text_area("具体成效", value=row.effects, height=68,
                                       key=f"{key}-e-{uid}", help=_limited("具体成效", "effects"))
    if st.button("＋ 增加一项成果", key=f"{key}-add"):
        rows.append({"uid": f"n{_uid(key)}", "row": AchievementInput()})
        st.rerun()
    return [entry["row"] for entry in rows]


def revision_view(rev: ProgressRevision, achievements) -> None:
    """A read-only 填报: every field a reviewer judges, in full, as labelled cards (text shown
    exactly as typed, wrapped at any width)."""
    fields = [("推进状态", rev.progress_status)]
    if rev.acceptance_date:
        fields.append(("验收时间", rev.acceptance_date))
    fields += [("已开展工作", progress.numbered(progress.work_items(rev)) or "（未填写）"),
               ("存在问题", rev.problems or "（未填写）")]
    ui.record_card(fields)
    st.markdown(f"**试点成果（{len(achievements)}项）**")
    for i, a in enumerate(achievements, start=1):
        ui.record_card([("成果名称", a.name), ("具体举措及解决问题", a.measures),
                        ("具体成效", a.effects)], title=f"成果{i}")


def rejection_rates(load) -> None:
    """本区县试点推进驳回率 per review stage; `load` runs only when the expander is opened."""
    box = st.expander("本区县试点推进驳回率（按审核环节）", key="progress-rates", on_change="rerun")
    if box.open:
        with box:
            st.caption("驳回率 = 该环节驳回次数 ÷ 上报到该环节的次数（含重新上报）")
            st.dataframe(load(), hide_index=True, width="stretch")
