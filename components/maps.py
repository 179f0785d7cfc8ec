"""Evidence-map building blocks: matrix tables -> labelled figure cells -> clickable figures, and the studies behind a cell."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.caching import cache_resource
from components.charts import bubble_map_figure, grid_figure
from components.data import atlas_key, matrix, session_atlas
from components.filters import write_filters_to_state
from components.i18n import LANG_KEY, current_language, t
from evidence import Atlas
from evidence.display import display_rows, grade_marks
from evidence.filters import Filters
from evidence.matrices import (
    axis_order,
    therapy_group_label,
    therapy_group_order,
)
from evidence.labels import column_label
from evidence.outcomes import rows_for_cell

LEGEND_KEYS = ("gap", "no_measure", "proportion", "level_1", "level_2", "level_3", "level_4", "level_5")


def legend_text() -> dict[str, str]:
    """The map legends' words in the reader's language (resolved now: figures are cached per language)."""
    return {name: t(f"maps_legend_{name}") for name in LEGEND_KEYS}


def _hover(lang: str, row, row_label: str, col_label: str, lines: list[str]) -> str:
    return "<br>".join([f"<b>{row_label}</b> × <b>{col_label}</b>", *lines, *_grade_lines(row)])


def _grade_lines(row) -> list[str]:
    """A hover line naming the weaker grades behind a cell's numbers, e.g. 'Includes numbers read only in: ⓢ Secondary report'."""
    grades = [g for g in str(getattr(row, "weaker_grades", "") or "").split("; ") if g]
    if not grades:
        return []
    atlas, lang = session_atlas(), current_language()
    marks = grade_marks(atlas.vocabulary)
    names = ", ".join(f"{marks.get(g, '')} {atlas.vocabulary.label('grades', g, lang)}".strip() for g in grades)
    return [t("cell_weaker_grades", grades=names)]


def _cell_mark(weaker: str, marks: dict[str, str]) -> str:
    return "".join(marks.get(g, "") for g in str(weaker or "").split("; ") if g)


def _disease_labels(atlas: Atlas, codes, lang: str) -> dict[str, str]:
    return {code: atlas.vocabulary.short_label("diseases", code, lang) for code in codes}


# The figures below are built once per (data, filters, choices, language) and shared (cache_resource): st.plotly_chart
# only reads them, and building a figure with its hover texts was most of a Maps rerun (bench/RESULTS.md).


def therapy_map(atlas: Atlas, filters: Filters, colour_by: str, measure: str | None) -> tuple[go.Figure, pd.DataFrame]:
    """Bubble map of therapy group × disease and its underlying table (for download and the click)."""
    return _therapy_map(atlas_key(), filters, colour_by, measure, current_language(), atlas)


@cache_resource(max_entries=128)
def _therapy_map(key: tuple, filters: Filters, colour_by: str, measure: str | None, lang: str, _atlas: Atlas) -> tuple[go.Figure, pd.DataFrame]:
    atlas = _atlas
    cells = matrix("therapy", filters)
    if colour_by == "proportion" and measure:
        proportions = matrix("remission", filters, measure)[["therapy_group", "disease", "responders", "evaluated", "proportion"]]
        cells = cells.merge(proportions, on=["therapy_group", "disease"], how="left")
    else:
        cells = cells.assign(responders=pd.NA, evaluated=pd.NA, proportion=float("nan"))
    groups = therapy_group_order(cells["therapy_group"], atlas.vocabulary)
    diseases = axis_order(cells["disease"], atlas.vocabulary.ids("diseases"))
    group_label = {g: therapy_group_label(g, atlas.vocabulary, lang) for g in groups}
    disease_label = _disease_labels(atlas, diseases, lang)
    measures_label = lambda text: "; ".join(atlas.vocabulary.label("outcome_measures", m, lang) for m in str(text).split("; ") if m)  # noqa: E731
    design_label = lambda text: "; ".join(atlas.vocabulary.label("designs", d, lang) for d in str(text).split("; ") if d)  # noqa: E731
    figure_cells = cells.assign(
        x=cells["disease"].map(disease_label), y=cells["therapy_group"].map(group_label),
        x_code=cells["disease"], y_code=cells["therapy_group"],
    )
    figure_cells["hover"] = [
        _hover(lang, r, r.y, r.x, [
            f"{t('maps_studies')}: {r.studies} · {t('maps_patients')}: {r.patients}",
            f"{t('maps_best_evidence_level')}: {r.best_level}",
            f"{t('designs')}: {design_label(r.designs)}",
            f"{t('maps_measures_reported')}: {measures_label(r.measures) or '—'}",
            *([f"{t('maps_responders')}: {r.responders}/{r.evaluated}"] if pd.notna(r.proportion) else []),
        ])
        for r in figure_cells.itertuples()
    ]
    figure = bubble_map_figure(
        figure_cells, [disease_label[d] for d in diseases], [group_label[g] for g in groups], colour_by=colour_by, legend=legend_text(),
    )
    return figure, cells


def count_grid(atlas: Atlas, cells: pd.DataFrame, row: str, row_category: str, value: str, filters: Filters) -> go.Figure:
    """Target × disease or mechanism × disease grid, coloured by patients or studies (`cells` = matrix(row, filters))."""
    return _count_grid(atlas_key(), filters, row, row_category, value, current_language(), cells, atlas)


@cache_resource(max_entries=128)
def _count_grid(key: tuple, filters: Filters, row: str, row_category: str, value: str, lang: str, _cells: pd.DataFrame, _atlas: Atlas) -> go.Figure:
    atlas, cells = _atlas, _cells
    rows = axis_order(cells[row], atlas.vocabulary.ids(row_category)) if not cells.empty else []
    diseases = axis_order(cells["disease"], atlas.vocabulary.ids("diseases")) if not cells.empty else []
    row_label = {r: atlas.vocabulary.label(row_category, r, lang) for r in rows}
    disease_label = _disease_labels(atlas, diseases, lang)
    figure_cells = cells.assign(x=cells["disease"].map(disease_label), y=cells[row].map(row_label), x_code=cells["disease"], y_code=cells[row])
    figure_cells["hover"] = [
        _hover(lang, r, r.y, r.x, [f"{t('maps_studies')}: {r.studies} · {t('maps_patients')}: {r.patients}"])
        for r in figure_cells.itertuples()
    ]
    figure_cells["label"] = figure_cells[value].astype(int).astype(str)
    title = (t("maps_patients_2")) if value == "patients" else (t("studies"))
    return grid_figure(figure_cells, [disease_label[d] for d in diseases], [row_label[r] for r in rows], value=value, text="label",
                       colour_title=title, legend_gap=t("maps_legend_gap"))


def remission_grid(atlas: Atlas, filters: Filters, measure: str) -> tuple[go.Figure, pd.DataFrame]:
    return _remission_grid(atlas_key(), filters, measure, current_language(), atlas)


@cache_resource(max_entries=128)
def _remission_grid(key: tuple, filters: Filters, measure: str, lang: str, _atlas: Atlas) -> tuple[go.Figure, pd.DataFrame]:
    atlas = _atlas
    cells = matrix("remission", filters, measure)
    groups = therapy_group_order(cells["therapy_group"], atlas.vocabulary)
    diseases = axis_order(cells["disease"], atlas.vocabulary.ids("diseases"))
    group_label = {g: therapy_group_label(g, atlas.vocabulary, lang) for g in groups}
    disease_label = _disease_labels(atlas, diseases, lang)
    figure_cells = cells.assign(x=cells["disease"].map(disease_label), y=cells["therapy_group"].map(group_label),
                                x_code=cells["disease"], y_code=cells["therapy_group"])
    marks = grade_marks(atlas.vocabulary)
    figure_cells["label"] = [f"{r}/{e}{_cell_mark(w, marks)}" for r, e, w in zip(cells["responders"], cells["evaluated"], cells["weaker_grades"])]
    figure_cells["hover"] = [
        _hover(lang, r, r.y, r.x, [f"{t('durability_y')}: {r.responders}/{r.evaluated} ({r.proportion:.0%})",
                                   f"{t('maps_studies')}: {r.studies}"])
        for r in figure_cells.itertuples()
    ]
    figure = grid_figure(figure_cells, [disease_label[d] for d in diseases], [group_label[g] for g in groups], value="proportion", text="label",
                         colour_title=t("maps_proportion"), legend_gap=t("maps_legend_gap"), percent=True)
    return figure, cells


def render_cell_studies(atlas: Atlas, view: pd.DataFrame, cell: tuple[str, str] | None, row_column: str, key: str) -> None:
    """The studies behind a clicked cell, with links, and a button that opens exactly them in the Explorer."""
    lang = current_language()
    if cell is None:
        st.caption(t("maps_click_a_cell_to_list"))
        return
    disease, row_value = cell
    rows = rows_for_cell(view, disease, row_column, row_value)
    study_ids = sorted(rows["study_id"].unique())
    st.markdown(f"**{len(study_ids)} {t('studies_short')}**")
    columns = ["study", "therapy", "design", "n_patients", "outcome_measure", "timepoint", "result", "grades", "doi_url", "pubmed_url"]
    st.caption(t("grade_legend"))
    text = st.column_config.TextColumn
    st.dataframe(display_rows(rows, atlas.vocabulary, lang)[columns], hide_index=True, width="stretch", column_config={
        "study": text(t("upload_study")), "therapy": text(column_label("therapy", lang)), "design": text(column_label("design", lang)),
        "n_patients": st.column_config.NumberColumn(column_label("n_patients", lang), format="%d"),
        "outcome_measure": text(column_label("outcome_measure", lang)), "timepoint": text(t("explorer_timepoint")),
        "result": text(t("durability_y"), help=t("explorer_result_help")),
        "grades": text(column_label("grades", lang), help=t("grade_help")),
        "doi_url": st.column_config.LinkColumn("DOI", display_text=r"https://doi\.org/(.*)"),
        "pubmed_url": st.column_config.LinkColumn("PMID", display_text=r"https://pubmed\.ncbi\.nlm\.nih\.gov/(\d+)/"),
    })
    st.button(t("maps_show_these_studies_in_the"), key=f"{key}_apply", on_click=apply_studies_filter, args=(study_ids,))


def selected_cell(event) -> tuple[str, str] | None:
    """(x_code, y_code) of the clicked point of a chart's selection event, if any (gap markers carry empty codes)."""
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else getattr(getattr(event, "selection", None), "points", [])
    for point in points or []:
        custom = point.get("customdata") if isinstance(point, dict) else None
        if custom and custom[0]:
            return str(custom[0]), str(custom[1])
    return None


OPEN_EXPLORER_KEY = "_open_explorer"


def apply_studies_filter(study_ids: list[str]) -> None:
    """Callback: make the Explorer show exactly these studies (a removable filter in the sidebar), then go there."""
    filters = st.session_state.get("filters") or Filters()
    # st.switch_page drops the widget values the reader set (Streamlit 1.67 clears widget state on a page change the
    # frontend did not ask for); values written through the Session State API survive it, so the reader's filters
    # and language are written back, with the cell's studies added
    write_filters_to_state(replace(filters, study_ids=tuple(study_ids)), session_atlas())
    st.session_state[LANG_KEY] = current_language()
    st.session_state[OPEN_EXPLORER_KEY] = True


def follow_to_explorer() -> None:
    """Called first on the maps page: after "Show these studies", the next run opens the Explorer."""
    if st.session_state.pop(OPEN_EXPLORER_KEY, False):
        st.switch_page("pages/explorer.py")
