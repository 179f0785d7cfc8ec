"""Evidence Explorer: the filtered evidence rows, one study's full record, and downloads of exactly these rows."""

import streamlit as st

from components.data import filtered_view, session_atlas
from components.downloads import download_row
from components.i18n import t
from components.kpis import kpi_row
from components.navigation_guard import ensure_navigation_mode
from components.tables import evidence_grid, opened_study, study_detail
from evidence.summary import summarise

ensure_navigation_mode()  # first deep link on a fresh server: see components/navigation_guard.py

atlas = session_atlas()
filters = st.session_state["filters"]
st.title(t("page_explorer"))

view = filtered_view(filters)
kpi_row(summarise(view))
if view.empty:
    st.info(t("no_rows"))
    st.stop()

st.caption(f"{t('evidence_rows')}: {len(view)}")
selected = evidence_grid(filters, key="explorer_grid")
download_row(atlas, filters, key_prefix="explorer_download")

st.subheader(t("study_detail"))
study_id = opened_study(selected, atlas)
if study_id:
    study_detail(study_id, atlas)
else:
    st.caption(t("pick_study"))
