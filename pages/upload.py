"""Your Evidence: add your own extraction sheet to this session's view (placeholder replaced by the upload issue)."""

import streamlit as st

from components.i18n import t
from components.navigation_guard import ensure_navigation_mode

ensure_navigation_mode()  # first deep link on a fresh server: see components/navigation_guard.py

st.title(t("page_upload"))
