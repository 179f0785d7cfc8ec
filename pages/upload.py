"""Your Evidence: add your own extraction sheet to this session's view (placeholder replaced by the upload issue)."""

import streamlit as st

from components.i18n import t

st.title(t("page_upload"))
