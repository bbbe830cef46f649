"""业务工作台: to-dos by role, returned items with reasons, notifications, change password."""
import streamlit as st

import ui
from services import accounts, db, notifications, workbench

user = ui.require_user()
st.title("业务工作台")
with st.container():  # a stable slot: an action's message whose rerun landed here
    ui.flash()
st.caption(f"{ui.literal(user.org_name)} · {ui.literal(user.name)}")

with db.session_scope() as session:
    todos = workbench.todos(session, actor=user)
    unread = notifications.unread_count(session, actor=user)
    messages = notifications.recent(session, actor=user, limit=100)

returned = [t for t in todos if t.kind == "退回修改"]
pending = [t for t in todos if t.kind == "待我审核"]
drafts = [t for t in todos if t.kind == "草稿"]
tasks = [t for t in todos if t.kind == "推进任务"]
# One compact line of counts: it stays one line on a phone, unlike five metric cards.
counts = (("red", "退回修改", len(returned)), ("orange", "待审核", len(pending)),
          ("blue", "推进任务", len(tasks)), ("gray", "草稿", len(drafts)),
          ("violet", "未读消息", unread))
st.markdown(" ".join(f":{color}-badge[{label} **{n}**]" for color, label, n in counts))

todo_tab, message_tab, password_tab = st.tabs(["待办事项", f"消息通知（{unread}）", "修改密码"])

with todo_tab:
    if not todos:
        st.success("暂无待办事项。新的上报、退回和推进任务会出现在这里；已办的事项可在各模块的清单中查看。")
    for item in todos[:30]:
        with st.container(border=True):
            left, right = st.columns([6, 1])
            left.markdown(f"**【{item.kind}】{item.module_label}：{ui.literal(item.title)}**  \n"
                          f"{ui.literal(item.org_name)} · {item.status} · "
                          f"{accounts.local_time(item.updated_at)}")
            if item.kind == "退回修改":
                left.error(f"驳回原因：{ui.literal(item.reason) or '（未记录）'}")
            if item.page and right.button("打开", key=f"open-{item.module}-{item.record_id}",
                                          width="stretch"):
                ui.open_record(item.page, item.open_key, item.record_id)
    rows = [{"类别": t.kind, "模块": t.module_label, "名称": t.title, "状态": t.status,
             "单位": t.org_name, "驳回原因": t.reason,
             "更新时间": accounts.local_time(t.updated_at)} for t in todos]
    ui.table(rows, empty=None)  # the line above already says there is nothing to do
    ui.excel_button(rows, filename="业务工作台待办.xlsx", key="todo-xlsx")

with message_tab:
    if unread and st.button("全部标为已读"):
        with db.session_scope() as session:
            notifications.mark_all_read(session, actor=user)
        st.rerun()
    shown = messages[:20]  # each message is several elements: draw the newest, export the rest
    if len(messages) > len(shown):
        st.caption(f"显示最近 {len(shown)} 条，全部 {len(messages)} 条可导出Excel查看")
    for note in shown:
        with st.container(border=True):
            flag = "" if note.is_read else ":red-badge[未读] "
            st.markdown(f"{flag}**{ui.literal(note.title)}**  \n{ui.literal(note.body)}")
            st.caption(accounts.local_time(note.created_at))
            if not note.is_read and st.button("标为已读", key=f"read-{note.id}"):
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
