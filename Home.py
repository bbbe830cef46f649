"""Entrypoint: login, then the pages this user's roles may open."""
import streamlit as st

import ui
from ui.incidents import guarded

st.set_page_config(page_title=ui.APP_TITLE, layout="wide")
with guarded():
    ui.bootstrap()
    user = ui.authenticate()
    page = ui.navigation(user)
    ui.sidebar(user)
    page.run()
