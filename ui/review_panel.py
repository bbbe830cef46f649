"""One review panel for every module: the comparison with the version in force, a button for
each step the engine allows this user now, the reason box when a step needs one, 审核记录."""
from typing import Any, Callable

import pandas as pd
import streamlit as st

from services import db, records
from services.identity import CurrentUser
from services.review import OWNER_ACTIONS, Action, Flow
from ui.widgets import history, perform

CHANGE_COLOURS = {"新增": "#D4EDDA", "删除": "#F8D7DA", "修改": "#FFF3CD"}


def _colour(value: str) -> str:
    return f"background-color: {CHANGE_COLOURS[value]}" if value in CHANGE_COLOURS else ""


def comparison(diff: dict) -> None:
    """What a revision changes against the version in force.

    `diff`: {"title": str, "fields": [{"字段", "现行版本", "本次填报", "changed"}],
    "tables": [(title, rows with a “变化” column of 新增/删除/修改)], "unchanged": bool}.
    User text sits in table cells, never in Markdown.
    """
    st.subheader(diff["title"])
    if diff.get("fields"):
        frame = pd.DataFrame(diff["fields"])
        st.dataframe(frame.drop(columns=["changed"]).style.apply(
            lambda row: [_colour("修改") if frame.loc[row.name, "changed"] else ""
                         for _ in row], axis=1), hide_index=True, width="stretch")
    for title, rows in diff.get("tables", []):
        if rows:
            st.caption(title)
            st.dataframe(pd.DataFrame(rows).style.map(_colour, subset=["变化"]),
                         hide_index=True, width="stretch")
    if diff.get("unchanged"):
        st.caption("与现行版本相比没有变化")


def review_panel(flow: Flow, record: Any, user: CurrentUser, *,
                 handlers: dict[str, Callable[[str], None]] | None = None,
                 success: dict[str, str] | None = None, note: str = "",
                 version: int | None = None,
                 before_action: Callable[[], None] | None = None) -> None:
    """The buttons come from `flow.available_actions` (owner steps such as 保存 are the entry
    page's); a step may be handled by the page (e.g. 确认分发 with corrections) via `handlers`,
    otherwise `services.records.act` takes it. `version` is the one the page's form was opened
    at (default: the record's), so a stale page gets the conflict message. Pages hold no rule:
    what is shown is what the engine allows, and the service checks again."""
    handlers = handlers or {}
    with db.session_scope() as session:
        actions = [a for a in flow.available_actions(record, user, session)
                   if a not in OWNER_ACTIONS]
    key = f"{flow.module}-{record.id}"
    if not actions:
        st.info(f"当前状态为“{record.status}”，您没有可执行的审核操作。")
    else:
        if note:
            st.caption(note)
        steps = [flow.transition(record.status, a) for a in actions]
        comment = ""
        if any(t.needs_reason for t in steps):
            labels = "、".join(t.label or flow.action_label(t.action) for t in steps
                              if t.needs_reason)
            comment = st.text_area(f"{labels}原因", key=f"{key}-reason", height=80,
                                   placeholder="请写明需要修改的内容（不少于5个字）")
        columns = st.columns(len(steps) + 1)
        for column, t in zip(columns, steps):
            label = t.label or flow.action_label(t.action)
            primary = t.action in (Action.APPROVE, Action.DISTRIBUTE)
            if column.button(label, key=f"{key}-{t.action}", width="stretch",
                             type="primary" if primary else "secondary"):
                if before_action is not None:
                    before_action()
                if t.action in handlers:
                    handlers[t.action](comment)
                else:
                    done = (success or {}).get(t.action) or f"已{label}"
                    perform(records.act, done, flow=flow, record_id=record.id,
                            action=t.action, comment=comment,
                            version=record.version if version is None else version)
    history(flow.module, record.id)
