"""The app's two cache decorators: Streamlit's, with no spinner and a cheap, exact key for the frozen records the
cached functions take (the reader's filters, the trial query, the pooling method)."""

from __future__ import annotations

import functools

import streamlit as st

from evidence.compare import PoolMethod
from evidence.filters import Filters
from evidence.trials.landscape import TrialQuery

# Streamlit hashes a dataclass by deep-copying it into a dict (dataclasses.asdict) and hashing every item: a fifth of
# a page's first run went there (bench/RESULTS.md). These records are frozen and hold only strings, numbers and tuples
# of them, so their repr names every field and value exactly.
HASH_FUNCS = {Filters: repr, TrialQuery: repr, PoolMethod: repr}

cache_data = functools.partial(st.cache_data, show_spinner=False, hash_funcs=HASH_FUNCS)
cache_resource = functools.partial(st.cache_resource, show_spinner=False, hash_funcs=HASH_FUNCS)
