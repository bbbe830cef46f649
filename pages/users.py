"""用户管理 (系统管理员): create, disable/enable, reset password, unlock, bulk import."""
import streamlit as st

import ui
from models import ROLE_LABELS, Role
from services import accounts, db, orgs, user_import
from services.errors import DomainError, RowErrors
from services.exports import XLSX_MIME

user = ui.require_user(Role.ADMIN)
st.title("用户管理")

with db.session_scope() as session:
    all_orgs = orgs.all_orgs(session)
org_names = {o.id: o.name for o in all_orgs}

list_tab, create_tab, import_tab = st.tabs(["用户列表", "新增用户", "批量导入"])

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
    target = st.selectbox("选择用户", list(choices), format_func=choices.get,
                          index=None, placeholder="请选择要操作的用户")
    if target is not None:
        b1, b2, b3, b4 = st.columns(4)
        actions = {
            "停用": lambda s: accounts.set_disabled(s, actor=user, user_id=target, disabled=True),
            "启用": lambda s: accounts.set_disabled(s, actor=user, user_id=target, disabled=False),
            "重置密码": lambda s: accounts.reset_password(s, actor=user, user_id=target),
            "解锁": lambda s: accounts.unlock(s, actor=user, user_id=target),
        }
        for col, (label, run) in zip((b1, b2, b3, b4), actions.items()):
            if col.button(label, key=f"user-{label}", width="stretch"):
                try:
                    with db.session_scope() as session:
                        run(session)
                    st.success(f"已{label}：{choices[target]}"
                               + ("，密码已恢复为初始密码 123456" if label == "重置密码" else ""))
                except DomainError as exc:
                    st.error(str(exc))

with create_tab:
    with st.form("create_user", clear_on_submit=False):
        phone = st.text_input("手机号", max_chars=11)
        name = st.text_input("姓名")
        org_id = st.selectbox("所属单位", list(org_names), format_func=org_names.get)
        roles = st.multiselect("角色", list(Role), format_func=lambda r: ROLE_LABELS[r])
        if st.form_submit_button("创建用户", type="primary"):
            try:
                with db.session_scope() as session:
                    accounts.create_user(session, actor=user, phone=phone, name=name,
                                         org_id=org_id, roles={r.value for r in roles})
                st.success(f"已创建用户 {name}（{phone}），初始密码 123456，首次登录须修改密码")
            except DomainError as exc:
                st.error(str(exc))

with import_tab:
    st.markdown("按模板填写：手机号、姓名、所属单位（与系统单位名称一致）、角色（多个角色用“、”分隔）。"
                "**任一行有错误则整批不导入**，并列出每个错误的行号。")
    st.download_button("下载导入模板", data=user_import.template(), file_name="用户导入模板.xlsx",
                       mime=XLSX_MIME)
    upload = st.file_uploader("上传填好的模板", type=["xlsx"])
    if upload is not None and st.button("开始导入", type="primary"):
        try:
            with st.spinner("正在校验并导入…"), db.session_scope() as session:
                count = user_import.import_users(session, actor=user, data=upload.getvalue())
            st.success(f"导入成功，共创建 {count} 个用户")
        except RowErrors as exc:
            st.error(f"导入未执行：共 {len(exc.rows)} 处错误，请修改后重新上传")
            st.dataframe([{"行号": n, "错误": msg} for n, msg in exc.rows], hide_index=True)
        except DomainError as exc:
            st.error(str(exc))
