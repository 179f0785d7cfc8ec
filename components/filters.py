"""The shared sidebar: language switch and the global filters, kept in session state and mirrored in the URL."""

from __future__ import annotations

from dataclasses import fields

import streamlit as st

from components.data import atlas_facts, facets
from components.i18n import LANG_KEY, current_language, t
from evidence import Atlas
from evidence.filters import (
    TIERS,
    Filters,
    year_bounds,
)
from evidence.query import QUERY_KEYS, from_query_params, to_query_params

PREFIX = "flt"
SEEDED_KEY = "_filters_seeded_from_url"
URL_NOTES_KEY = "_url_notes"
# choice filters shown in the sidebar, in reading order; the rest sit under "More filters"
MAIN_CHOICES = ("diseases", "subtypes", "therapy_classes", "targets")
MORE_CHOICES = ("cell_sources", "tissue_sources", "engineering", "designs", "evidence_levels", "outcome_measures")
WIDGET_TITLES = {
    "diseases": "disease", "subtypes": "subtype", "therapy_classes": "therapy_class", "targets": "target",
    "cell_sources": "cell_source", "tissue_sources": "tissue_source", "engineering": "engineering",
    "designs": "design", "evidence_levels": "evidence_level", "outcome_measures": "outcome_measure",
}
MORE_OPEN_KEY = "sidebar_more_filters_open"  # not under PREFIX: "Reset" clears the filters, not the panel
MORE_KEYS = tuple(f"{PREFIX}_{name}" for name in (*MORE_CHOICES, "countries", "min_patients"))
VOCAB_CATEGORY = {
    "diseases": "diseases", "therapy_classes": "therapy_classes", "targets": "targets", "cell_sources": "cell_sources",
    "tissue_sources": "tissue_sources", "engineering": "engineering", "designs": "designs",
    "evidence_levels": "evidence_levels", "outcome_measures": "outcome_measures",
}


def key(name: str) -> str:
    return f"{PREFIX}_{name}"


def _url_params() -> dict:
    return {name: st.query_params.get_all(name) for name in st.query_params}


def seed_from_url(atlas: Atlas) -> bool:
    """Once per session: turn the URL's query string into widget state, noting anything ignored. True when it seeded."""
    if st.session_state.get(SEEDED_KEY):
        return False
    st.session_state[SEEDED_KEY] = True
    params = _url_params()
    filters, notes = from_query_params(params, atlas.vocabulary)
    lang = (params.get("lang") or [""])[-1]
    if lang in ("en", "zh"):
        st.session_state[LANG_KEY] = lang
    elif lang:
        notes.append("ignored unknown lang")
    write_filters_to_state(filters, atlas)
    st.session_state[URL_NOTES_KEY] = notes
    return True


def write_filters_to_state(filters: Filters, atlas: Atlas) -> None:
    """Set the widgets' state so that they show `filters` (used by the URL seed, presets and map cells)."""
    years = year_bounds(atlas.evidence)
    for name in (*MAIN_CHOICES, *MORE_CHOICES, "countries", "study_ids"):
        st.session_state[key(name)] = list(getattr(filters, name))
    low, high = filters.year_from or years[0], filters.year_to or years[1]
    st.session_state[key("years")] = (max(min(low, years[1]), years[0]), min(max(high, years[0]), years[1]))
    st.session_state[key("min_patients")] = int(filters.min_patients or 1)
    st.session_state[key("text")] = filters.text
    st.session_state[key("tier")] = filters.tier
    st.session_state[key("article_only")] = filters.article_only
    st.session_state[key("exclude_high_risk")] = filters.exclude_high_risk


def _options(atlas: Atlas, name: str, facts: dict) -> list:
    """Values present in the data, in vocabulary order, plus anything already selected (so a seeded value never breaks the widget)."""
    present = facts["values"][name]
    if name == "subtypes":
        order = list(atlas.vocabulary.all_subtypes)
    elif name == "evidence_levels":
        order = [int(level) for level in atlas.vocabulary.ids("evidence_levels")]
    else:
        order = atlas.vocabulary.ids(VOCAB_CATEGORY[name])
    selected = st.session_state.get(key(name), [])
    return [value for value in order if value in present or value in selected]


def _label(atlas: Atlas, name: str, value, lang: str) -> str:
    if name == "subtypes":
        return atlas.vocabulary.label("disease_subtypes", value, lang)
    if name == "evidence_levels":
        return atlas.vocabulary.label("evidence_levels", str(value), lang)
    return atlas.vocabulary.label(VOCAB_CATEGORY[name], value, lang)


def _choice_widget(atlas: Atlas, name: str, counts: dict, lang: str, facts: dict) -> None:
    st.multiselect(
        t(WIDGET_TITLES[name]),
        options=_options(atlas, name, facts),
        format_func=lambda value: f"{_label(atlas, name, value, lang)} ({counts.get(value, 0)})",
        key=key(name),
        placeholder="—",
    )


def filters_from_state() -> Filters:
    state = st.session_state
    years = state.get(key("years"))
    min_patients = state.get(key("min_patients"), 1)
    values = {name: tuple(state.get(key(name), [])) for name in (*MAIN_CHOICES, *MORE_CHOICES, "countries", "study_ids")}
    return Filters(
        **values,
        year_from=years[0] if years else None,
        year_to=years[1] if years else None,
        min_patients=min_patients if min_patients and min_patients > 1 else None,
        text=state.get(key("text"), "") or "",
        tier=state.get(key("tier"), "newest"),
        article_only=bool(state.get(key("article_only"), False)),
        exclude_high_risk=bool(state.get(key("exclude_high_risk"), False)),
    )


def _drop_full_year_range(filters: Filters, atlas: Atlas) -> Filters:
    """A year slider at its full extent is no restriction; keep the URL and the export's filter sheet clean."""
    low, high = atlas_facts()["years"]
    values = {f.name: getattr(filters, f.name) for f in fields(filters)}
    if values["year_from"] == low:
        values["year_from"] = None
    if values["year_to"] == high:
        values["year_to"] = None
    return Filters(**values)


def reset_filters() -> None:
    for name in list(st.session_state):
        if name.startswith(f"{PREFIX}_"):
            del st.session_state[name]


def keep_unshown_filters() -> None:
    """The "More filters" widgets are drawn only while their toggle is on, and Streamlit forgets the value of a
    widget that a run does not draw. Writing each value back to session state at the top of the run keeps it."""
    for name in MORE_KEYS:
        if name in st.session_state:
            st.session_state[name] = st.session_state[name]


def more_filters_summary(atlas: Atlas, lang: str) -> str:
    """The active "More filters", for the caption under their switched-off toggle: a hidden filter must never be a surprise."""
    parts = [f"{t(WIDGET_TITLES[name])}: " + ", ".join(_label(atlas, name, value, lang) for value in st.session_state[key(name)])
             for name in MORE_CHOICES if st.session_state.get(key(name))]
    if st.session_state.get(key("countries")):
        parts.append(f"{t('country')}: " + ", ".join(st.session_state[key("countries")]))
    if (st.session_state.get(key("min_patients")) or 1) > 1:
        parts.append(f"{t('min_patients')}: {st.session_state[key('min_patients')]}")
    return "; ".join(parts)


def sidebar_filters(atlas: Atlas) -> Filters:
    """Draw the global filters in the sidebar and return what they select. Each option shows how many studies it holds."""
    lang = current_language()
    facts = atlas_facts()
    low, high = facts["years"]
    st.session_state.setdefault(key("years"), (low, high))
    keep_unshown_filters()
    with st.sidebar:
        st.subheader(t("filters"))
        st.toggle(t("article_only"), key=key("article_only"), help=t("article_only_help"))
        st.toggle(t("exclude_high_risk"), key=key("exclude_high_risk"), help=t("exclude_high_risk_help"))
        tier_labels = {tier: t(f"tier_{tier}") for tier in TIERS}  # resolved now: format functions may run outside the script
        st.radio(t("tier"), TIERS, format_func=tier_labels.get, key=key("tier"))
        # Eight widgets fewer on every rerun of every page while "More filters" is closed (bench/RESULTS.md)
        more_open = bool(st.session_state.get(MORE_OPEN_KEY))
        counts = facets(filters_from_state(), (*MAIN_CHOICES, *MORE_CHOICES) if more_open else MAIN_CHOICES)
        for name in MAIN_CHOICES:
            _choice_widget(atlas, name, counts[name], lang, facts)
        st.slider(t("years"), min_value=low, max_value=max(high, low + 1), key=key("years"))
        st.text_input(t("search"), key=key("text"), max_chars=200)
        # a toggle rather than an expander: the widgets below it are not drawn at all while it is off
        if st.toggle(t("more_filters"), key=MORE_OPEN_KEY):
            with st.container(border=True):
                for name in MORE_CHOICES:
                    _choice_widget(atlas, name, counts[name], lang, facts)
                countries = list(facts["countries"])
                st.session_state[key("countries")] = [c for c in st.session_state.get(key("countries"), []) if c in countries]
                st.multiselect(t("country"), countries, key=key("countries"), placeholder="—")
                st.number_input(t("min_patients"), min_value=1, max_value=10_000, step=1, key=key("min_patients"))
        elif active := more_filters_summary(atlas, lang):
            st.caption(t("more_filters_active", filters=active))
        chosen_studies = st.session_state.get(key("study_ids"), [])
        if chosen_studies:
            st.info(t("map_cell_filter", n=len(chosen_studies)))
            st.button(t("clear_map_cell"), on_click=lambda: st.session_state.update({key("study_ids"): []}), key=key("clear_studies"))
        st.button(t("reset"), on_click=reset_filters, key=key("reset_button"))
    return _drop_full_year_range(filters_from_state(), atlas)


def sync_url(filters: Filters) -> None:
    """Mirror the filters and language into the query string, touching only the keys this app owns."""
    wanted = to_query_params(filters)
    if current_language() == "zh":
        wanted["lang"] = "zh"
    for name in list(st.query_params):
        if (name in QUERY_KEYS or name == "lang") and name not in wanted:
            del st.query_params[name]
    for name, value in wanted.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value


def url_notes() -> list[str]:
    return st.session_state.get(URL_NOTES_KEY, [])
