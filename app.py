"""RheumCell Atlas: router and frame only — page config, shared sidebar (language, filters, data date), navigation."""

import streamlit as st

from components.data import prepare_session_atlas
from components.filters import seed_from_url, sidebar_filters, sync_url
from components.frame import (
    render_language_switch,
    render_page_notes,
    render_sidebar_footer,
)
from components.i18n import t

st.set_page_config(page_title="RheumCell Atlas", page_icon="🧬", layout="wide")

PAGES = {
    "home": ("pages/home.py", "page_home", "🏠"),
    "explorer": ("pages/explorer.py", "page_explorer", "🔎"),
    "maps": ("pages/maps.py", "page_maps", "🗺️"),
    "compare": ("pages/compare.py", "page_compare", "⚖️"),
    "trials": ("pages/trials.py", "page_trials", "🧪"),
    "upload": ("pages/upload.py", "page_upload", "📤"),
    "about": ("pages/about.py", "page_about", "📖"),
}

atlas = prepare_session_atlas()
if seed_from_url(atlas):  # before any widget exists, so the URL can set their state
    atlas = prepare_session_atlas()  # the URL may have switched on "only numbers read in the article itself"
render_language_switch()
filters = sidebar_filters(atlas)
st.session_state["filters"] = filters
sync_url(filters)
render_sidebar_footer(atlas)
render_page_notes()  # ignored link parameters, uploaded-studies badge: above every page

navigation = st.navigation(
    [
        # the default page lives at the site root, so it takes no url_path of its own
        st.Page(path, title=t(title), icon=icon, default=True) if name == "home" else st.Page(path, title=t(title), icon=icon, url_path=name)
        for name, (path, title, icon) in PAGES.items()
    ]
)
navigation.run()
