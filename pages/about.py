"""About the data: inclusion rules and curation log, evidence levels, glossary, limitations, citation, changelog."""

import pandas as pd
import streamlit as st

from components.data import full_atlas, session_atlas
from components.i18n import current_language, t
from components.navigation_guard import ensure_navigation_mode
from evidence.about import curation_log, grade_table, releases

ensure_navigation_mode()  # first deep link on a fresh server: see components/navigation_guard.py

atlas = session_atlas()
lang = current_language()
vocab = atlas.vocabulary
st.title(t("page_about"))
st.warning(t("not_advice"), icon="⚠️")

st.subheader(t("about_what_is_included"))
st.markdown(t("about_included"))
with st.expander(t("about_search_and_curation_log")):
    st.markdown(curation_log())

st.subheader(t("about_grades_title"))
st.markdown(t("about_grades_text"))
st.dataframe(grade_table(full_atlas(), lang), hide_index=True, width="stretch", column_config={
    "mark": st.column_config.TextColumn(t("grade_mark"), width="small"),
    "grade": st.column_config.TextColumn(t("grade"), width="small"),
    "definition": st.column_config.TextColumn(t("definition"), width="large"),
    "numbers": st.column_config.NumberColumn(t("grade_numbers"), format="%d", help=t("grade_numbers_help")),
    "share": st.column_config.ProgressColumn(t("grade_share"), format="percent", min_value=0.0, max_value=1.0),
})

st.subheader(t("about_levels_of_evidence_oxford_cebm"))
levels = pd.DataFrame([{"level": term_id, "meaning": vocab.label("evidence_levels", term_id, lang)} for term_id in vocab.ids("evidence_levels")])
designs = pd.DataFrame([{"design": vocab.label("designs", d, lang), "level": vocab.design_level(d)} for d in vocab.ids("designs")])
left, right = st.columns(2)
left.dataframe(levels, hide_index=True, width="stretch", column_config={"level": st.column_config.TextColumn(t("evidence_level"), width="small"), "meaning": st.column_config.TextColumn(" ")})
right.dataframe(designs, hide_index=True, width="stretch", column_config={"design": st.column_config.TextColumn(t("design")), "level": st.column_config.NumberColumn(t("evidence_level"), format="%d")})

glossary_config = {
    "id": None,
    "term": st.column_config.TextColumn(t("about_term"), width="medium"),
    "definition": st.column_config.TextColumn(t("definition"), width="large"),
    "source": st.column_config.TextColumn(t("about_defining_source"), width="medium"),
}
st.subheader(t("about_glossary_of_outcome_measures"))
st.dataframe(pd.DataFrame(vocab.glossary("outcome_measures", lang)), hide_index=True, width="stretch", column_config=glossary_config)
st.subheader(t("about_mechanisms"))
st.dataframe(pd.DataFrame(vocab.glossary("mechanisms", lang)), hide_index=True, width="stretch", column_config=glossary_config)
st.subheader(t("about_therapy_classes"))
st.dataframe(pd.DataFrame(vocab.glossary("therapy_classes", lang)), hide_index=True, width="stretch", column_config=glossary_config)

st.subheader(t("about_methods_title"))
for section in ("pooling", "rob", "certainty"):
    with st.expander(t(f"about_{section}_title")):
        st.markdown(t(f"about_{section}_text"))
with st.expander(t("about_references_title")):
    st.markdown(t("about_references_text"))

st.subheader(t("about_known_limitations"))
st.markdown(t("about_limitations"))

st.subheader(t("cite_atlas"))
st.code(
    f"RheumCell Atlas, data version {atlas.release.version} (checked {atlas.release.checked.isoformat()}). "
    "Cite the original studies for any figure you use.",
    language=None,
)
st.subheader(t("about_data_releases"))
st.dataframe(releases(), hide_index=True, width="stretch")
