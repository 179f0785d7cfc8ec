"""Downloads open in real parsers and hold exactly the filtered rows; spreadsheet formulas are neutralised."""

from __future__ import annotations

import io
import subprocess
import sys

import bibtexparser
import openpyxl
import pandas as pd
import pytest
import rispy

from evidence import load_atlas
from evidence.export import (
    export_filename,
    neutralise_formulas,
    to_bibtex,
    to_csv_bytes,
    to_ris,
    to_xlsx_bytes,
)
from evidence.filters import Filters, filter_evidence, studies_in
from evidence.paths import PROJECT_ROOT
from tests.conftest import study, write_data_dir

SLE = Filters(diseases=("sle",))


def test_csv_has_a_bom_readable_columns_and_exactly_the_filtered_rows(atlas):
    view = filter_evidence(atlas.evidence, SLE)
    raw = to_csv_bytes(view, atlas.vocabulary)
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert len(table) == len(view)
    assert list(table["Study"]) == list(view["study_id"])
    assert set(table["Disease"]) == {"Systemic lupus erythematosus"}
    assert "responders" not in table.columns and "Responders" in table.columns


def test_chinese_csv_uses_chinese_labels(atlas):
    view = filter_evidence(atlas.evidence, SLE)
    table = pd.read_csv(io.BytesIO(to_csv_bytes(view, atlas.vocabulary, "zh")), encoding="utf-8-sig")
    assert set(table["疾病"]) == {"系统性红斑狼疮"}


def test_xlsx_has_every_sheet_with_the_right_rows(atlas):
    filters = Filters(therapy_classes=("msc",))
    view = filter_evidence(atlas.evidence, filters)
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(atlas, view, filters)))
    assert book.sheetnames == ["Evidence", "Studies", "Safety", "Citations", "Filters"]
    evidence_sheet = pd.read_excel(io.BytesIO(to_xlsx_bytes(atlas, view, filters)), sheet_name=None)
    assert len(evidence_sheet["Evidence"]) == len(view)
    assert set(evidence_sheet["Studies"]["Study"]) == set(view["study_id"])
    assert set(evidence_sheet["Citations"]["Study"]) == set(view["study_id"])
    filters_sheet = dict(zip(evidence_sheet["Filters"]["Item"], evidence_sheet["Filters"]["Value"].astype(str)))
    assert filters_sheet["Filter: therapy_classes"] == "msc"
    assert filters_sheet["Data version"] == atlas.release.version
    assert filters_sheet["Evidence rows"] == str(len(view))


def test_bibtex_and_ris_parse_and_list_each_study_once(atlas):
    view = filter_evidence(atlas.evidence, SLE)
    studies = studies_in(view, atlas.studies)
    library = bibtexparser.parse_string(to_bibtex(studies))
    assert not library.failed_blocks
    assert sorted(entry.key for entry in library.entries) == sorted(studies["study_id"])
    some = next(e for e in library.entries if e.key == studies.iloc[0]["study_id"])
    assert some.fields_dict["year"].value == str(studies.iloc[0]["year"])
    records = rispy.loads(to_ris(studies))
    assert sorted(r["id"] for r in records) == sorted(studies["study_id"])
    assert all(r["type_of_reference"] == "JOUR" for r in records)


def test_file_names_carry_date_version_and_filters(atlas):
    name = export_filename(atlas.release, Filters(diseases=("sle",), therapy_classes=("car_t",)), "csv")
    assert name == f"rheumcell-atlas_{atlas.release.checked.isoformat()}_v{atlas.release.version}_sle-car_t.csv"
    assert export_filename(atlas.release, Filters(), "xlsx").endswith("_all.xlsx")


def test_neutralise_formulas_prefixes_text_and_leaves_numbers():
    frame = pd.DataFrame({"text": ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "plain", None], "count": [-1, 2, 3, 4, 5, 6, 7, 8]})
    safe = neutralise_formulas(frame)
    assert list(safe["text"][:6]) == ["'=1+1", "'+cmd", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx"]
    assert safe["text"][6] == "plain" and pd.isna(safe["text"][7])
    assert list(safe["count"]) == list(frame["count"]) and safe["count"].dtype == frame["count"].dtype


@pytest.fixture()
def hostile_atlas(tmp_path):
    record = study("hostile-study", title='=HYPERLINK("https://evil.example","click")')
    record["therapy"]["product"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    return load_atlas(write_data_dir(tmp_path / "data", [record]))


def test_formula_injection_is_neutralised_in_csv_and_excel(hostile_atlas):
    view = filter_evidence(hostile_atlas.evidence, Filters())
    table = pd.read_csv(io.BytesIO(to_csv_bytes(view, hostile_atlas.vocabulary)), encoding="utf-8-sig")
    assert table["Title"][0].startswith("'=HYPERLINK")
    assert table["Product"][0].startswith("'@SUM")
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(hostile_atlas, view, Filters())))
    sheet = book["Evidence"]
    headers = [c.value for c in sheet[1]]
    title = sheet.cell(row=2, column=headers.index("Title") + 1)
    assert title.data_type == "s" and title.value.startswith("'=")  # a string, never a formula cell
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.cell(row=2, column=headers.index("Patients treated") + 1).data_type == "n"


def test_cli_export_writes_the_same_rows_as_the_app_filter(atlas, tmp_path):
    output = tmp_path / "sle.csv"
    result = subprocess.run([sys.executable, "-m", "evidence", "export", "--disease", "sle", "--therapy-class", "car_t", "-o", str(output)],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(output, encoding="utf-8-sig")
    expected = filter_evidence(atlas.evidence, Filters(diseases=("sle",), therapy_classes=("car_t",)))
    assert list(table["Study"]) == list(expected["study_id"])
    xlsx = tmp_path / "sle.xlsx"
    subprocess.run([sys.executable, "-m", "evidence", "export", "--disease", "sle", "--format", "xlsx", "-o", str(xlsx)], cwd=PROJECT_ROOT, check=True, timeout=120)
    assert len(pd.read_excel(xlsx, sheet_name="Evidence")) == len(filter_evidence(atlas.evidence, SLE))


def test_derived_tables_workbook_opens_with_every_sheet_and_neutralised_text():
    from evidence.export import tables_to_xlsx

    comparison = pd.DataFrame({"Therapy": ["CAR-T · CD19", "=evil()"], "Patients": [23, 12]})
    per_study = pd.DataFrame({"label": ["A 2024", "B 2025"], "responders": [5, 2], "evaluated": [5, 8]})
    sheets = pd.read_excel(io.BytesIO(tables_to_xlsx({"Comparison": comparison, "Per-study data": per_study})), sheet_name=None)
    assert list(sheets) == ["Comparison", "Per-study data"]
    assert list(sheets["Comparison"]["Therapy"]) == ["CAR-T · CD19", "'=evil()"]
    assert list(sheets["Per-study data"]["responders"]) == [5, 2]
