"""Clinical trials: the registered trials of the trial table (data/trials.yaml) under the sidebar's shared filters and
the page's own, set against the published evidence; and the pipeline's preclinical and first-in-human innovations.
Registrations, never patients: nothing here feeds a remission or safety figure."""

import streamlit as st

from components.data import session_atlas
from components.i18n import t
from components.navigation_guard import ensure_navigation_mode
from components.trials import (
    credit_text,
    downloads,
    follow_trial_to_explorer,
    frames,
    kpi_row,
    landscape_sections,
    page_filters,
    published_trials,
    render_innovations,
    shown_rows,
    sidebar_scope_caption,
    trial_table,
    trial_tables,
    vocabulary,
)
from evidence.trials.landscape import trial_query

ensure_navigation_mode()  # first deep link on a fresh server: see components/navigation_guard.py

follow_trial_to_explorer()  # a "publications of this trial" or "show these studies" button: open them in the Explorer
atlas = session_atlas()
filters = st.session_state["filters"]
st.title(t("page_trials"))
st.info(t("trials_never_pooled"), icon="🧪")
try:
    tables = trial_tables()
except Exception:  # the trial table is validated on its own (python -m evidence validate); say so rather than crash
    st.error(t("trials_table_unreadable"))
    st.stop()
vocab = vocabulary()

sidebar_scope_caption(filters)
query = trial_query(filters, **page_filters(tables, vocab))
data = frames(query)
kpi_row(data["headline"])
if not data["ids"]:
    st.info(t("trials_none_selected"))
else:
    shown = shown_rows(query)

    # Only the open tab draws its chart: five Plotly figures at once made this the slowest page to render in the
    # browser (bench/RESULTS.md). The tabs track which one is open, as on the Maps page.
    sections = landscape_sections(query, filters, shown, data, vocab, atlas)
    for tab, draw in zip(st.tabs(list(sections), key="trials_tab", on_change="rerun"), sections.values()):
        with tab:
            if tab.open:
                draw()

    st.subheader(t("trials_table_title", n=len(shown)))
    trial_table(shown, key="trials_table")
    published_trials(shown)
    downloads(atlas, filters, query)

st.subheader(t("trials_innovations_title"))
st.caption(t("trials_innovations_caption"))
render_innovations(atlas, filters)

st.caption(credit_text())
st.caption(t("trials_map_credit"))
