"""The server `manage.py run` starts: the app (Home.py and its pages) and one extra route that
streams 批量下载 archives from disk, so a large download never sits in the server's memory."""
import streamlit as st

from ui.downloads import ROUTES

app = st.App("Home.py", routes=ROUTES)
