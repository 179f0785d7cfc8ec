"""The one place the app gets its data: the validated atlas, cached until a data file changes, plus this session's uploads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from evidence import Atlas, data_fingerprint, load_atlas
from evidence.paths import DATA_DIR

UPLOADS_KEY = "uploaded_tables"


@st.cache_data(show_spinner=False, max_entries=4)
def _load_atlas(fingerprint: tuple) -> Atlas:
    # the fingerprint (names, sizes, mtimes of data/) is the cache key: an edited YAML reloads without a restart
    return load_atlas(DATA_DIR)


def load_atlas_cached() -> Atlas:
    return _load_atlas(data_fingerprint(DATA_DIR))


def uploaded_tables() -> dict[str, pd.DataFrame] | None:
    return st.session_state.get(UPLOADS_KEY)


def session_atlas() -> Atlas:
    """The curated atlas, with this session's uploaded studies appended (marked origin = 'uploaded')."""
    atlas = load_atlas_cached()
    uploads = uploaded_tables()
    if not uploads:
        return atlas
    from evidence.uploads import merge_uploads

    return merge_uploads(atlas, uploads)
