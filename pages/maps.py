"""Evidence Maps: where evidence is dense, thin or absent — therapy, target, mechanism and remission × disease."""

import streamlit as st

from components.data import filtered_view, matrix, session_atlas
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
from evidence.outcomes import measures_with_counts

ensure_navigation_mode()  # first deep link on a fresh server: see components/navigation_guard.py

follow_to_explorer()
atlas = session_atlas()
lang = current_language()
zh = lang == "zh"
filters = st.session_state["filters"]
st.title(t("page_maps"))
view = filtered_view(filters)
if view.empty:
    st.info(t("no_rows"))
    st.stop()
st.caption(
    "每个单元格背后的研究可点击查看；空心方块表示没有研究（证据空白）。患者数按每个研究队列计一次。"
    if zh else "Click a cell to list the studies behind it. Open squares are gaps: no study reported. Patients are counted once per study cohort."
)
measures = measures_with_counts(view)
VALUE_LABELS = {"patients": t("patients"), "studies": t("studies")}  # resolved now: format functions may run outside the script
measure_label = lambda m: atlas.vocabulary.label("outcome_measures", m, lang)  # noqa: E731


def therapy_section() -> None:
    left, right = st.columns([1, 2])
    colour_by = left.radio("颜色表示" if zh else "Colour shows", ["level", "proportion"], horizontal=True, key="maps_colour",
                           format_func=lambda c: ("最佳证据等级" if zh else "Best evidence level") if c == "level" else ("应答比例" if zh else "Responder proportion"))
    measure = right.selectbox(t("outcome_measure"), measures, format_func=measure_label, key="maps_bubble_measure", disabled=colour_by == "level" or not measures)
    figure, cells = therapy_map(atlas, filters, colour_by, measure)
    event = st.plotly_chart(figure, width="stretch", on_select="rerun", selection_mode="points", key="maps_therapy_chart")
    st.caption("气泡大小 = 患者数（每队列计一次）。" if zh else "Bubble area = patients (each cohort once). Proportion = pooled responders ÷ evaluated, crude, for the chosen measure only.")
    render_cell_studies(atlas, view, selected_cell(event), "therapy_group", "maps_therapy")
    table_download(cells, "rheumcell-atlas_therapy-disease-map.csv", "下载表格 (CSV)" if zh else "Download table (CSV)", "maps_therapy_csv")


def count_section(row: str, category: str) -> None:
    value = st.radio("数值" if zh else "Value", ["patients", "studies"], horizontal=True, key=f"maps_{row}_value", format_func=VALUE_LABELS.get)
    cells = matrix(row, filters)
    if cells.empty:
        st.info(t("no_rows"))
        return
    event = st.plotly_chart(count_grid(atlas, cells, row, category, value), width="stretch", on_select="rerun", selection_mode="points", key=f"maps_{row}_chart")
    if row == "mechanism":
        st.caption("一项研究若有多个机制，会计入每个机制。" if zh else "A study with several mechanisms counts under each of them.")
    render_cell_studies(atlas, view, selected_cell(event), row, f"maps_{row}")
    table_download(cells, f"rheumcell-atlas_{row}-disease.csv", "下载表格 (CSV)" if zh else "Download table (CSV)", f"maps_{row}_csv")


def remission_section() -> None:
    if not measures:
        st.info("当前筛选中没有带应答计数的结局。" if zh else "No outcome with responder counts in the current filter.")
        return
    measure = st.selectbox(t("outcome_measure"), measures, format_func=measure_label, key="maps_remission_measure")
    st.caption(atlas.vocabulary.term("outcome_measures", measure).definition)
    figure, cells = remission_grid(atlas, filters, measure)
    event = st.plotly_chart(figure, width="stretch", on_select="rerun", selection_mode="points", key="maps_remission_chart")
    st.caption("每个单元格只含一个指标；每个队列取该指标的最晚时间点。" if zh else "One measure per cell, never mixed; each cohort contributes its latest timepoint for the measure.")
    render_cell_studies(atlas, view, selected_cell(event), "therapy_group", "maps_remission")
    table_download(cells, f"rheumcell-atlas_remission_{measure}.csv", "下载表格 (CSV)" if zh else "Download table (CSV)", "maps_remission_csv")


SECTIONS = {
    ("疗法 × 疾病" if zh else "Therapy × disease"): therapy_section,
    ("靶点 × 疾病" if zh else "Target × disease"): lambda: count_section("target", "targets"),
    ("机制 × 疾病" if zh else "Mechanism × disease"): lambda: count_section("mechanism", "mechanisms"),
    ("缓解结局" if zh else "Remission outcomes"): remission_section,
}
# The tabs track which one is open, so only the open tab builds its figure (halves the rerun time: bench/RESULTS.md).
for tab, draw in zip(st.tabs(list(SECTIONS), key="maps_tab", on_change="rerun"), SECTIONS.values()):
    with tab:
        if tab.open:
            draw()
