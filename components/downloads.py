"""Download buttons for exactly the rows on screen.

Files are handed to Streamlit as bytes (cached per data state, filters and language) with on_click="ignore":
Streamlit 1.67's deferred downloads (a callable as data) can drop the file under concurrent sessions before the
browser fetches it (measured in bench/load.py: 12 of 20 sessions failed; 20 of 20 succeed with bytes).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.caching import cache_data
from components.data import export_bytes
from components.i18n import current_language, t
from evidence import Atlas
from evidence.export import export_filename, neutralise_formulas, tables_to_xlsx
from evidence.filters import Filters

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = [("csv", "download_csv", "text/csv"), ("xlsx", "download_xlsx", XLSX_MIME), ("bib", "download_bib", "application/x-bibtex"),
           ("ris", "download_ris", "application/x-research-info-systems")]


def download_row(atlas: Atlas, filters: Filters, key_prefix: str) -> None:
    """CSV, Excel, BibTeX and RIS of exactly the filtered rows, named with the data date, version and filters."""
    lang = current_language()
    st.markdown(f"**{t('downloads')}**")
    for column, (extension, label, mime) in zip(st.columns(len(FORMATS)), FORMATS):
        column.download_button(t(label), data=export_bytes(extension, filters, lang), file_name=export_filename(atlas.release, filters, extension),
                               mime=mime, key=f"{key_prefix}_{extension}", width="stretch", on_click="ignore")


@cache_data(max_entries=64)
def _csv(frame: pd.DataFrame) -> bytes:
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")


@cache_data(max_entries=32)
def _workbook(sheets: dict[str, pd.DataFrame]) -> bytes:
    return tables_to_xlsx(sheets)


def table_download(frame: pd.DataFrame, file_name: str, label: str, key: str) -> None:
    """A CSV of a small derived table (a matrix, a comparison), formulas neutralised, UTF-8 with BOM."""
    st.download_button(label, data=_csv(frame), file_name=file_name, mime="text/csv", key=key, on_click="ignore")


def workbook_download(sheets: dict[str, pd.DataFrame], file_name: str, label: str, key: str) -> None:
    """Several derived tables as one Excel workbook."""
    st.download_button(label, data=_workbook(sheets), file_name=file_name, mime=XLSX_MIME, key=key, on_click="ignore")
