"""One review panel for every module: what a 填报 changes against the one already confirmed, a
button for each step the engine allows this user now, the reason box when a step needs one,
审核记录."""
from typing import Any, Callable

import streamlit as st

from services import db, records
from services.identity import CurrentUser
from services.review import OWNER_ACTIONS, Action, Flow
from ui.widgets import history, perform, record_card


def comparison(diff: dict) -> None:
    """What a 填报 changes against the confirmed one, as labelled cards with every value in
    full (nothing cut at a column's edge, the same on a phone).

    `diff`: {"title": str, "fields": [{"字段", "已确认", "本次填报", "changed"}],
    "tables": [(title, rows with a “变化” column of 新增/删除/修改)], "unchanged": bool}.
    User text is shown literally.
    """
    st.subheader(diff["title"])
    for field in diff.get("fields", []):
        if field["changed"]:
            record_card([("已确认", field["已确认"]), ("本次填报", field["本次填报"])],
                        title=f"{field['字段']}（修改）")
    for title, rows in diff.get("tables", []):
        if rows:
            st.markdown(f"**{title}**")
            for row in rows:
                record_card([(k, v) for k, v in row.items() if k != "变化"],
                            title=f"{row['变化']}")
    if diff.get("unchanged"):
        st.caption("与已审核确认的推进情况相比没有变化")


def review_panel(flow: Flow, record: Any, user: CurrentUser, *,
                 handlers: dict[str, Callable[[str], None]] | None = None,
                 success: dict[str, str] | None = None, note: str = "",
                 version: int | None = None,
                 before_action: Callable[[], None] | None = None) -> None:
    """The buttons come from `flow.available_actions` (owner steps such as 保存 are the entry
    page's); a step may be handled by the page (e.g. 确认并分发 with corrections) via `handlers`,
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
