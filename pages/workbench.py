"""业务工作台: to-dos by role, returned items with reasons, notifications, change password."""
import streamlit as st

import ui
from models import Role
from services import accounts, db, notifications, workbench
from services.digital.deadlines import TODO_KIND as DEADLINE

user = ui.require_user()
st.title("业务工作台")
with st.container():  # a stable slot: an action's message whose rerun landed here
    ui.flash()
st.caption(f"{ui.literal(user.org_name)} · {ui.literal(user.name)}")

with db.session_scope() as session:
    todos = workbench.todos(session, actor=user)
    submitted = workbench.submitted(session, actor=user)
    unread = notifications.unread_count(session, actor=user)
    messages = notifications.recent(session, actor=user, limit=100)
    shown = messages[:20]  # each message is several elements: draw the newest, export the rest
    links = {n.id: workbench.message_link(session, actor=user, record_type=n.record_type,
                                          record_id=n.record_id) for n in shown}

returned = [t for t in todos if t.kind == "退回修改"]
pending = [t for t in todos if t.kind == "待我审核"]
drafts = [t for t in todos if t.kind == "草稿"]
tasks = [t for t in todos if t.kind == "推进任务"]
due = [t for t in todos if t.kind == DEADLINE]  # 一件事: days left / overdue
# Leaders and administrators enter and review nothing: their workbench is their messages.
works = user.has(Role.CLERK, Role.REVIEWER)
# One compact line of counts: it stays one line on a phone, unlike five metric cards.
counts = ((("red", "退回修改", len(returned)), ("orange", "待审核", len(pending)),
           ("blue", "推进任务", len(tasks)), ("gray", "草稿", len(drafts)))
          + ((("red" if any("已逾期" in t.reason for t in due) else "orange", DEADLINE, len(due)),)
             if due else ()) if works else ()) + \
    (("violet", "未读消息", unread),)
st.markdown(" ".join(f":{color}-badge[{label} **{n}**]" for color, label, n in counts))


def card(item, text: str, *, key: str, reason: str | None = None) -> None:
    """One record on the workbench: what and where it is, and 打开 to go to it."""
    with st.container(border=True):
        left, right = st.columns([6, 1])
        left.markdown(text)
        if item.kind == DEADLINE:
            shown = left.error if "已逾期" in item.reason else left.warning
            shown(ui.literal(item.reason))
        elif reason is not None:
            left.error(f"驳回原因：{ui.literal(reason) or '（未记录）'}")
        if item.page and right.button("打开", key=f"{key}-{item.module}-{item.record_id}",
                                      width="stretch"):
            ui.open_record(item.page, item.open_key, item.record_id)


tabs = st.tabs(["待办事项"] + ([f"已上报、审核中（{len(submitted)}）"] if works else [])
               + [f"消息通知（{unread}）", "修改密码"])
todo_tab, message_tab, password_tab = tabs[0], tabs[-2], tabs[-1]
submitted_tab = tabs[1] if works else None

with todo_tab:
    if not todos:
        st.success("暂无待办事项。新的上报、退回和推进任务会出现在这里；已办的事项可在各模块的清单中查看。")
    for item in todos[:30]:
        card(item, f"**【{item.kind}】{item.module_label}：{ui.literal(item.title)}**  \n"
                   f"{ui.literal(item.org_name)} · {item.status} · "
                   f"{accounts.local_time(item.updated_at)}", key="open",
             reason=item.reason if item.kind == "退回修改" else None)
    rows = [{"类别": t.kind, "模块": t.module_label, "名称": t.title, "状态": t.status,
             "单位": t.org_name, "驳回原因或期限": t.reason,
             "更新时间": accounts.local_time(t.updated_at)} for t in todos]
    ui.table(rows, empty=None)  # the line above already says there is nothing to do
    ui.excel_button(rows, filename="业务工作台待办.xlsx", key="todo-xlsx")

if submitted_tab is not None:  # leaders and administrators report nothing
    with submitted_tab:
        if not submitted:
            st.info("暂无审核中的记录：上报后在此查看审核进度")
        for item in submitted[:30]:
            card(item, f"**{item.module_label}：{ui.literal(item.title)}**  \n"
                       f"{item.status} · 等待{ui.literal(item.waiting_for)}处理 · "
                       f"上报或更新于 {accounts.local_time(item.updated_at)}", key="sub")
        rows = [{"模块": t.module_label, "名称": t.title, "状态": t.status, "等待处理": t.waiting_for,
                 "更新时间": accounts.local_time(t.updated_at)} for t in submitted]
        if rows:
            ui.excel_button(rows, filename="已上报审核中.xlsx", key="submitted-xlsx")

with message_tab:
    if unread and st.button("全部标为已读"):
        with db.session_scope() as session:
            notifications.mark_all_read(session, actor=user)
        st.rerun()
    if len(messages) > len(shown):
        st.caption(f"显示最近 {len(shown)} 条，全部 {len(messages)} 条可导出Excel查看")
    for note in shown:
        with st.container(border=True):
            flag = "" if note.is_read else ":red-badge[未读] "
            st.markdown(f"{flag}**{ui.literal(note.title)}**  \n{ui.literal(note.body)}")
            st.caption(accounts.local_time(note.created_at))
            row = st.container(horizontal=True)  # one row of buttons, on a phone too
            if (link := links.get(note.id)) and row.button("打开", key=f"open-note-{note.id}"):
                if not note.is_read:
                    with db.session_scope() as session:
                        notifications.mark_read(session, actor=user, notification_id=note.id)
                ui.open_record(link[0], link[1], note.record_id)
            if not note.is_read and row.button("标为已读", key=f"read-{note.id}"):
                with db.session_scope() as session:
                    notifications.mark_read(session, actor=user, notification_id=note.id)
                st.rerun()
    if not messages:
        st.info("暂无消息")
    ui.excel_button([{"标题": n.title, "内容": n.body, "已读": "是" if n.is_read else "否",
                      "时间": accounts.local_time(n.created_at)} for n in messages],
                    filename="消息通知.xlsx", key="messages-xlsx")

with password_tab:
    ui.change_password_form(user)
