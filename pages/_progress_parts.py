"""Widgets shared by the progress pages: the itemised work list, achievement rows, read view."""
import streamlit as st

from models import ProgressRevision
from services import progress
from services.guidance import HELP
from services.progress import AchievementInput


def _restructure(key: str) -> None:
    """Rows moved or removed: draw fresh widgets from the list on the next run."""
    st.session_state[f"{key}-gen"] = st.session_state.get(f"{key}-gen", 0) + 1
    st.rerun()


def work_list(key: str, initial: list[str]) -> list[str]:
    """已开展工作: add, remove and reorder items; shown numbered."""
    if key not in st.session_state:
        st.session_state[key] = list(initial) or [""]
    items: list[str] = st.session_state[key]
    gen = st.session_state.setdefault(f"{key}-gen", 0)  # new widget keys after a reorder
    st.markdown("**已开展工作**", help=HELP["已开展工作"])
    for i, text in enumerate(items):
        c = st.columns([0.6, 8, 0.7, 0.7, 0.7])
        c[0].markdown(f"{i + 1}.")
        items[i] = c[1].text_input(f"第{i + 1}项", value=text, key=f"{key}-t{i}-{gen}",
                                   label_visibility="collapsed")
        if c[2].button("↑", key=f"{key}-up{i}", disabled=i == 0, help="上移"):
            items[i - 1], items[i] = items[i], items[i - 1]
            _restructure(key)
        if c[3].button("↓", key=f"{key}-down{i}", disabled=i == len(items) - 1, help="下移"):
            items[i + 1], items[i] = items[i], items[i + 1]
            _restructure(key)
        if c[4].button("✕", key=f"{key}-del{i}", help="删除此项"):
            items.pop(i)
            _restructure(key)
    if st.button("＋ 增加一项工作", key=f"{key}-add"):
        items.append("")
        st.rerun()
    return [t for t in items if t.strip()]


def achievement_rows(key: str, initial: list[AchievementInput]) -> list[AchievementInput]:
    """试点成果: one row per achievement, added with “+”."""
    if key not in st.session_state:
        st.session_state[key] = [AchievementInput(a.name, a.measures, a.effects) for a in initial]
    rows: list[AchievementInput] = st.session_state[key]
    gen = st.session_state.setdefault(f"{key}-gen", 0)
    st.markdown("**试点成果**（每项成果单独一行，按“＋”逐项录入；驾驶舱按条数统计成果数）")
    for i, row in enumerate(rows):
        with st.container(border=True):
            c1, c2 = st.columns([8, 1])
            row.name = c1.text_input(f"成果名称（第{i + 1}项）", value=row.name,
                                     key=f"{key}-n{i}-{gen}", help=HELP["成果名称"])
            if c2.button("✕", key=f"{key}-del{i}", help="删除此项成果"):
                rows.pop(i)
                st.rerun()
            if warning := progress.achievement_warning(row.name):
                st.warning(warning)
            row.measures = st.text_area("具体举措及解决问题", value=row.measures, height=80,
                                        key=f"{key}-m{i}-{gen}",
                                        help=HELP["具体举措及解决问题"])
            row.effects = st.text_area("具体成效", value=row.effects, height=68,
                                       key=f"{key}-e{i}-{gen}", help=HELP["具体成效"])
    if st.button("＋ 增加一项成果", key=f"{key}-add"):
        rows.append(AchievementInput())
        st.rerun()
    return rows


def revision_view(rev: ProgressRevision, achievements) -> None:
    """A read-only revision: status, numbered work, problems, achievements."""
    st.markdown(f"**推进状态**：{rev.progress_status}"
                + (f"　**验收时间**：{rev.acceptance_date}" if rev.acceptance_date else ""))
    st.markdown("**已开展工作**  \n" + (progress.numbered(progress.work_items(rev))
                                       .replace("\n", "  \n") or "（未填写）"))
    st.markdown(f"**存在问题**  \n{rev.problems or '（未填写）'}")
    rows = [{"序号": i, "成果名称": a.name, "具体举措及解决问题": a.measures, "具体成效": a.effects}
            for i, a in enumerate(achievements, start=1)]
    st.markdown(f"**试点成果（{len(rows)}项）**")
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
