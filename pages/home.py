"""Overview: what the atlas holds, how current it is, and how to cite it."""

import streamlit as st

from components.data import filtered_view, session_atlas
from components.i18n import current_language, t
from components.kpis import kpi_row
from components.navigation_guard import ensure_navigation_mode
from evidence.filters import Filters
from evidence.summary import summarise, totals_by

ensure_navigation_mode()  # first deep link on a fresh server: see components/navigation_guard.py

atlas = session_atlas()
lang = current_language()
st.title(t("app_title"))
st.markdown(t("tagline"))

newest = filtered_view(Filters())  # the whole atlas, newest report of each cohort
kpi_row(summarise(newest))
st.caption(
    f"{t('data_version')} {atlas.release.version} · {t('data_checked')} {atlas.release.checked.isoformat()} · "
    + (t("home_pipeline_entries"))
    + f": {len(atlas.pipeline)}"
)

by_class, by_disease = st.columns(2)
for column, field, category, title in (
    (by_class, "therapy_class", "therapy_classes", t("therapy_class")),
    (by_disease, "disease", "diseases", t("disease")),
):
    table = totals_by(newest, field)
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
                    ("pages/pipeline.py", "page_pipeline"), ("pages/about.py", "page_about")):
    st.page_link(page, label=f"**{t(title)}** — {t('home_blurb_' + title)}")

st.subheader(t("cite_atlas"))
st.code(
    f"RheumCell Atlas: curated evidence on cell therapies in rheumatic immune diseases. "
    f"Data version {atlas.release.version}, checked {atlas.release.checked.isoformat()}. "
    "Cite the original studies for any figure you use.",
    language=None,
)
st.caption(t("not_advice"))
