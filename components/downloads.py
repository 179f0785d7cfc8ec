"""Download buttons for exactly the rows on screen; each file is built only when its button is clicked."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.i18n import current_language, t
from evidence import Atlas
from evidence.export import (
    export_filename,
    to_bibtex,
    to_csv_bytes,
    to_ris,
    to_xlsx_bytes,
)
from evidence.filters import Filters, studies_in

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_row(atlas: Atlas, view: pd.DataFrame, filters: Filters, key_prefix: str) -> None:
    lang = current_language()
    studies = studies_in(view, atlas.studies)
    name = lambda extension: export_filename(atlas.release, filters, extension)  # noqa: E731
    st.markdown(f"**{t('downloads')}**")
    csv_col, xlsx_col, bib_col, ris_col = st.columns(4)
    csv_col.download_button(t("download_csv"), data=lambda: to_csv_bytes(view, atlas.vocabulary, lang), file_name=name("csv"), mime="text/csv", key=f"{key_prefix}_csv", width="stretch")
    xlsx_col.download_button(t("download_xlsx"), data=lambda: to_xlsx_bytes(atlas, view, filters, lang), file_name=name("xlsx"), mime=XLSX_MIME, key=f"{key_prefix}_xlsx", width="stretch")
    bib_col.download_button(t("download_bib"), data=lambda: to_bibtex(studies), file_name=name("bib"), mime="application/x-bibtex", key=f"{key_prefix}_bib", width="stretch")
    ris_col.download_button(t("download_ris"), data=lambda: to_ris(studies), file_name=name("ris"), mime="application/x-research-info-systems", key=f"{key_prefix}_ris", width="stretch")


def table_download(frame: pd.DataFrame, file_name: str, label: str, key: str) -> None:
    """A CSV of a small derived table (a matrix, a comparison), formulas neutralised, UTF-8 with BOM."""
    from evidence.export import neutralise_formulas

    st.download_button(label, data=lambda: neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig"), file_name=file_name, mime="text/csv", key=key)


def workbook_download(sheets: dict[str, pd.DataFrame], file_name: str, label: str, key: str) -> None:
    """Several derived tables as one Excel workbook, built when clicked."""
    from evidence.export import tables_to_xlsx

    st.download_button(label, data=lambda: tables_to_xlsx(sheets), file_name=file_name, mime=XLSX_MIME, key=key)
