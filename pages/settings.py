"""系统设置 (系统管理员): offline-delivery contacts for 涉密 material, upload limit, dates."""
import streamlit as st

import ui
from models import Role
from services import db, settings

user = ui.require_user(Role.ADMIN)
st.title("系统设置")
ui.flash()
cap = settings.server_upload_cap_mb()
with db.session_scope() as s:
    current = settings.all_settings(s)
labels = {**settings.LABELS, "upload_max_mb": f"上传文件大小上限（MB，1–{cap}）"}
with st.form("settings"):
    values = {key: st.text_input(labels[key], value=current[key], key=f"set-{key}",
                                 max_chars=settings.VALUE_LIMIT)
              for key in settings.DEFAULTS}
    submitted = st.form_submit_button("保存", type="primary")
if submitted:
    ui.perform(settings.update, "设置已保存", values=values)
st.caption(f"服务器允许的最大上传大小为 {cap} MB（.streamlit/config.toml 的 server.maxUploadSize），"
           f"上传文件大小上限不能超过它。")
if st.get_option("server.maxUploadSize") != cap:
    st.warning(f"服务器当前运行时的上传上限为 {st.get_option('server.maxUploadSize')} MB，"
               f"与配置文件中的 {cap} MB 不一致，请按配置文件重新启动服务。")
st.caption("涉密材料的线下报送对象会显示在试点项目录入等页面的涉密提示中。")
