"""A reader's own evidence: the upload template, reading CSV/XLSX/YAML safely, and validation by the same schema as data/.

Uploads live in the reader's session only; nothing here writes to disk.
Spreadsheet format: one row per study × disease cohort × outcome (like the export); study-level columns
repeat on each row of a study. Row numbers in messages are spreadsheet rows (the header is row 1).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

import pandas as pd

from evidence.load import Atlas
from evidence.problems import Problem
from evidence.schema import Study
from evidence.tables import (
    COHORT_COLUMNS,
    EVIDENCE_COLUMNS,
    SAFETY_COLUMNS,
    SAFETY_COUNTS,
    STUDY_COLUMNS,
    build_tables,
    typed,
)
from evidence.validate import check_links, validate_record
from evidence.vocabulary import Vocabulary

MAX_BYTES = 5 * 1024 * 1024  # refused above this with a message (the server's own limit is in .streamlit/config.toml)
MAX_ROWS = 5_000
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")  # UTF-8 (with or without BOM), then GBK/GB18030 from Chinese Excel

TEMPLATE_COLUMNS = [
    "study_id", "first_author", "year", "title", "journal", "doi", "pmid", "nct_ids", "country", "design",
    "therapy_class", "product", "target", "cell_source", "tissue_source", "engineering", "mechanisms", "dose",
    "conditioning", "follow_up_months", "disease", "disease_subtype", "n_patients", "outcome_measure",
    "timepoint_months", "responders", "evaluated", "percent", "safety_n", *SAFETY_COUNTS, "supersedes",
    "source_url", "grade", "read_at", "source_note",
]
CODED_TEMPLATE_COLUMNS = {
    "design": "designs", "therapy_class": "therapy_classes", "target": "targets", "cell_source": "cell_sources",
    "tissue_source": "tissue_sources", "engineering": "engineering", "disease": "diseases", "outcome_measure": "outcome_measures",
    "grade": "grades",
}
REQUIRED_COLUMNS = ["study_id", "first_author", "year", "title", "journal", "design", "therapy_class", "product", "target",
                    "cell_source", "engineering", "mechanisms", "disease", "n_patients", "source_url", "grade", "source_note"]
EXAMPLE_ROW = {
    "study_id": "example-2024-sle-cd19", "first_author": "Example A", "year": 2024, "title": "Replace this row with your own study",
    "journal": "Journal name", "doi": "10.1000/example", "pmid": "", "nct_ids": "", "country": "Germany", "design": "case_series",
    "therapy_class": "car_t", "product": "Autologous CD19 CAR-T", "target": "cd19", "cell_source": "autologous",
    "tissue_source": "peripheral_blood", "engineering": "lentiviral", "mechanisms": "b_cell_depletion; immune_reset", "dose": "",
    "conditioning": "", "follow_up_months": 12, "disease": "sle", "disease_subtype": "", "n_patients": 5,
    "outcome_measure": "doris_remission", "timepoint_months": 6, "responders": 4, "evaluated": 5, "percent": "", "safety_n": 5,
    "crs_any": 3, "crs_grade3plus": 0, "icans_any": 0, "icans_grade3plus": 0, "serious_infections": "", "deaths": 0,
    "supersedes": "", "source_url": "https://pubmed.ncbi.nlm.nih.gov/00000000/", "grade": "article", "read_at": "", "source_note": "Abstract, results: DORIS at 6 months of all treated.",
}


@dataclass(frozen=True)
class UploadResult:
    studies: list[Study]
    problems: list[Problem]
    rows: int

    @property
    def ok(self) -> bool:
        return bool(self.studies) and not self.problems


def template_frame() -> pd.DataFrame:
    return pd.DataFrame([EXAMPLE_ROW], columns=TEMPLATE_COLUMNS)


def template_csv() -> bytes:
    return template_frame().to_csv(index=False).encode("utf-8-sig")


def template_xlsx(vocab: Vocabulary) -> bytes:
    """The template with a drop-down list (data validation) of vocabulary ids on every coded column."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False}}) as writer:
        template_frame().to_excel(writer, sheet_name="Evidence", index=False)
        lists = {column: vocab.ids(category) for column, category in CODED_TEMPLATE_COLUMNS.items()}
        lists["disease_subtype"] = list(vocab.all_subtypes)
        vocabulary = pd.DataFrame({column: pd.Series(ids) for column, ids in lists.items()})
        vocabulary.to_excel(writer, sheet_name="Vocabulary", index=False)
        sheet = writer.sheets["Evidence"]
        for column, ids in lists.items():
            index = TEMPLATE_COLUMNS.index(column)
            source_col = list(vocabulary.columns).index(column)
            letter = _column_letter(source_col)
            sheet.data_validation(1, index, MAX_ROWS, index, {
                "validate": "list", "source": f"=Vocabulary!${letter}$2:${letter}${len(ids) + 1}",
                "error_title": "Not in the vocabulary", "error_message": f"Choose a {column} from the list (sheet Vocabulary).",
            })
        sheet.freeze_panes(1, 0)
    return buffer.getvalue()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _decode(data: bytes) -> str:
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("the file is neither UTF-8 nor GBK/GB18030 text")


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or (isinstance(value, str) and not value.strip())


def _number(value):
    """Spreadsheet cells come as text or floats: whole numbers become ints, so the schema can check them strictly."""
    if _blank(value):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text)
        except ValueError:
            return text  # the schema will say it is not a number
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text(value):
    return None if _blank(value) else str(value).strip()


def _listed(value) -> list[str]:
    return [part.strip() for part in str(value).replace("；", ";").split(";") if part.strip()] if not _blank(value) else []


def _provenance(row) -> dict:
    """A row's provenance applies to every number on that row (an upload sheet has one source per row)."""
    fields = {"source_url": _text(row.get("source_url")), "grade": _text(row.get("grade"))}
    if not _blank(row.get("read_at")):
        fields["read_at"] = _text(row.get("read_at"))
    return {**fields, "source_note": _text(row.get("source_note"))}


def _study_from_rows(rows: pd.DataFrame) -> dict:
    first = rows.iloc[0]
    source = _provenance(first)
    record = {
        "id": _text(first["study_id"]),
        "citation": {
            "first_author": _text(first.get("first_author")), "year": _number(first.get("year")), "title": _text(first.get("title")),
            "journal": _text(first.get("journal")), "doi": _text(first.get("doi")), "pmid": _number(first.get("pmid")),
            "nct_ids": _listed(first.get("nct_ids")), "country": _text(first.get("country")),
        },
        "design": _text(first.get("design")),
        "therapy": {
            "therapy_class": _text(first.get("therapy_class")), "product": _text(first.get("product")), "target": _text(first.get("target")),
            "cell_source": _text(first.get("cell_source")), "tissue_source": _text(first.get("tissue_source")),
            "engineering": _text(first.get("engineering")), "mechanisms": _listed(first.get("mechanisms")),
            "dose": _text(first.get("dose")), "conditioning": _text(first.get("conditioning")),
        },
        "supersedes": _listed(first.get("supersedes")),
        "cohorts": [],
    }
    if not _blank(first.get("follow_up_months")):
        record["follow_up_months"] = {"value": _number(first.get("follow_up_months")), "kind": "median", **source}
    if not _blank(first.get("safety_n")):
        record["safety"] = {"n_patients": _number(first.get("safety_n")), **{name: _number(first.get(name)) for name in SAFETY_COUNTS}, **source}
    for (disease, subtype), cohort_rows in rows.groupby([rows["disease"].fillna(""), rows["disease_subtype"].fillna("")], sort=False):
        head = cohort_rows.iloc[0]
        cohort = {"disease": _text(disease), "subtype": _text(subtype),
                  "n_patients": {"value": _number(head.get("n_patients")), **_provenance(head)},
                  "outcomes": []}
        for _, row in cohort_rows.iterrows():
            if _blank(row.get("outcome_measure")):
                continue
            cohort["outcomes"].append({
                "measure": _text(row.get("outcome_measure")), "timepoint_months": _number(row.get("timepoint_months")),
                "responders": _number(row.get("responders")), "evaluated": _number(row.get("evaluated")), "percent": _number(row.get("percent")),
                **_provenance(row),
            })
        record["cohorts"].append(cohort)
    return record


def _locate(problem: Problem, rows: pd.DataFrame, file_name: str) -> Problem:
    """Put a record-level problem on the spreadsheet row and column it comes from."""
    spreadsheet_rows = [int(i) + 2 for i in rows.index]  # header is row 1
    field = problem.field
    last = field.split(".")[-1].split("[")[0] if field and field != "-" else "-"
    column = {
        "id": "study_id", "value": "n_patients" if "n_patients" in field else "follow_up_months", "measure": "outcome_measure",
        "outcomes": "responders, evaluated", "cohorts": "evaluated, n_patients", "therapy": "therapy_class, target",
        "citation": "doi, pmid", "safety": "safety_n, safety counts", "subtype": "disease_subtype", "n_patients": "safety_n" if field.startswith("safety") else "n_patients",
    }.get(last, last)
    if field.startswith("cohorts") and ".outcomes[" in field:
        cohort_index = int(field.split("[")[1].split("]")[0])
        outcome_index = int(field.split(".outcomes[")[1].split("]")[0])
        cohorts = list(rows.groupby([rows["disease"].fillna(""), rows["disease_subtype"].fillna("")], sort=False))
        if cohort_index < len(cohorts):
            with_outcome = cohorts[cohort_index][1]
            with_outcome = with_outcome[~with_outcome["outcome_measure"].map(_blank)]
            if outcome_index < len(with_outcome):
                spreadsheet_rows = [int(with_outcome.index[outcome_index]) + 2]
    return Problem(file_name, spreadsheet_rows[0], problem.study, column, problem.message)


def read_table(file_name: str, data: bytes) -> pd.DataFrame:
    """CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX into a frame of text cells; raises ValueError with a plain reason."""
    name = file_name.lower()
    if name.endswith(".csv"):
        text = _decode(data)
        if not text.strip():
            raise ValueError("the file is empty")
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    if name.endswith(".xlsx"):
        try:
            return pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=object)
        except Exception as error:  # openpyxl raises many kinds for a corrupt workbook; the reader needs one sentence
            raise ValueError(f"not a readable Excel workbook ({type(error).__name__})") from None
    raise ValueError("only .csv, .xlsx, .yaml or .yml files are accepted")


def validate_upload(file_name: str, data: bytes, vocab: Vocabulary, curated_ids: set[str]) -> UploadResult:
    """Parse and validate an upload; never raises. Problems name the row (or YAML line), the column (field) and the reason."""
    if not data:
        return UploadResult([], [Problem(file_name, None, "", "-", "the file is empty")], 0)
    if len(data) > MAX_BYTES:
        return UploadResult([], [Problem(file_name, None, "", "-", f"the file is {len(data) / 1e6:.1f} MB; uploads are limited to {MAX_BYTES / 1e6:.0f} MB")], 0)
    if file_name.lower().endswith((".yaml", ".yml")):
        return _validate_yaml(file_name, data, vocab, curated_ids)
    try:
        frame = read_table(file_name, data)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as error:
        return UploadResult([], [Problem(file_name, None, "", "-", str(error).splitlines()[0])], 0)
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        return UploadResult([], [Problem(file_name, 1, "", ", ".join(missing), "required column(s) missing: use the template")], len(frame))
    if len(frame) > MAX_ROWS:
        return UploadResult([], [Problem(file_name, None, "", "-", f"{len(frame)} rows; uploads are limited to {MAX_ROWS} rows")], len(frame))
    frame = frame[~frame.apply(lambda row: all(_blank(v) for v in row), axis=1)]
    if frame.empty:
        return UploadResult([], [Problem(file_name, None, "", "-", "the file has a header but no rows")], 0)
    for column in TEMPLATE_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    studies, problems = [], []
    for study_id, rows in frame.groupby(frame["study_id"].map(_text).fillna(""), sort=False):
        if not study_id:
            problems.append(Problem(file_name, int(rows.index[0]) + 2, "", "study_id", "study_id is blank"))
            continue
        record, record_problems = validate_record(_study_from_rows(rows), file_name, "", vocab)
        problems += [_locate(p, rows, file_name) for p in record_problems]
        if record is not None and not record_problems:
            studies.append(record)
    problems += _clashes(studies, curated_ids, file_name)
    return UploadResult(studies, problems, len(frame))


def _validate_yaml(file_name: str, data: bytes, vocab: Vocabulary, curated_ids: set[str]) -> UploadResult:
    """A YAML upload holds study records in the data/ format: one mapping, or a list of them."""
    try:
        text = _decode(data)
    except ValueError as error:
        return UploadResult([], [Problem(file_name, None, "", "-", str(error))], 0)
    from evidence.yaml_source import YamlSyntaxError, parse_yaml_text

    try:
        raw = parse_yaml_text(text)
    except YamlSyntaxError as error:
        return UploadResult([], [Problem(file_name, error.line, "", "-", str(error))], 0)
    records = raw if isinstance(raw, list) else [raw]
    studies, problems = [], []
    for index, item in enumerate(records):
        at = (index,) if isinstance(raw, list) else ()
        record, record_problems = validate_record(item, file_name, text, vocab, at=at)
        problems += record_problems
        if record is not None and not record_problems:
            studies.append(record)
    problems += _clashes(studies, curated_ids, file_name)
    return UploadResult(studies, problems, len(records))


def _clashes(studies: list[Study], curated_ids: set[str], file_name: str) -> list[Problem]:
    """Uploaded ids must be new and unique; supersedes may point at curated or uploaded studies."""
    problems = [Problem(file_name, None, s.id, "study_id", "this id is already used by a curated study; choose another") for s in studies if s.id in curated_ids]
    known = curated_ids | {s.id for s in studies}
    linked = [s for s in studies if all(target in known for target in s.supersedes)]
    problems += [Problem(file_name, None, s.id, "supersedes", "points at a study that is neither curated nor in this upload") for s in studies if s not in linked]
    problems += [p for p in check_links(studies, {s.id: file_name for s in studies}, {}) if "not a loaded study" not in p.message]
    return problems


def merge_uploads(atlas: Atlas, uploads: dict) -> Atlas:
    """The atlas with uploaded studies appended (origin = 'uploaded'); an upload may supersede a curated report."""
    studies: list[Study] = uploads["studies"]
    tables = build_tables(studies, {s.id: uploads.get("file", "upload") for s in studies}, atlas.vocabulary, origin="uploaded")
    superseded = {old for s in studies for old in s.supersedes}

    def combined(curated: pd.DataFrame, added: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        frame = pd.concat([curated.astype(object), added.astype(object)], ignore_index=True)
        if "is_current" in frame:
            frame["is_current"] = frame["is_current"].astype(bool) & ~frame["study_id"].isin(superseded)
        return typed(frame, columns)

    return replace(
        atlas,
        evidence=combined(atlas.evidence, tables["evidence"], EVIDENCE_COLUMNS),
        studies=combined(atlas.studies, tables["studies"], STUDY_COLUMNS),
        safety=combined(atlas.safety, tables["safety"], SAFETY_COLUMNS),
        cohorts=combined(atlas.cohorts, tables["cohorts"], COHORT_COLUMNS),
    )


