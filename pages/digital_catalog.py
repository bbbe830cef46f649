"""数字重庆建设 page (being built)."""
import streamlit as st

import ui

user = ui.require_user()
st.info("本页面建设中")
