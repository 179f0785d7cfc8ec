"""Pieces of the shared frame: language switch, sidebar footer, the notes every page shows above its content."""

from __future__ import annotations

import streamlit as st

from components.data import UPLOADS_KEY, article_only_on, exclude_high_risk_on, hidden_numbers, high_risk_studies, uploaded_tables
from components.filters import url_notes
from components.i18n import LANG_KEY, t
from evidence import Atlas

LANGUAGE_NAMES = {"en": "English", "zh": "中文"}


def render_language_switch() -> None:
    st.session_state.setdefault(LANG_KEY, "en")
    st.sidebar.radio(t("language"), list(LANGUAGE_NAMES), format_func=LANGUAGE_NAMES.get, key=LANG_KEY, horizontal=True)


def render_sidebar_footer(atlas: Atlas) -> None:
    release = atlas.release
    st.sidebar.caption(f"{t('data_version')} {release.version} · {t('data_checked')} {release.checked.isoformat()}")
    st.sidebar.caption(t("not_advice"))


def render_page_notes() -> None:
    """Link parameters that were ignored, the article-only note and the uploaded-studies badge; above every page."""
    notes = url_notes()
    if notes:
        st.info(f"{t('ignored_params')}: " + "; ".join(notes), icon="ℹ️")
    if article_only_on():
        st.info(t("article_only_on", n=hidden_numbers()), icon="📄")
    if exclude_high_risk_on():
        st.info(t("exclude_high_risk_on", n=high_risk_studies()), icon="⚖️")
    uploads = uploaded_tables()
    if uploads:
        badge, remove = st.columns([4, 1])
        badge.warning(t("uploaded_badge", n=len(uploads["studies"])), icon="📤")
        remove.button(t("remove_uploads"), key="remove_uploads", on_click=lambda: st.session_state.pop(UPLOADS_KEY, None))
