"""系统设置 (系统管理员): offline-delivery contacts for 涉密 material, upload limit, dates."""
from datetime import date

import streamlit as st

import ui
from models import Role
from services import clock, db, settings

user = ui.require_user(Role.ADMIN)
st.title("系统设置")
ui.flash()
cap = settings.server_upload_cap_mb()
with db.session_scope() as s:
    current = settings.all_settings(s)
labels = {**settings.LABELS, "upload_max_mb": f"上传文件大小上限（MB，1–{cap}）"}
TEXT_KEYS = [key for key in settings.DEFAULTS if key != "brand_start_date"]
try:
    start = date.fromisoformat(current["brand_start_date"])
except ValueError:
    start = None
with st.form("settings"):
    values = {key: st.text_input(labels[key], value=current[key], key=f"set-{key}")
              for key in TEXT_KEYS}
    # Any real date can be picked; the service answers one that makes no sense (after today).
    picked = st.date_input(labels["brand_start_date"], value=start, key="set-brand_start_date",
                           format="YYYY-MM-DD", min_value=date(1900, 1, 1),
                           max_value=date(2999, 12, 31),
                           help=f"获评日期早于此日的改革品牌不能填报；不能晚于今天（{clock.today():%Y-%m-%d}）")
    submitted = st.form_submit_button("保存", type="primary")
if submitted:
    values["brand_start_date"] = picked.isoformat() if picked else ""
    ui.perform(settings.update, "设置已保存", values=values)
st.caption(f"服务器允许的最大上传大小为 {cap} MB，上传文件大小上限不能超过它。")
if st.get_option("server.maxUploadSize") != cap:
    st.warning(f"服务器当前运行时的上传上限为 {st.get_option('server.maxUploadSize')} MB，"
               f"与服务器配置的 {cap} MB 不一致，请联系运维人员重新启动服务。")
st.caption("涉密材料的线下报送对象会显示在试点项目录入等页面的涉密提示中。")
