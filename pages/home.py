"""Overview: what the atlas holds, how current it is, and how to cite it."""

import streamlit as st

from components.data import overview, session_atlas
from components.i18n import current_language, t
from components.kpis import kpi_row
from components.navigation_guard import ensure_navigation_mode

ensure_navigation_mode()  # first deep link on a fresh server: see components/navigation_guard.py

atlas = session_atlas()
lang = current_language()
st.title(t("app_title"))
st.markdown(t("tagline"))

summary, by_class_table, by_disease_table = overview()  # the whole atlas, newest report of each cohort; cached per data state
kpi_row(summary)
st.caption(
    f"{t('data_version')} {atlas.release.version} · {t('data_checked')} {atlas.release.checked.isoformat()} · "
    + (t("home_pipeline_entries"))
    + f": {len(atlas.pipeline)}"
)

by_class, by_disease = st.columns(2)
for column, table, field, category, title in (
    (by_class, by_class_table, "therapy_class", "therapy_classes", t("therapy_class")),
    (by_disease, by_disease_table, "disease", "diseases", t("disease")),
):
    table[field] = table[field].map(lambda code: atlas.vocabulary.label(category, code, lang))
    column.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=38 + 35 * max(len(table), 1),  # every row visible, no inner scrollbar
        column_config={
            field: st.column_config.TextColumn(title),
            "studies": st.column_config.NumberColumn(t("studies"), format="%d"),
            "patients": st.column_config.NumberColumn(t("patients"), format="%d"),
        },
    )

st.subheader(t("home_where_to_start"))
for page, title in (("pages/explorer.py", "page_explorer"), ("pages/maps.py", "page_maps"), ("pages/compare.py", "page_compare"),
                    ("pages/trials.py", "page_trials"), ("pages/about.py", "page_about")):
    st.page_link(page, label=f"**{t(title)}** — {t('home_blurb_' + title)}")

st.subheader(t("cite_atlas"))
st.code(
    f"RheumCell Atlas: curated evidence on cell therapies in rheumatic immune diseases. "
    f"Data version {atlas.release.version}, checked {atlas.release.checked.isoformat()}. "
    "Cite the original studies for any figure you use.",
    language=None,
)
st.caption(t("not_advice"))
