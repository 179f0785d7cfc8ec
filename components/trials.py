"""Trials page building blocks: the trial table and vocabulary cached per data state, the page's own filters, the
derived frames cached per (data state, filters), figures (the target × disease matrix, starts per year, phase mix, an
offline country map), the readable table with its downloads, and the step from a trial to its publications.

Trials are registrations, never patients: nothing here feeds a remission or safety figure.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.caching import cache_data, cache_resource
from components.charts import CONTINUOUS_SCALE, FONT, PALETTE
from components.data import _trial_tables, atlas_key, filtered_view, matrix, session_atlas
from components.downloads import XLSX_MIME
from components.filters import write_filters_to_state
from components.i18n import LANG_KEY, current_language, t
from components.maps import selected_cell
from evidence import Atlas
from evidence.display import display_rows, safe_url
from evidence.export import export_filename, neutralise_formulas, tables_to_xlsx
from evidence.filters import Filters
from evidence.labels import column_label
from evidence.matrices import axis_order
from evidence.outcomes import rows_for_cell
from evidence.paths import VOCABULARY_FILE
from evidence.trials import landscape as lands
from evidence.trials.landscape import TrialQuery
from evidence.trials.schema import trial_vocabulary
from evidence.trials.table import TrialTables
from evidence.vocabulary import Vocabulary

WORLD_TOPOLOGY = Path(__file__).resolve().parent / "geo" / "world_110m.json"  # see components/geo/README.md
FOLLOW_KEY = "_trials_open_explorer"  # set by a "publications of this trial" button; the next run opens the Explorer
PUBLISHED_OPEN_KEY = "trials_published_open"  # the "trials with a published report" expander: its buttons are drawn only while open
PAGE_FILTERS = {"statuses": "trials_status", "phases": "trials_phase", "sponsor_classes": "trials_sponsor", "countries": "trials_country"}
FILTER_CATEGORIES = {"statuses": "trial_statuses", "phases": "trial_phases", "sponsor_classes": "sponsor_classes"}
YEARS_KEY = "trials_years"
# The sidebar's fields the trial page leaves out, with the catalogue key of their sidebar name.
IGNORED_NAMES = {
    "subtypes": "subtype", "tissue_sources": "tissue_source", "engineering": "engineering", "designs": "design",
    "evidence_levels": "evidence_level", "outcome_measures": "outcome_measure", "countries": "country", "year_from": "years",
    "year_to": "years", "min_patients": "min_patients", "text": "search", "tier": "tier", "article_only": "article_only",
    "exclude_high_risk": "exclude_high_risk", "study_ids": "trials_ignored_study_filter",
}
STATE_COLOURS = {lands.BOTH: "#009E73", lands.TRIALS_ONLY: "#E69F00", lands.EVIDENCE_ONLY: "#56B4E9", lands.UNMATCHED: "#BBBBBB"}
MARK_COLOUR = "#D55E00"
KEEP = dict(marker=dict(opacity=1))  # a click selects one cell: the marks and legend squares must not fade with it
GREYS = {lands.UNCLEAR: "#BBBBBB", lands.OTHER_GROUP: "#777777"}  # bars of no single class or target
VIEWS = ("trials", "evidence", "gaps")
TABLE_ORDER = ["registry", "title", "status", "phases", "start_date", "enrolment", "countries", "lead_sponsor", "sponsor_class",
               "diseases", "therapy_classes", "targets", "cell_source", "product", "linked_studies", "no_results_in_atlas", "explorer"]
CELL_STUDY_COLUMNS = ["study", "therapy", "design", "n_patients", "outcome_measure", "timepoint", "result", "grades", "doi_url", "pubmed_url"]
CELL_ORDER = ["registry", "title", "status", "phases", "start_date", "enrolment", "countries", "lead_sponsor", "product",
              "linked_studies", "no_results_in_atlas", "explorer"]
CODED_VALUES = ("actual", "estimated", "reference_list", "curator_search", "registry_import")  # catalogue trials_value_<value>
# Download columns, in order: TABLE_COLUMNS names whose header is the catalogue's trials_col_<name>.
EXPORT_ORDER = ["trial_id", "registry_url", "title", "status", "phases", "start_date", "primary_completion_date", "enrolment",
                "enrolment_type", "countries", "lead_sponsor", "sponsor_class", "conditions", "interventions", "diseases",
                "therapy_classes", "targets", "cell_source", "age_group", "product", "primary_endpoint", "linked_studies",
                "no_results_in_atlas", "snapshot_date", "listed_by"]


# -- data, cached per data state (and filters, language) -------------------------------------------------------------
# Every cache below is keyed on the data state app.py computed for this run (atlas_key()[0]); frames come back as
# copies (cache_data), figures as shared objects (cache_resource: st.plotly_chart only reads them).

def _state() -> str:
    return atlas_key()[0]


@cache_resource(max_entries=4)
def _tables(state: str) -> TrialTables:
    return _trial_tables(state)  # one shared copy per data state instead of an unpickled one per call; never mutated


def trial_tables() -> TrialTables:
    """The validated trial table (raises evidence.DataValidationError when data/trials.yaml is broken)."""
    return _tables(_state())


@cache_resource(max_entries=4)
def _vocabulary(state: str) -> Vocabulary:
    return trial_vocabulary.__wrapped__(VOCABULARY_FILE)  # the lru-cached loader would keep an edited file's old terms


def vocabulary() -> Vocabulary:
    """The atlas vocabulary plus the trial categories (statuses, phases, sponsor classes, age groups)."""
    return _vocabulary(_state())


@cache_data(max_entries=64)
def _frames(state: str, query: TrialQuery) -> dict:
    tables = _tables(state)
    ids = lands.select(tables, query)
    rows = lands.selected_rows(tables, ids)
    order = _vocabulary(state).ids("trial_phases")
    return {
        "ids": ids, "rows": rows, "headline": lands.headline(rows),
        "cells": lands.trial_cells(tables, ids, query.diseases, query.targets),
        "years_therapy_class": lands.starts_per_year(tables, ids, "therapy_class"),
        "years_target": lands.starts_per_year(tables, ids, "target"),
        "phases": lands.phase_mix(rows, order), "countries": lands.country_counts(tables, ids),
        "undated": int(rows["start_year"].isna().sum()), "no_country": int((rows["countries"].fillna("") == "").sum()),
    }


def frames(query: TrialQuery) -> dict:
    """ids, rows, headline, cells, years_therapy_class, years_target, phases, countries, undated, no_country."""
    return _frames(_state(), query)


@cache_data(max_entries=64)
def _compared(state: str, key: tuple, query: TrialQuery, filters: Filters) -> pd.DataFrame:
    return lands.compare_cells(_frames(state, query)["cells"], matrix("target", filters))


def compared_cells(query: TrialQuery, filters: Filters) -> pd.DataFrame:
    """Target × disease cells of the selected trials beside the published evidence under the sidebar filters."""
    return _compared(_state(), atlas_key(), query, filters)


@cache_data(max_entries=64)
def _readable(state: str, query: TrialQuery, lang: str) -> pd.DataFrame:
    return lands.readable_trials(_frames(state, query)["rows"], _vocabulary(state), lang, t("trials_unclear"))


@cache_data(max_entries=64)
def _shown(state: str, key: tuple, query: TrialQuery, lang: str, _studies: pd.DataFrame) -> pd.DataFrame:
    rows = _frames(state, query)["rows"]
    readable = _readable(state, query, lang)
    links = [lands.explorer_link([s for s in str(text).split("; ") if s], _studies, lang) for text in rows["linked_studies"]]
    return pd.DataFrame({
        # the id rides in the link's fragment, so every registry's link shows its own id
        "registry": [f"{safe_url(url) or ''}#{trial_id}" for url, trial_id in zip(rows["registry_url"], rows["trial_id"])],
        **{name: readable[name] for name in TABLE_ORDER if name in readable.columns},
        "explorer": links,
    })


def shown_rows(query: TrialQuery) -> pd.DataFrame:
    """The on-screen table of the selected trials (TABLE_ORDER columns), in the reader's language."""
    return _shown(_state(), atlas_key(), query, current_language(), session_atlas().studies)


@cache_resource(max_entries=256)
def _figure(kind: str, state: str, key: tuple, query: TrialQuery, filters: Filters, option: str, lang: str) -> go.Figure:
    vocab, data = _vocabulary(state), _frames(state, query)
    if kind == "cells":
        return cell_figure(_compared(state, key, query, filters), option, vocab)
    if kind == "starts":
        return starts_figure(data[f"years_{option}"], option, vocab)
    if kind == "phases":
        return phase_figure(data["phases"], vocab)
    return country_map(data["countries"]) if kind == "map" else country_bar(data["countries"])


def figure(kind: str, query: TrialQuery, filters: Filters | None = None, option: str = "") -> go.Figure:
    """A cached figure: 'cells' (option = view; depends on the sidebar filters), 'starts' (option = therapy_class or
    target), 'phases', 'map', 'bars'."""
    key, filters = (atlas_key(), filters) if kind == "cells" else ((), Filters())
    return _figure(kind, _state(), key, query, filters, option, current_language())


# -- the page's own filters -------------------------------------------------------------------------------------------

def page_filters(tables: TrialTables, vocab: Vocabulary) -> dict:
    """Status, phase, sponsor class, country and start-year widgets (keys trials_*); returns TrialQuery keywords."""
    lang = current_language()
    frame = tables.trials
    present = {"statuses": set(frame["status"].dropna()), "phases": set(tables.phases["phase"]),
               "sponsor_classes": set(frame["sponsor_class"].dropna())}
    options = {name: [v for v in vocab.ids(category) if v in present[name]] for name, category in FILTER_CATEGORIES.items()}
    options["countries"] = sorted(set(tables.countries["country"]))
    labels = {name: {v: vocab.label(category, v, lang) for v in options[name]} for name, category in FILTER_CATEGORIES.items()}
    chosen: dict = {}
    columns = st.columns([1, 1, 1, 1, 1.4])
    for column, (name, key) in zip(columns, PAGE_FILTERS.items()):
        st.session_state[key] = [v for v in st.session_state.get(key, []) if v in options[name]]  # data may have changed
        mapping = labels.get(name, {})
        chosen[name] = tuple(column.multiselect(t(f"trials_filter_{name}"), options[name], key=key, placeholder="—",
                                                format_func=lambda value, m=mapping: m.get(value, value)))
    years = frame["start_year"].dropna()
    low, high = (int(years.min()), int(years.max())) if len(years) else (2000, dt.date.today().year)
    high = max(high, low + 1)
    current = st.session_state.get(YEARS_KEY, (low, high))
    st.session_state[YEARS_KEY] = (min(max(int(current[0]), low), high), max(min(int(current[1]), high), low))
    start, end = columns[-1].slider(t("trials_filter_years"), min_value=low, max_value=high, key=YEARS_KEY,
                                    help=t("trials_filter_years_help"))
    # the full extent is no restriction: trials without a registered start date stay in
    chosen["start_year_from"] = None if start <= low else int(start)
    chosen["start_year_to"] = None if end >= high else int(end)
    return chosen


def sidebar_scope_caption(filters: Filters) -> None:
    ignored = sorted({t(IGNORED_NAMES.get(name, name)) if name in IGNORED_NAMES else name for name in lands.ignored_filters(filters)})
    text = t("trials_sidebar_scope")
    if ignored:
        text += " " + t("trials_sidebar_ignored_now", names=", ".join(ignored))
    st.caption(text)


# -- headline ---------------------------------------------------------------------------------------------------------

def kpi_row(headline: dict) -> None:
    trials, recruiting, enrolment, published, missing = st.columns(5)
    trials.metric(t("trials_kpi_trials"), f"{headline['trials']:,}")
    recruiting.metric(t("trials_kpi_recruiting"), f"{headline['recruiting']:,}")
    enrolment.metric(t("trials_kpi_enrolment"), f"{headline['enrolment']:,}",
                     help=t("trials_kpi_enrolment_help", n=headline["enrolment_stated"], total=headline["trials"]))
    published.metric(t("trials_kpi_published"), f"{headline['with_publication']:,}", help=t("trials_kpi_published_help"))
    missing.metric(t("trials_kpi_no_results"), f"{headline['no_results']:,}", help=t("trials_kpi_no_results_help"))


# -- target × disease -------------------------------------------------------------------------------------------------

def _target_label(vocab: Vocabulary, target: str, lang: str) -> str:
    return t("trials_target_unclear") if target == lands.UNCLEAR else vocab.label("targets", target, lang)


def _axis_label(label: str, width: int = 30) -> str:
    """A label for an axis: without its parenthetical, wrapped onto lines of about `width` (a CJK character counts twice)."""
    for opening in (" (", "（"):
        if opening in label:
            label = label.split(opening, 1)[0]
    lines, line = [], ""
    for word in label.split(" "):
        candidate = f"{line} {word}".strip()
        if line and sum(2 if ord(ch) > 0x2E80 else 1 for ch in candidate) > width:
            lines.append(line)
            candidate = word
        line = candidate
    return "<br>".join([*lines, line])


def _figure_cells(cells: pd.DataFrame, vocab: Vocabulary, lang: str) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Targets across (x), diseases down (y); x_code/y_code = disease/target, as components.maps.selected_cell reads them."""
    diseases = axis_order(cells["disease"], vocab.ids("diseases"))
    targets = axis_order(cells["target"], vocab.ids("targets"))  # "unclear" is no vocabulary id: it comes last
    x_label = {g: _axis_label(_target_label(vocab, g, lang), 22) for g in targets}
    y_label = {d: _axis_label(vocab.label("diseases", d, lang)) for d in diseases}
    state_text = {state: t(f"trials_state_{state}") for state in STATE_COLOURS}
    shown = cells.assign(x=cells["target"].map(x_label), y=cells["disease"].map(y_label), x_code=cells["disease"], y_code=cells["target"])
    shown["hover"] = [
        "<br>".join([f"<b>{_target_label(vocab, r.target, lang)}</b> × <b>{vocab.label('diseases', r.disease, lang)}</b>",
                     t("trials_hover_trials", n=r.trials), t("trials_hover_studies", n=r.studies, patients=r.patients),
                     f"<i>{state_text[r.state]}</i>"])
        for r in shown.itertuples()
    ]
    x_labels, y_labels = [x_label[g] for g in targets], [y_label[d] for d in diseases]
    shown["xi"] = shown["target"].map({g: i for i, g in enumerate(targets)}).astype(int)
    shown["yi"] = shown["disease"].map({d: i for i, d in enumerate(diseases)}).astype(int)
    return shown, x_labels, y_labels


def _grid(shown: pd.DataFrame, column: str, columns: int, rows: int, blank=None) -> list[list]:
    grid = [[blank] * columns for _ in range(rows)]
    for xi, yi, value in zip(shown["xi"], shown["yi"], shown[column]):
        grid[yi][xi] = value
    return grid


def _legend_square(fig: go.Figure, name: str, colour: str, symbol: str = "square", size: int = 12) -> None:
    """A legend entry only (the heatmap layers have none)."""
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name, hoverinfo="skip", unselected=KEEP,
                             marker=dict(symbol=symbol, size=size, color=colour, line=dict(color="white", width=1))))


def cell_figure(cells: pd.DataFrame, view: str, vocab: Vocabulary) -> go.Figure:
    """The target × disease matrix: 'trials' (coloured by registered trials; a dot marks cells with no published study),
    'evidence' (coloured by published studies; a dot marks cells with no registered trial) or 'gaps' (one colour per
    state, 'trials·studies' in each cell). Heatmap layers fill whatever width the page has; an invisible scatter of
    squares on top carries hover and clicks (and outlines the clicked cell)."""
    lang = current_language()
    part = {"trials": cells[cells["trials"] > 0], "evidence": cells[cells["studies"] > 0]}.get(view, cells)
    shown, x_labels, y_labels = _figure_cells(part, vocab, lang)
    n, m = len(x_labels), len(y_labels)
    positions = dict(x=list(range(n)), y=list(range(m)), xgap=3, ygap=3, hoverinfo="skip")
    fig = go.Figure(go.Heatmap(z=[[1] * n for _ in range(m)], colorscale=[[0, "#F2F2F2"], [1, "#F2F2F2"]], showscale=False, **positions))
    gap_name = {"trials": t("trials_legend_no_trial"), "evidence": t("maps_legend_gap")}.get(view, t("trials_legend_empty"))
    _legend_square(fig, gap_name, "#F2F2F2")
    if view in ("trials", "evidence"):
        value = "trials" if view == "trials" else "studies"
        title = t("trials_kpi_trials") if view == "trials" else t("studies")
        top = max(float(shown[value].max()), 1.0) if len(shown) else 1.0
        fig.add_trace(go.Heatmap(z=_grid(shown, value, n, m), text=_grid(shown, value, n, m, ""), texttemplate="%{text}",
                                 textfont=dict(size=11), colorscale=CONTINUOUS_SCALE, reversescale=True, zmin=0, zmax=top,
                                 colorbar=dict(title=title, tickformat="d", len=min(1.0, 360 / (150 + 38 * m)), y=1, yanchor="top", thickness=14),
                                 **positions))
        lonely = shown[shown["state"] == (lands.TRIALS_ONLY if view == "trials" else lands.EVIDENCE_ONLY)]
        name = t("trials_legend_no_publication") if view == "trials" else t("trials_legend_no_trial_registered")
        if len(lonely):
            fig.add_trace(go.Scatter(x=lonely["xi"] + 0.3, y=lonely["yi"] - 0.26, mode="markers", name=name, hoverinfo="skip", unselected=KEEP,
                                     marker=dict(symbol="circle", size=7, color=MARK_COLOUR, line=dict(color="white", width=1))))
    else:
        order = list(STATE_COLOURS)
        steps = len(order)
        scale = [item for i, state in enumerate(order) for item in ([i / steps, STATE_COLOURS[state]], [(i + 1) / steps, STATE_COLOURS[state]])]
        codes = shown.assign(_code=shown["state"].map({state: i + 0.5 for i, state in enumerate(order)}),
                             _text=[f"{a}·{b}" for a, b in zip(shown["trials"], shown["studies"])])
        fig.add_trace(go.Heatmap(z=_grid(codes, "_code", n, m), text=_grid(codes, "_text", n, m, ""), texttemplate="%{text}",
                                 textfont=dict(size=10, color="black"), colorscale=scale, zmin=0, zmax=steps, showscale=False, **positions))
        for state in order:
            if (shown["state"] == state).any():
                _legend_square(fig, t(f"trials_state_{state}"), STATE_COLOURS[state])
    fig.add_trace(go.Scatter(
        x=shown["xi"], y=shown["yi"], mode="markers", showlegend=False, customdata=shown[["x_code", "y_code"]].to_numpy(),
        hovertext=shown["hover"], hovertemplate="%{hovertext}<extra></extra>",
        marker=dict(symbol="square-open", size=26, color="#1F2A37", opacity=0, line=dict(width=3)),
        selected=dict(marker=dict(opacity=1)), unselected=dict(marker=dict(opacity=0)),
    ))
    # the last column's slanted label runs past the plot: room for it where no colour bar makes some
    right = 110 if view == "gaps" and n > 5 else 10
    fig.update_layout(font=FONT, plot_bgcolor="white", margin=dict(l=10, r=right, t=10, b=10), clickmode="event+select", dragmode=False,
                      height=max(250, 150 + 38 * m), hoverlabel=dict(align="left"),
                      legend=dict(orientation="h", yanchor="top", y=-0.01, x=0, title=None))
    fig.update_xaxes(tickvals=list(range(n)), ticktext=x_labels, range=[-0.5, n - 0.5], side="top", tickangle=-45 if n > 5 else 0,
                     showgrid=False, zeroline=False, automargin=True, fixedrange=True)
    fig.update_yaxes(tickvals=list(range(m)), ticktext=y_labels, range=[m - 0.5, -0.5], showgrid=False, zeroline=False,
                     automargin=True, fixedrange=True)
    return fig


def render_cells_section(query: TrialQuery, filters: Filters, shown: pd.DataFrame, vocab: Vocabulary, atlas: Atlas) -> None:
    """View switch, the clickable squares and, for a clicked cell, its trials (and its published studies)."""
    cells = compared_cells(query, filters)
    if cells.empty:
        st.info(t("trials_no_cells"))
        return
    view_names = {view: t(f"trials_view_{view}") for view in VIEWS}
    view = st.radio(t("trials_view"), VIEWS, horizontal=True, key="trials_cells_view", format_func=view_names.get)
    event = st.plotly_chart(figure("cells", query, filters, view), width="stretch", on_select="rerun", selection_mode="points",
                            key=f"trials_cells_chart_{view}")
    st.caption(t(f"trials_cells_caption_{view}"))
    cell = selected_cell(event)
    if cell is None:
        st.caption(t("trials_click_a_cell"))
        return
    render_cell(cells, cell, shown, vocab, atlas, filters)


def render_cell(cells: pd.DataFrame, cell: tuple[str, str], shown: pd.DataFrame, vocab: Vocabulary, atlas: Atlas, filters: Filters) -> None:
    lang = current_language()
    disease, target = cell
    ids = lands.cell_trial_ids(cells, disease, target)
    names = {"target": _target_label(vocab, target, lang), "disease": vocab.label("diseases", disease, lang)}
    st.markdown(f"##### {t('trials_cell_heading', n=len(ids), **names)}")
    if ids:
        rows = shown[shown["registry"].str.rsplit("#", n=1).str[-1].isin(ids)]
        trial_table(rows, key="trials_cell_table", order=CELL_ORDER)
        publication_buttons(rows, key="trials_cell_open")
    hit = cells[(cells["disease"] == disease) & (cells["target"] == target)]
    if len(hit) and int(hit["studies"].iloc[0]) > 0:
        cell_studies(atlas, filters, disease, target)


def cell_studies(atlas: Atlas, filters: Filters, disease: str, target: str) -> None:
    """The published studies of one cell (the Explorer's rows and labels), and a button that opens exactly them."""
    lang = current_language()
    rows = rows_for_cell(filtered_view(filters), disease, "target", target)
    study_ids = sorted(rows["study_id"].astype(str).unique())
    st.markdown(f"**{t('trials_cell_studies_heading', n=len(study_ids))}**")
    st.caption(t("grade_legend"))
    label = lambda column: column_label(column, lang)  # noqa: E731
    text = st.column_config.TextColumn
    st.dataframe(display_rows(rows, atlas.vocabulary, lang)[CELL_STUDY_COLUMNS], hide_index=True, width="stretch", key="trials_cell_studies",
                 height=min(420, 38 + 35 * max(len(rows), 1)), column_config={
                     "study": text(t("upload_study"), pinned=True), "therapy": text(label("therapy")), "design": text(label("design")),
                     "n_patients": st.column_config.NumberColumn(label("n_patients"), format="%d", width="small"),
                     "outcome_measure": text(label("outcome_measure")), "timepoint": text(t("explorer_timepoint")),
                     "result": text(t("durability_y"), width="small"), "grades": text(label("grades"), help=t("grade_help"), width="small"),
                     "doi_url": st.column_config.LinkColumn("DOI", display_text=r"https://doi\.org/(.*)"),
                     "pubmed_url": st.column_config.LinkColumn("PMID", display_text=r"https://pubmed\.ncbi\.nlm\.nih\.gov/(\d+)/", width="small"),
                 })
    st.button(t("maps_show_these_studies_in_the"), key="trials_cell_studies_open", on_click=open_publications, args=(study_ids,))


# -- from a trial to its publications ---------------------------------------------------------------------------------

def publication_buttons(rows: pd.DataFrame, key: str) -> None:
    """One button per listed trial with a linked publication: opens exactly those studies in the Explorer."""
    linked = rows[rows["linked_studies"].astype(str) != ""]
    if linked.empty:
        return
    st.caption(t("trials_open_publications_caption"))
    columns = st.columns(2)
    for index, row in enumerate(linked.itertuples()):
        trial_id = str(row.registry).rsplit("#", 1)[-1]
        studies = [s for s in str(row.linked_studies).split("; ") if s]
        columns[index % 2].button(t("trials_open_publications", trial=trial_id, n=len(studies)), key=f"{key}_{trial_id}",
                                  on_click=open_publications, args=(studies,), width="stretch")


def open_publications(study_ids: list[str]) -> None:
    """Callback: set the sidebar so the Explorer shows exactly these studies, then (next run) go there with the newest open."""
    atlas = session_atlas()
    filters = st.session_state.get("filters") or Filters()
    write_filters_to_state(lands.explorer_filters(filters, study_ids, atlas.evidence), atlas)
    # st.switch_page drops every widget value the reader set (Streamlit 1.67 clears widget state on a page change
    # the frontend did not ask for); values written here through the Session State API survive it, so the language
    # switch is written back too, or the Explorer would open in English.
    st.session_state[LANG_KEY] = current_language()
    st.session_state[FOLLOW_KEY] = lands.newest_study(study_ids, atlas.studies)


def follow_trial_to_explorer() -> None:
    """Called first on the trial page: after "publications of this trial", the next run opens the Explorer."""
    study = st.session_state.pop(FOLLOW_KEY, None)
    if study:
        st.switch_page("pages/explorer.py", query_params={"open": study})


# -- the table and its downloads --------------------------------------------------------------------------------------

def _columns() -> dict:
    text = st.column_config.TextColumn
    return {
        "registry": st.column_config.LinkColumn(t("trials_col_trial_id"), display_text=r"^.*#(.+)$", pinned=True,
                                                help=t("trials_col_trial_id_help")),
        "title": text(t("trials_col_title"), width="large"),
        "status": text(t("trials_col_status")),
        "phases": text(t("trials_col_phases"), width="small"),
        "start_date": text(t("trials_col_start_date"), width="small"),
        "enrolment": st.column_config.NumberColumn(t("trials_col_enrolment"), format="%d", width="small", help=t("trials_col_enrolment_help")),
        "countries": text(t("trials_col_countries")),
        "lead_sponsor": text(t("trials_col_lead_sponsor")),
        "sponsor_class": text(t("trials_col_sponsor_class")),
        "diseases": text(t("trials_col_diseases")),
        "therapy_classes": text(t("trials_col_therapy_classes")),
        "targets": text(t("trials_col_targets"), width="small"),
        "cell_source": text(t("trials_col_cell_source"), width="small"),
        "product": text(t("trials_col_product")),
        "linked_studies": text(t("trials_col_linked_studies"), help=t("trials_col_linked_studies_help")),
        "no_results_in_atlas": st.column_config.CheckboxColumn(t("trials_col_no_results_in_atlas"), help=t("trials_kpi_no_results_help"), width="small"),
        "explorer": st.column_config.LinkColumn(t("trials_col_explorer"), display_text=t("trials_open_in_explorer"), help=t("trials_col_explorer_help")),
    }


def trial_table(shown: pd.DataFrame, key: str, order: list[str] = TABLE_ORDER) -> None:
    st.dataframe(shown, hide_index=True, width="stretch", column_config=_columns(), column_order=order, key=key,
                 height=min(560, 38 + 35 * max(len(shown), 1)))


def published_trials(shown: pd.DataFrame) -> None:
    """Below the table: a button per listed trial with a published report in the atlas."""
    linked = shown[shown["linked_studies"].astype(str) != ""]
    if linked.empty:
        return
    # drawn only while open: a closed expander still renders its buttons, one per published trial (26 today), and
    # Streamlit's frontend cost per element made this page slow to show (bench/RESULTS.md)
    expander = st.expander(t("trials_published_expander", n=len(linked)), key=PUBLISHED_OPEN_KEY, on_change="rerun")
    if expander.open:
        with expander:
            publication_buttons(linked, key="trials_table_open")


def export_table(readable: pd.DataFrame) -> pd.DataFrame:
    """The download: EXPORT_ORDER columns under their readable names, coded words in the reader's language."""
    table = readable[EXPORT_ORDER].copy()
    words = {value: t(f"trials_value_{value}") for value in CODED_VALUES}
    for column in ("enrolment_type", "listed_by"):
        table[column] = table[column].map(lambda value: words.get(value, value))
    return table.rename(columns={name: t(f"trials_col_{name}") for name in EXPORT_ORDER})


def about_sheet(atlas: Atlas, query: TrialQuery, n: int) -> pd.DataFrame:
    rows = [(t("trials_about_atlas"), "RheumCell Atlas"), (t("data_version"), atlas.release.version),
            (t("data_checked"), atlas.release.checked.isoformat()), (t("trials_about_exported"), dt.date.today().isoformat()),
            (t("trials_kpi_trials"), n)]
    rows += [(f"{t('trials_about_filter')}: {name}", ", ".join(map(str, value)) if isinstance(value, tuple) else str(value))
             for name, value in query.kwargs().items() if value not in ((), None)]
    rows += [(t("trials_about_note"), t("trials_never_pooled")), (t("trials_about_source"), credit_text())]
    return pd.DataFrame(rows, columns=[t("trials_about_item"), t("trials_about_value")])


@cache_data(max_entries=32)
def _download_bytes(state: str, query: TrialQuery, lang: str, _atlas: Atlas) -> tuple[bytes, bytes]:
    table = export_table(_readable(state, query, lang))
    csv = neutralise_formulas(table).to_csv(index=False).encode("utf-8-sig")  # a BOM, so Excel reads Chinese text
    xlsx = tables_to_xlsx({t("trials_sheet_trials"): table, t("trials_sheet_about"): about_sheet(_atlas, query, len(table))})
    return csv, xlsx


def download_bytes(query: TrialQuery) -> tuple[bytes, bytes]:
    """(CSV, XLSX) of exactly the selected trials: readable column names, labels in the reader's language, formulas neutralised."""
    return _download_bytes(_state(), query, current_language(), session_atlas())


def downloads(atlas: Atlas, filters: Filters, query: TrialQuery) -> None:
    csv, xlsx = download_bytes(query)
    name = export_filename(atlas.release, filters, "csv").replace("rheumcell-atlas_", "rheumcell-atlas_trials_", 1)
    st.markdown(f"**{t('downloads')}**")
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(t("download_csv"), data=csv, file_name=name, mime="text/csv", key="trials_download_csv",
                         on_click="ignore", width="stretch")
    right.download_button(t("download_xlsx"), data=xlsx, file_name=name[:-4] + ".xlsx", mime=XLSX_MIME, key="trials_download_xlsx",
                          on_click="ignore", width="stretch")


# -- landscape charts -------------------------------------------------------------------------------------------------

def _group_label(vocab: Vocabulary, by: str, group: str, lang: str) -> str:
    if group == lands.UNCLEAR:
        return t("trials_unclear")
    if group == lands.OTHER_GROUP:
        return t("trials_other_targets")
    return vocab.label("therapy_classes" if by == "therapy_class" else "targets", group, lang)


def starts_figure(counts: pd.DataFrame, by: str, vocab: Vocabulary) -> go.Figure:
    lang = current_language()
    category = "therapy_classes" if by == "therapy_class" else "targets"
    totals = counts.groupby("group")["trials"].sum()
    known = [g for g in vocab.ids(category) if g in totals.index]
    groups = known + sorted(set(totals.index) - set(known) - {lands.OTHER_GROUP}) + ([lands.OTHER_GROUP] if lands.OTHER_GROUP in totals.index else [])
    fig = go.Figure()
    for index, group in enumerate(groups):
        part = counts[counts["group"] == group]
        label = _axis_label(_group_label(vocab, by, group, lang), 34)
        colour = GREYS.get(group) or PALETTE[index % len(PALETTE)]
        fig.add_trace(go.Bar(x=part["start_year"], y=part["trials"], name=label, marker_color=colour,
                             hovertemplate=f"{label}<br>%{{x}}: %{{y}}<extra></extra>"))
    fig.update_layout(barmode="stack", font=FONT, height=340, plot_bgcolor="white", margin=dict(l=10, r=10, t=10, b=10),
                      legend=dict(orientation="v", yanchor="top", y=1, x=1.01, title=None, traceorder="normal"))
    fig.update_xaxes(title=t("trials_axis_start_year"), dtick=1 if counts["start_year"].nunique() <= 12 else 2, tickformat="d")
    fig.update_yaxes(title=t("trials_axis_trials"), showgrid=True, gridcolor="#EEEEEE", rangemode="tozero")
    return fig


def phase_figure(mix: pd.DataFrame, vocab: Vocabulary) -> go.Figure:
    lang = current_language()
    labels = [" / ".join(vocab.label("trial_phases", p, lang) for p in key.split("; ")) if key else t("trials_phase_not_stated") for key in mix["phase"]]
    fig = go.Figure(go.Bar(x=mix["trials"], y=labels, orientation="h", marker_color="#0072B2", text=mix["trials"], textposition="outside",
                           hovertemplate="%{y}: %{x}<extra></extra>", cliponaxis=False))
    fig.update_layout(font=FONT, height=360, plot_bgcolor="white", margin=dict(l=10, r=30, t=10, b=10), showlegend=False)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)), automargin=True)
    fig.update_xaxes(title=t("trials_axis_trials"), showgrid=True, gridcolor="#EEEEEE", rangemode="tozero")
    return fig


@lru_cache(maxsize=1)
def topojson_url() -> str:
    """The shipped world topology as a data: URL for Plotly's `topojsonURL` (Plotly appends '/world_110m.json', which the
    trailing '#' turns into a harmless fragment), so the map never fetches from a CDN."""
    return "data:application/json;base64," + base64.b64encode(WORLD_TOPOLOGY.read_bytes()).decode("ascii") + "#"


def country_map(counts: pd.DataFrame) -> go.Figure:
    """Trials per country on a log colour scale (China alone would otherwise wash every other country out)."""
    hover = [t("trials_hover_country", country=c, n=n) for c, n in zip(counts["country"], counts["trials"])]
    top = max(int(counts["trials"].max()), 2)
    ticks = [v for v in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if v <= top]
    fig = go.Figure(go.Choropleth(
        locations=counts["country"], z=np.log10(counts["trials"].astype(float)), zmin=0, zmax=math.log10(top),
        locationmode="country names", colorscale=CONTINUOUS_SCALE, reversescale=True,
        marker_line_color="white", marker_line_width=0.5, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        colorbar=dict(title=t("trials_axis_trials"), len=0.7, thickness=14, tickvals=[math.log10(v) for v in ticks], ticktext=[str(v) for v in ticks]),
    ))
    fig.update_geos(projection_type="natural earth", showframe=False, showcoastlines=False, showland=True, landcolor="#E8E8E8",
                    showcountries=True, countrycolor="#FFFFFF", showocean=False, showlakes=False, showrivers=False, lataxis_range=[-58, 85])
    fig.update_layout(font=FONT, height=430, margin=dict(l=0, r=0, t=0, b=0), dragmode=False)
    return fig


def country_bar(counts: pd.DataFrame, top: int = 15) -> go.Figure:
    part = counts.head(top)
    fig = go.Figure(go.Bar(x=part["trials"], y=part["country"], orientation="h", marker_color="#0072B2", text=part["trials"],
                           textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{x}<extra></extra>"))
    fig.update_layout(font=FONT, height=380, plot_bgcolor="white", margin=dict(l=10, r=30, t=10, b=10), showlegend=False)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(part["country"].tolist())), automargin=True)
    fig.update_xaxes(title=t("trials_axis_trials"), showgrid=True, gridcolor="#EEEEEE", rangemode="tozero")
    return fig


def render_starts(query: TrialQuery, data: dict) -> None:
    by_names = {"therapy_class": t("therapy_class"), "target": t("target")}
    by = st.radio(t("trials_starts_by"), list(by_names), horizontal=True, key="trials_year_by", format_func=by_names.get)
    if data[f"years_{by}"].empty:
        st.info(t("trials_no_start_dates"))
    else:
        st.plotly_chart(figure("starts", query, option=by), width="stretch", key="trials_starts_chart")
    st.caption(t("trials_starts_caption", n=data["undated"]))


def render_phases(query: TrialQuery) -> None:
    st.plotly_chart(figure("phases", query), width="stretch", key="trials_phase_chart")
    st.caption(t("trials_phases_caption"))


def render_countries(query: TrialQuery, data: dict) -> None:
    countries = data["countries"]
    if countries.empty:
        st.info(t("trials_no_countries"))
        return
    st.plotly_chart(figure("map", query), width="stretch", key="trials_country_map",
                    config={"topojsonURL": topojson_url(), "displayModeBar": False})
    st.plotly_chart(figure("bars", query), width="stretch", key="trials_country_bar")
    st.caption(t("trials_countries_caption", n=data["no_country"], shown=min(15, len(countries)), total=len(countries)))


def landscape_sections(query: TrialQuery, filters: Filters, shown: pd.DataFrame, data: dict, vocab: Vocabulary, atlas: Atlas) -> dict:
    """The page's chart sections by tab label, in order; the page draws only the open one."""
    return {
        t("trials_tab_cells"): lambda: render_cells_section(query, filters, shown, vocab, atlas),
        t("trials_chart_starts"): lambda: render_starts(query, data),
        t("trials_chart_phases"): lambda: render_phases(query),
        t("trials_chart_countries"): lambda: render_countries(query, data),
    }


# -- innovations and credits ------------------------------------------------------------------------------------------

@cache_data(max_entries=32)
def _innovations(state: str, diseases: tuple, therapy_classes: tuple, targets: tuple, lang: str, _pipeline: pd.DataFrame) -> pd.DataFrame:
    vocab = _vocabulary(state)
    rows = lands.innovations(_pipeline, lands.registered_ids(_tables(state)), diseases, therapy_classes, targets)
    label = lambda category: (lambda code: vocab.label(category, code, lang) if isinstance(code, str) and code else "")  # noqa: E731
    return pd.DataFrame({
        "name": rows["name"],
        "stage": rows["stage"].map(label("pipeline_stages")),
        "therapy_class": rows["therapy_class"].map(label("therapy_classes")),
        "target": rows["target"].map(label("targets")),
        "engineering": rows["engineering"].map(label("engineering")),
        "diseases": rows["diseases"].map(lambda text: lands.labelled(text, vocab, "diseases", lang, t("trials_unclear"))),
        "sponsor": rows["sponsor"].fillna(""),
        "year": rows["year"],
        "summary": rows["summary"],
        "source": rows["source_url"].map(safe_url),
    })


def render_innovations(atlas: Atlas, filters: Filters) -> None:
    """The pipeline's preclinical and first-in-human entries (and registered programmes not in the trial table)."""
    table = _innovations(_state(), tuple(filters.diseases), tuple(filters.therapy_classes), tuple(filters.targets),
                         current_language(), atlas.pipeline)
    if table.empty:
        st.info(t("trials_no_innovations"))
        return
    st.dataframe(table, hide_index=True, width="stretch", key="trials_innovations_table", column_config={
        "name": st.column_config.TextColumn(t("trials_col_name"), pinned=True, width="medium"),
        "stage": st.column_config.TextColumn(t("trials_col_stage"), help=t("trials_col_stage_help")),
        "therapy_class": st.column_config.TextColumn(t("therapy_class")),
        "target": st.column_config.TextColumn(t("target"), width="small"),
        "engineering": st.column_config.TextColumn(t("engineering")),
        "diseases": st.column_config.TextColumn(t("trials_col_diseases")),
        "sponsor": st.column_config.TextColumn(t("trials_col_lead_sponsor")),
        "year": st.column_config.NumberColumn(t("trials_col_year"), format="%d", width="small"),
        "summary": st.column_config.TextColumn(t("trials_col_summary"), width="large"),
        "source": st.column_config.LinkColumn(t("trials_col_source"), display_text="↗", width="small"),
    })


@cache_data(max_entries=8)
def _credit(state: str, lang: str) -> str:
    frame = _tables(state).trials
    reference = frame.loc[frame["listed_by"] == "reference_list", "snapshot_date"]
    return t("trials_credit", snapshot=reference.min() if len(reference) else "—", n_reference=len(reference),
             n_other=int((frame["listed_by"] != "reference_list").sum()))


def credit_text() -> str:
    """Where the registry snapshot comes from (as data/README.md credits it), with its date and counts."""
    return _credit(_state(), current_language())
