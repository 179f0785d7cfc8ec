"""Bring-your-own evidence: every kind of bad upload is refused with its reason; a good one flows through every page."""

from __future__ import annotations

import hashlib
import io

import openpyxl
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.display import display_rows
from evidence.export import to_csv_bytes
from evidence.filters import Filters, filter_evidence
from evidence.paths import DATA_DIR
from evidence.uploads import MAX_BYTES, TEMPLATE_COLUMNS, merge_uploads, template_csv, template_frame, template_xlsx, validate_upload
from tests.conftest import study
from tests.test_pages import go, open_app

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3)) =cmd|"/c calc"!A1'


def real_rows() -> pd.DataFrame:
    """The template filled with a real report (Mackensen 2022, Nat Med) under a new id, as a reader would."""
    frame = template_frame().astype(object)
    frame.loc[0, ["study_id", "first_author", "year", "title", "journal", "doi", "pmid"]] = [
        "my-mackensen-2022", "Mackensen A", 2022, "Anti-CD19 CAR T cell therapy for refractory systemic lupus erythematosus",
        "Nature Medicine", "10.1038/s41591-022-02017-5", 36109639]
    frame.loc[0, ["n_patients", "responders", "evaluated", "timepoint_months", "safety_n", "crs_any", "crs_grade3plus"]] = [5, 5, 5, 3, 5, "", ""]
    frame.loc[0, "source_url"] = "https://pubmed.ncbi.nlm.nih.gov/36109639/"
    frame.loc[0, "source_note"] = "Abstract, results: DORIS remission at 3 months in all treated patients."
    return frame


def check(atlas, name, data):
    return validate_upload(name, data, atlas.vocabulary, set(atlas.studies["study_id"]))


def test_templates_open_and_validate(atlas):
    assert check(atlas, "t.csv", template_csv()).ok
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx(atlas.vocabulary)))
    assert workbook.sheetnames == ["Evidence", "Vocabulary"]
    validations = workbook["Evidence"].data_validations.dataValidation
    validated_columns = {TEMPLATE_COLUMNS[next(iter(v.sqref.ranges)).min_col - 1] for v in validations}
    assert {"disease", "therapy_class", "target", "outcome_measure", "design"} <= validated_columns
    assert check(atlas, "t.xlsx", template_xlsx(atlas.vocabulary)).ok


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_chinese_csv_in_every_common_encoding(atlas, encoding):
    frame = real_rows()
    frame.loc[0, "title"] = "抗CD19 CAR-T治疗难治性系统性红斑狼疮"
    result = check(atlas, "中文.csv", frame.to_csv(index=False).encode(encoding))
    assert result.ok, result.problems
    assert result.studies[0].citation.title == "抗CD19 CAR-T治疗难治性系统性红斑狼疮"


@pytest.mark.parametrize(
    ("change", "column", "words"),
    [
        ({"responders": 9}, "responders, evaluated", "exceed evaluated"),
        ({"responders": -2}, "responders", "greater than or equal to 0"),
        ({"n_patients": "five"}, "n_patients", "valid integer"),
        ({"year": 1800}, "year", "outside"),
        ({"disease": "flu"}, "disease", "not in the vocabulary"),
        ({"outcome_measure": "feeling_better"}, "outcome_measure", "not in the vocabulary"),
        ({"source_url": "javascript:alert(1)"}, "source_url", "https://"),
        ({"doi": "", "pmid": ""}, "doi, pmid", "DOI or a PMID"),
    ],
)
def test_bad_rows_are_refused_with_row_and_column(atlas, change, column, words):
    frame = real_rows()
    frame = pd.concat([frame, frame.assign(study_id="second-study")], ignore_index=True)
    for name, value in change.items():
        frame.loc[1, name] = value
    result = check(atlas, "sheet.csv", frame.to_csv(index=False).encode())
    assert not result.ok
    problem = next(p for p in result.problems if p.study == "second-study")
    assert (problem.line, problem.field) == (3, column)  # the second data row is spreadsheet row 3
    assert words in problem.message


def test_duplicate_and_clashing_ids_are_refused(atlas):
    frame = real_rows()
    frame.loc[0, "study_id"] = "mackensen-2022-sle-cd19"  # a curated id
    result = check(atlas, "clash.csv", frame.to_csv(index=False).encode())
    assert any("already used by a curated study" in p.message for p in result.problems)


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\n\n", "empty"),
        ("header-only.csv", ",".join(TEMPLATE_COLUMNS).encode(), "no rows"),
        ("wrong.csv", b"a,b\n1,2\n", "required column"),
        ("binary.csv", bytes(range(256)) * 10, "neither UTF-8 nor GBK"),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", "not a readable Excel workbook"),
        ("notes.txt", b"hello", "only .csv, .xlsx"),
        ("bad.yaml", b"id: [unclosed\n", "YAML syntax error"),
        ("list.yaml", b"- 1\n- 2\n", "mapping"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(atlas, name, data, words):
    result = check(atlas, name, data)
    assert not result.ok and any(words in p.message for p in result.problems), result.problems


def test_a_50_mb_file_is_refused_before_parsing(atlas):
    result = check(atlas, "huge.csv", b"x" * (50 * 1024 * 1024))
    assert not result.ok and str(MAX_BYTES // 1_000_000) in result.problems[0].message


def test_yaml_upload_in_the_data_format(atlas):
    records = [study("my-yaml-one"), study("my-yaml-two", supersedes=["my-yaml-one"])]
    result = check(atlas, "mine.yaml", yaml.safe_dump(records).encode())
    assert result.ok and [s.id for s in result.studies] == ["my-yaml-one", "my-yaml-two"]


def test_hostile_text_stays_text_and_links_stay_safe(atlas):
    frame = real_rows()
    for column in ("title", "journal", "product", "first_author", "country", "dose", "conditioning", "source_note"):
        frame.loc[0, column] = HOSTILE
    result = check(atlas, "hostile.csv", frame.to_csv(index=False).encode())
    assert result.ok, result.problems
    merged = merge_uploads(atlas, {"studies": result.studies})
    view = filter_evidence(merged.evidence, Filters(study_ids=("my-mackensen-2022",)))
    shown = display_rows(view, merged.vocabulary)
    assert shown["source_link"].iloc[0] == "https://pubmed.ncbi.nlm.nih.gov/36109639/"
    exported = pd.read_csv(io.BytesIO(to_csv_bytes(view, merged.vocabulary)), encoding="utf-8-sig")
    assert exported["Journal"][0] == HOSTILE  # starts with '<': kept as text
    assert exported["Origin"][0] == "uploaded"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({c: st.one_of(st.none(), st.integers(-5, 3000), st.text(max_size=12)) for c in TEMPLATE_COLUMNS}), min_size=1, max_size=4))
def test_any_spreadsheet_gives_problems_not_exceptions(atlas, rows):
    result = check(atlas, "fuzz.csv", pd.DataFrame(rows, columns=TEMPLATE_COLUMNS).to_csv(index=False).encode())
    assert result.ok or result.problems


def data_checksum() -> str:
    digest = hashlib.sha256()
    for path in sorted(DATA_DIR.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(DATA_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_upload_round_trip_through_every_page_leaves_data_untouched(atlas):
    before = data_checksum()
    app = go(open_app(), "pages/upload.py")
    app.file_uploader(key="upload_file").set_value(("mine.csv", real_rows().to_csv(index=False).encode("utf-8-sig"), "text/csv")).run()
    assert not app.exception and app.success
    app.button(key="upload_add").click().run()
    assert not app.exception
    assert any("1" in w.value for w in app.warning)  # "Including 1 uploaded studies"
    go(app, "pages/explorer.py")
    grid = app.dataframe[0].value
    assert "my-mackensen-2022" in set(grid["study_id"])
    assert set(grid.loc[grid["study_id"] == "my-mackensen-2022", "origin"]) == {"uploaded"}
    assert int(app.metric[0].value) == filter_evidence(atlas.evidence, Filters())["study_id"].nunique() + 1
    go(app, "pages/maps.py")
    go(app, "pages/compare.py")
    app.button(key="remove_uploads").click().run()
    go(app, "pages/explorer.py")
    assert "my-mackensen-2022" not in set(app.dataframe[0].value["study_id"])
    assert data_checksum() == before


def test_bad_upload_shows_the_problems_on_the_page():
    app = go(open_app(), "pages/upload.py")
    frame = real_rows()
    frame.loc[0, "responders"] = 7
    app.file_uploader(key="upload_file").set_value(("bad.csv", frame.to_csv(index=False).encode(), "text/csv")).run()
    assert not app.exception and app.error
    problems = app.dataframe[0].value
    assert list(problems["column"]) == ["responders, evaluated"] and list(problems["row"]) == [2]
