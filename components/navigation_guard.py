"""Make a deep link work on a fresh server although our page scripts live in a folder named `pages/`.

Streamlit 1.67 treats an app with a `pages/` folder as a legacy multipage app until `st.navigation` has run
once in the process: the very first visitor who opens /explorer directly gets pages/explorer.py run alone,
without app.py (no sidebar, no filters). Each page calls `ensure_navigation_mode()` first; in that legacy run
it switches the process to navigation mode and reruns, so app.py frames the page as usual.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_navigation_mode() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
