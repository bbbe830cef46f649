"""用户管理 (系统管理员): users (create, edit, disable/enable, reset password, unlock, bulk
import), organisations (add and rename departments) and the administration log."""

import streamlit as st

import ui
from models import ROLE_LABELS, Role
from services import accounts, db, orgs, user_import
from services.errors import Conflict, DomainError, RowErrors
from services.exports import XLSX_MIME

user = ui.require_user(Role.ADMIN)


def act(fn, success: str, on_conflict=None, on_success=None, **kwargs) -> None:
    """Run an admin action; on success rerun with `success`, else show why (nothing changed).
    `on_conflict` runs first when the refusal is a conflict with someone else's change,
    `on_success` before the rerun."""
    try:
        with db.session_scope() as session:
            fn(session, actor=user, **kwargs)
    except DomainError as exc:
        if on_conflict is not None and isinstance(exc, Conflict):
            on_conflict()
        st.error(ui.literal(exc))
        return
    if on_success is not None:
        on_success()
    st.session_state["flash"] = success
    st.rerun()


st.title("用户管理")
with st.container():  # a stable slot: the tabs below keep their place (and the open tab)
    ui.flash()

with db.session_scope() as session:
    all_orgs = orgs.all_orgs(session)
org_names = {o.id: o.name for o in all_orgs}
role_label = ROLE_LABELS.get

list_tab, create_tab, import_tab, org_tab, log_tab = st.tabs(
    ["用户列表", "新增用户", "批量导入", "单位管理", "操作记录"])

with list_tab:
    c1, c2 = st.columns([2, 2])
    query = c1.text_input("按手机号或姓名查找")
    org_filter = c2.selectbox("所属单位", [None] + list(org_names),
                              format_func=lambda i: "全部单位" if i is None else org_names[i])
    with db.session_scope() as session:
        rows = accounts.list_users(session, actor=user, query=query, org_id=org_filter)
    ui.table(rows)
    ui.excel_button(rows, filename="用户列表.xlsx", key="users-xlsx")

    st.subheader("账号操作")
    choices = {r["id"]: f"{r['姓名']}（{r['手机号']}，{r['所属单位']}，{r['状态']}）" for r in rows}
    target = ui.pick("选择用户", choices, key="user-target", placeholder="请选择要操作的用户")
    if target is not None:
        state = next(r["状态"] for r in rows if r["id"] == target)
        # Only what applies to this account now: (button, action for act(), message).
        enable = state == "停用"
        actions = [("启用" if enable else "停用",
                    lambda s, actor: accounts.set_disabled(s, actor=actor, user_id=target,
                                                           disabled=not enable),
                    "已启用该账号" if enable else "已停用该账号"),
                   ("重置密码",
                    lambda s, actor: accounts.reset_password(s, actor=actor, user_id=target),
                    "已重置该账号的密码，恢复为初始密码 123456")]
        if state == "锁定":
            actions.append(("解锁", lambda s, actor: accounts.unlock(s, actor=actor,
                                                                   user_id=target),
                            "已解锁该账号"))
        for col, (label, run, done) in zip(st.columns(4), actions):
            key = f"user-{label}-{target}"
            if label == "停用":
                clicked = ui.confirm_action(label, "停用该账号？停用后该用户不能登录，已打开的页面"
                                            "在下一次操作时退出。", key=key, at=col)
            else:
                clicked = col.button(label, key=key, width="stretch")
            if clicked:
                act(run, done)

        with db.session_scope() as session:
            detail = accounts.user_detail(session, actor=user, user_id=target)
        # The user as this form first showed it: a save is checked against it, so an edit made
        # meanwhile by another admin is reported instead of being overwritten.
        seen_key = f"edit-{target}-seen"
        if seen_key not in st.session_state or f"edit-{target}-name" not in st.session_state:
            st.session_state[seen_key] = detail
        with st.form(f"edit-user-{target}"):
            st.markdown("**修改用户信息**（保存后该用户须重新登录）")
            name = st.text_input("姓名", value=detail["name"], key=f"edit-{target}-name")
            org_id = st.selectbox("所属单位", list(org_names), format_func=org_names.get,
                                  index=list(org_names).index(detail["org_id"]),
                                  key=f"edit-{target}-org")
            roles = ui.choose_many("角色", list(Role), format_func=role_label,
                                   default=[Role(r) for r in sorted(detail["roles"])],
                                   key=f"edit-{target}-roles")
            if st.form_submit_button("保存修改", type="primary"):
                # On a conflict what this admin typed stays; the next save is checked against
                # the user as it is now, which the message describes.
                act(accounts.update_user, "已保存用户信息，该用户须重新登录", user_id=target,
                    name=name, org_id=org_id, roles={r.value for r in roles},
                    seen=st.session_state[seen_key],
                    on_conflict=lambda: st.session_state.update({seen_key: detail}),
                    on_success=lambda: st.session_state.pop(seen_key))  # next: as saved

with create_tab:
    # A refused form keeps what was typed; a created user leaves an empty form for the next
    # (a new generation of widget keys), and no unit is preselected for the admin.
    gen = st.session_state.setdefault("create-user-gen", 0)
    with st.form(f"create_user-{gen}", clear_on_submit=False):
        phone = st.text_input("手机号", max_chars=11, key=f"new-user-{gen}-phone")
        name = st.text_input("姓名", key=f"new-user-{gen}-name")
        org_id = st.selectbox("所属单位", list(org_names), format_func=org_names.get, index=None,
                              placeholder="请选择所属单位", key=f"new-user-{gen}-org")
        roles = ui.choose_many("角色", list(Role), format_func=role_label,
                               key=f"new-user-{gen}-roles")
        if st.form_submit_button("创建用户", type="primary"):
            if org_id is None:
                st.error("请选择“所属单位”")
            else:  # the rerun shows the new user in 用户列表 as well
                act(accounts.create_user,
                    f"已创建用户“{name.strip()}”，初始密码 123456，首次登录须修改密码",
                    phone=phone, name=name, org_id=org_id, roles={r.value for r in roles},
                    on_success=lambda: st.session_state.update({"create-user-gen": gen + 1}))

with import_tab:
    st.text("按模板填写：手机号、姓名、所属单位（与系统单位名称一致）、角色（多个角色用“、”分隔）。"
            "任一行有错误则整批不导入，并列出每个错误的行号。导入的用户初始密码为 123456。")
    st.download_button("下载导入模板", data=user_import.template(), file_name="用户导入模板.xlsx",
                       mime=XLSX_MIME)
    upload = ui.upload("上传填好的模板", types=["xlsx"], key="import-file", multiple=False)
    if upload is not None and st.button("开始导入", type="primary"):
        try:
            with st.spinner("正在校验并导入…"), db.session_scope() as session:
                count = user_import.import_users(session, actor=user, data=upload.getvalue())
            st.success(f"导入成功，共创建 {count} 个用户")
        except RowErrors as exc:
            st.error(f"导入未执行：共 {len(exc.rows)} 处错误，请修改后重新上传")
            st.dataframe([{"行号": n, "错误": msg} for n, msg in exc.rows], hide_index=True)
        except DomainError as exc:
            st.error(ui.literal(exc))

with org_tab:
    with db.session_scope() as session:
        org_rows = orgs.org_rows(session, actor=user)
    ui.table(org_rows)
    ui.excel_button(org_rows, filename="单位列表.xlsx", key="orgs-xlsx")
    st.caption("41个区县和市委改革办为固定单位；市级部门可新增和更名。")
    with st.form("create_org", clear_on_submit=True):
        new_org = st.text_input("新增市级部门名称")
        if st.form_submit_button("新增单位"):
            act(orgs.create_department, "已新增市级部门", name=new_org)
    departments = {r["id"]: r["单位名称"] for r in org_rows if r["类型"] == "市级部门"}
    renamed = ui.pick("更名的市级部门", departments, key="org-rename-target",
                      placeholder="请选择市级部门")
    if renamed is not None:
        with st.form(f"rename-org-{renamed}"):
            new_name = st.text_input("新名称", value=departments[renamed],
                                     key=f"rename-{renamed}-name")
            if st.form_submit_button("保存新名称"):
                act(orgs.rename, "单位已更名", org_id=renamed, name=new_name)

with log_tab:
    with db.session_scope() as session:
        log = accounts.admin_log(session, actor=user)
    ui.table(log)
    ui.excel_button(log, filename="用户管理操作记录.xlsx", key="admin-log-xlsx")
