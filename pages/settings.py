"""系统设置 (系统管理员): offline-delivery contacts for 涉密 material, upload limit, dates."""
import streamlit as st

import ui
from models import Role
from services import db, settings

user = ui.require_user(Role.ADMIN)
st.title("系统设置")
ui.flash()
with db.session_scope() as s:
    current = settings.all_settings(s)
with st.form("settings"):
    values = {key: st.text_input(settings.LABELS[key], value=current[key], key=f"set-{key}")
              for key in settings.DEFAULTS}
    submitted = st.form_submit_button("保存", type="primary")
if submitted:
    ui.perform(settings.update, "设置已保存", values=values)
st.caption("涉密材料的线下报送对象会显示在试点项目录入等页面的涉密提示中。")
