"""Evidence Maps: where evidence is dense, thin or absent — therapy, target, mechanism and remission × disease."""

import streamlit as st

from components.data import counted_measures, filtered_view, matrix, session_atlas
from components.downloads import table_download
from components.i18n import current_language, t
from components.maps import (
    count_grid,
    follow_to_explorer,
    remission_grid,
    render_cell_studies,
    selected_cell,
    therapy_map,
)
from components.navigation_guard import ensure_navigation_mode

ensure_navigation_mode()  # first deep link on a fresh server: see components/navigation_guard.py

follow_to_explorer()
atlas = session_atlas()
lang = current_language()
filters = st.session_state["filters"]
st.title(t("page_maps"))
view = filtered_view(filters)
if view.empty:
    st.info(t("no_rows"))
    st.stop()
st.caption(t("maps_intro"))
measures = counted_measures(filters)
VALUE_LABELS = {"patients": t("patients"), "studies": t("studies")}  # resolved now: format functions may run outside the script
measure_label = lambda m: atlas.vocabulary.label("outcome_measures", m, lang)  # noqa: E731


def therapy_section() -> None:
    left, right = st.columns([1, 2])
    colour_by = left.radio(t("maps_colour_shows"), ["level", "proportion"], horizontal=True, key="maps_colour",
                           format_func=lambda c: (t("maps_best_evidence_level")) if c == "level" else (t("maps_responder_proportion")))
    measure = right.selectbox(t("outcome_measure"), measures, format_func=measure_label, key="maps_bubble_measure", disabled=colour_by == "level" or not measures)
    figure, cells = therapy_map(atlas, filters, colour_by, measure)
    event = st.plotly_chart(figure, width="stretch", on_select="rerun", selection_mode="points", key="maps_therapy_chart")
    st.caption(t("maps_bubble_area_patients_each_cohort"))
    render_cell_studies(atlas, view, selected_cell(event), "therapy_group", "maps_therapy")
    table_download(cells, "rheumcell-atlas_therapy-disease-map.csv", t("maps_download_table_csv"), "maps_therapy_csv")


def count_section(row: str, category: str) -> None:
    value = st.radio(t("maps_value"), ["patients", "studies"], horizontal=True, key=f"maps_{row}_value", format_func=VALUE_LABELS.get)
    cells = matrix(row, filters)
    if cells.empty:
        st.info(t("no_rows"))
        return
    event = st.plotly_chart(count_grid(atlas, cells, row, category, value, filters), width="stretch", on_select="rerun", selection_mode="points", key=f"maps_{row}_chart")
    if row == "mechanism":
        st.caption(t("maps_a_study_with_several_mechanisms"))
    render_cell_studies(atlas, view, selected_cell(event), row, f"maps_{row}")
    table_download(cells, f"rheumcell-atlas_{row}-disease.csv", t("maps_download_table_csv"), f"maps_{row}_csv")


def remission_section() -> None:
    if not measures:
        st.info(t("maps_no_outcome_with_responder_counts"))
        return
    measure = st.selectbox(t("outcome_measure"), measures, format_func=measure_label, key="maps_remission_measure")
    st.caption(atlas.vocabulary.term("outcome_measures", measure).definition)
    figure, cells = remission_grid(atlas, filters, measure)
    event = st.plotly_chart(figure, width="stretch", on_select="rerun", selection_mode="points", key="maps_remission_chart")
    st.caption(t("maps_one_measure_per_cell_never"))
    render_cell_studies(atlas, view, selected_cell(event), "therapy_group", "maps_remission")
    table_download(cells, f"rheumcell-atlas_remission_{measure}.csv", t("maps_download_table_csv"), "maps_remission_csv")


SECTIONS = {
    (t("maps_therapy_disease")): therapy_section,
    (t("maps_target_disease")): lambda: count_section("target", "targets"),
    (t("maps_mechanism_disease")): lambda: count_section("mechanism", "mechanisms"),
    (t("maps_remission_outcomes")): remission_section,
}
# The tabs track which one is open, so only the open tab builds its figure (halves the rerun time: bench/RESULTS.md).
for tab, draw in zip(st.tabs(list(SECTIONS), key="maps_tab", on_change="rerun"), SECTIONS.values()):
    with tab:
        if tab.open:
            draw()
