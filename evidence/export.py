"""Downloads of exactly the filtered rows: CSV, Excel, BibTeX and RIS, with readable columns and no live formulas.

Spreadsheet formula injection (OWASP "CSV injection"): a text cell starting with = + - @ tab or carriage
return is run as a formula by Excel/LibreOffice. Such cells are prefixed with a single quote; numeric
columns are never touched, so a negative count stays a number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import bibtexparser
import pandas as pd
import rispy
from bibtexparser import model as bib

from evidence.filters import Filters, filter_evidence, studies_in
from evidence.labels import readable_table
from evidence.load import Atlas, Release
from evidence.tables import SAFETY_COUNTS

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Every number is followed by its grade and both addresses: canonical (source_url) and the page actually read (read_at).
EXPORT_COLUMNS = [
    "study_id", "first_author", "year", "title", "journal", "publication_type", "meeting", "abstract_number", "doi",
    "pmid", "nct_ids", "country", "design", "evidence_level", "therapy_class", "therapy", "target", "cell_source",
    "tissue_source", "engineering", "mechanisms", "dose", "conditioning", "disease", "disease_subtype",
    "n_patients", "n_grade", "n_source_url", "n_read_at",
    "outcome_measure", "timepoint_months", "timepoint_label", "responders", "evaluated", "percent_reported", "value",
    "value_kind", "comparator_label", "comparator_responders", "comparator_evaluated", "comparator_percent",
    "grade", "source_url", "read_at", "source_note",
    "safety_n", "safety_grade", "safety_source_url", "safety_read_at",
    *(column for count in SAFETY_COUNTS for column in (count, f"{count}_grade", f"{count}_source_url", f"{count}_read_at")),
    "follow_up_months", "follow_up_grade", "follow_up_source_url", "follow_up_read_at",
    "is_current", "supersedes", "superseded_by", "origin",
]
STUDY_EXPORT_COLUMNS = [
    "study_id", "first_author", "year", "title", "journal", "publication_type", "meeting", "abstract_number", "doi",
    "pmid", "nct_ids", "country", "design", "evidence_level", "therapy_class", "therapy", "target", "cell_source",
    "tissue_source", "engineering", "mechanisms", "dose", "conditioning", "follow_up_months", "follow_up_kind",
    "follow_up_grade", "follow_up_source_url", "follow_up_read_at", "follow_up_source_note", "supersedes",
    "superseded_by", "is_current", "origin",
]


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix a quote to text cells a spreadsheet would evaluate; leaves numeric and boolean columns as they are."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column]):
            continue
        values = frame[column].astype("object")
        risky = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES))
        frame[column] = values.where(~risky, "'" + values.astype(str))
    return frame


def export_filename(release: Release, filters: Filters, extension: str, today: dt.date | None = None) -> str:
    """e.g. rheumcell-atlas_2026-11-25_v1_sle-car_t.csv: data date, data version and the main filters."""
    parts = [*filters.diseases[:2], *filters.therapy_classes[:2], *filters.targets[:2]]
    slug = "-".join(re.sub(r"[^a-z0-9_]+", "", p.lower()) for p in parts) or "all"
    date = (today or release.checked).isoformat()
    return f"rheumcell-atlas_{date}_v{release.version}_{slug}.{extension}"


def evidence_rows(view: pd.DataFrame, vocab, lang: str = "en") -> pd.DataFrame:
    """The evidence rows as a reader sees them: labels instead of codes, readable column names, formulas neutralised."""
    return neutralise_formulas(readable_table(view[EXPORT_COLUMNS], vocab, lang))


def to_csv_bytes(view: pd.DataFrame, vocab, lang: str = "en") -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Chinese text correctly."""
    return evidence_rows(view, vocab, lang).to_csv(index=False, quoting=csv.QUOTE_MINIMAL).encode("utf-8-sig")


def citation_table(studies: pd.DataFrame) -> pd.DataFrame:
    """One row per study: a formatted reference with its identifiers, oldest first."""
    def reference(row) -> str:
        ids = [f"doi:{row.doi}" if pd.notna(row.doi) else "", f"PMID:{row.pmid}" if pd.notna(row.pmid) else ""]
        return f"{row.first_author} et al. {row.title}. {row.journal}. {row.year}. " + " ".join(i for i in ids if i)

    ordered = studies.sort_values(["year", "first_author"])
    return pd.DataFrame({"Study": ordered["study_id"].to_numpy(), "Reference": [reference(r) for r in ordered.itertuples()]})


def filters_sheet(filters: Filters, release: Release, view: pd.DataFrame) -> pd.DataFrame:
    active = filters.active()
    rows = [("Atlas", "RheumCell Atlas"), ("Data version", release.version), ("Data checked", release.checked.isoformat()),
            ("Exported", dt.date.today().isoformat()), ("Evidence rows", len(view)), ("Studies", view["study_id"].nunique())]
    rows += [(f"Filter: {name}", ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)) for name, value in active.items()]
    if "tier" not in active:
        rows.append(("Filter: tier", "newest (default: newest report of each cohort)"))
    return pd.DataFrame(rows, columns=["Item", "Value"])


def to_xlsx_bytes(atlas: Atlas, view: pd.DataFrame, filters: Filters, lang: str = "en") -> bytes:
    """Sheets: evidence, studies, safety, citations, filters (what was applied, data date, atlas version)."""
    studies = studies_in(view, atlas.studies)
    safety = atlas.safety[atlas.safety["study_id"].isin(studies["study_id"])]
    sheets = {
        "Evidence": evidence_rows(view, atlas.vocabulary, lang),
        "Studies": neutralise_formulas(readable_table(studies[STUDY_EXPORT_COLUMNS], atlas.vocabulary, lang)),
        "Safety": neutralise_formulas(readable_table(safety, atlas.vocabulary, lang)),
        "Citations": neutralise_formulas(citation_table(studies)),
        "Filters": neutralise_formulas(filters_sheet(filters, atlas.release, view)),
    }
    buffer = io.BytesIO()
    # strings_to_formulas=False: even an unneutralised string would be stored as text, never as a formula
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            writer.sheets[name].freeze_panes(1, 0)
    return buffer.getvalue()


def tables_to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """Small derived tables (a comparison, a matrix) as one workbook, one sheet each, formulas neutralised."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as writer:
        for name, frame in sheets.items():
            neutralise_formulas(frame).to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()


def _authors(first_author: str) -> str:
    return f"{first_author} and others"


def to_bibtex(studies: pd.DataFrame) -> str:
    entries = []
    for row in studies.sort_values(["year", "first_author"]).itertuples():
        fields = [bib.Field("author", _authors(row.first_author)), bib.Field("title", str(row.title)),
                  bib.Field("journal", str(row.journal)), bib.Field("year", str(row.year))]
        if pd.notna(row.doi):
            fields.append(bib.Field("doi", str(row.doi)))
        if pd.notna(row.pmid):
            fields.append(bib.Field("pmid", str(row.pmid)))
        entries.append(bib.Entry("article", row.study_id, fields))
    return bibtexparser.write_string(bibtexparser.Library(entries))


def to_ris(studies: pd.DataFrame) -> str:
    records = []
    for row in studies.sort_values(["year", "first_author"]).itertuples():
        record = {"type_of_reference": "JOUR", "id": row.study_id, "authors": [row.first_author], "title": str(row.title),
                  "journal_name": str(row.journal), "year": str(row.year)}
        if pd.notna(row.doi):
            record["doi"] = str(row.doi)
            record["urls"] = [f"https://doi.org/{row.doi}"]
        if pd.notna(row.pmid):
            record["accession_number"] = str(row.pmid)
        records.append(record)
    return rispy.dumps(records)


def export_file(atlas: Atlas, filters: Filters, file_format: str, output: Path, lang: str = "en") -> int:
    """Write the filtered evidence (or its citations) to `output`; returns the number of evidence rows exported."""
    view = filter_evidence(atlas.evidence, filters)
    studies = studies_in(view, atlas.studies)
    writers = {
        "csv": lambda: to_csv_bytes(view, atlas.vocabulary, lang),
        "xlsx": lambda: to_xlsx_bytes(atlas, view, filters, lang),
        "bib": lambda: to_bibtex(studies).encode("utf-8"),
        "ris": lambda: to_ris(studies).encode("utf-8"),
    }
    Path(output).write_bytes(writers[file_format]())
    return len(view)

