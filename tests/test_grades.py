"""Provenance grades (DATA_PROTOCOL.md v2): every rule has a broken fixture, the article-only view blanks exactly the
weaker-graded numbers, and the grades reach the grid, the matrices, the comparison and every export."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from evidence import load_atlas
from evidence.about import grade_table
from evidence.compare import compare_therapy, comparison_base, comparison_table
from evidence.display import display_rows
from evidence.export import to_csv_bytes, to_xlsx_bytes
from evidence.filters import Filters, filter_evidence
from evidence.matrices import remission_matrix, therapy_disease_map
from evidence.provenance import article_only, grade_counts, hidden_by_article_only
from evidence.query import from_query_params, to_query_params
from tests.conftest import SECONDARY_URL, URL, study
from tests.test_validation import only, problems_for

SAFETY = {"n_patients": 5, "crs_any": 2, "crs_grade3plus": 0, "icans_any": 0, "icans_grade3plus": 0,
          "serious_infections": 1, "deaths": 0, "source_url": URL, "grade": "article", "source_note": "Abstract, results: safety."}


def congress(record):
    record["citation"].update(publication_type="congress_abstract", meeting="EULAR 2024 Congress", abstract_number="OP0001", doi=None)
    return record


def all_congress(record):
    """A congress abstract whose every number is graded congress (valid)."""
    congress(record)
    for cohort in record["cohorts"]:
        cohort["n_patients"]["grade"] = "congress"
        for outcome in cohort["outcomes"]:
            outcome["grade"] = "congress"
    record["follow_up_months"]["grade"] = "congress"
    return record


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda s: s["cohorts"][0]["outcomes"][0].pop("grade"), "cohorts[0].outcomes[0].grade", "missing"),
        (lambda s: s["cohorts"][0]["n_patients"].pop("grade"), "cohorts[0].n_patients.grade", "missing"),
        (lambda s: s["follow_up_months"].pop("grade"), "follow_up_months.grade", "missing"),
        (lambda s: s["cohorts"][0]["outcomes"][0].update(grade="hearsay"), "cohorts[0].outcomes[0].grade", "'article', 'registry', 'congress' or 'secondary'"),
        (lambda s: s["cohorts"][0]["outcomes"][0].update(grade="secondary"), "cohorts[0].outcomes[0]", "needs read_at"),
        (lambda s: s["cohorts"][0]["outcomes"][0].update(grade="secondary", read_at=SECONDARY_URL), "cohorts[0].outcomes[0]", "'Secondary: <source>'"),
        (lambda s: s["cohorts"][0]["outcomes"][0].update(read_at="http://copy.example.org/a"), "cohorts[0].outcomes[0].read_at", "https://"),
        (lambda s: s["cohorts"][0]["outcomes"][0].update(read_at=[]), "cohorts[0].outcomes[0].read_at", "empty"),
        (lambda s: s["cohorts"][0]["outcomes"][0].update(read_at=URL), "cohorts[0].outcomes[0]", "repeats source_url"),
        (lambda s: s.update(safety={**SAFETY, "grade": None}), "safety.grade", "'article', 'registry', 'congress' or 'secondary'"),
        (lambda s: s.update(safety={**SAFETY, "count_provenance": {"icans_any": {"source_url": URL, "grade": "hearsay", "source_note": "Abstract, results."}}}),
         "safety.count_provenance.icans_any.grade", "'article', 'registry'"),
        (lambda s: s.update(safety={**SAFETY, "deaths": None, "count_provenance": {"deaths": {"source_url": URL, "grade": "article", "source_note": "Abstract, results."}}}),
         "safety", "deaths is blank"),
        (lambda s: congress(s)["citation"].update(meeting=None), "citation", "needs its meeting"),
        (lambda s: congress(s)["citation"].update(abstract_number=None), "citation", "DOI or its abstract number"),
        (lambda s: s["citation"].update(meeting="ACR Convergence 2024"), "citation", "belong to congress abstracts"),
        (lambda s: congress(s), "-", "graded 'congress', not 'article'"),
        (lambda s: s["citation"].update(publication_type="blog"), "citation.publication_type", "'journal_article'"),
    ],
)
def test_each_grade_rule_fails_with_a_located_message(tmp_path, mutate, field, words):
    record = study("graded")
    mutate(record)
    problem = only(problems_for(tmp_path, [record]))
    assert (problem.file, problem.study, problem.field) == ("graded.yaml", "graded", field)
    assert words in problem.message
    assert problem.line is not None and problem.line >= 1


def test_valid_grades_pass(tmp_path):
    secondary = study("secondary-ok")
    secondary["cohorts"][0]["outcomes"][0].update(
        grade="secondary", read_at=[SECONDARY_URL, "https://example.org/news/item"],
        source_note="Count stated in two reports of the article. Secondary: Example journal club; Example news.")
    abstract = all_congress(study("congress-ok"))
    mixed = study("mixed-safety")
    mixed["safety"] = {**SAFETY, "count_provenance": {"serious_infections": {
        "source_url": URL, "grade": "congress", "read_at": "https://example.org/abstract/1", "source_note": "Congress abstract, results: one pneumonia."}}}
    assert problems_for(tmp_path, [secondary, abstract, mixed]) == []


def test_the_curated_data_has_a_grade_on_every_number():
    atlas = load_atlas()
    assert atlas.cohorts["n_grade"].notna().all()
    assert atlas.evidence.loc[atlas.evidence["outcome_measure"].notna(), "grade"].notna().all()
    assert atlas.safety["safety_grade"].notna().all()
    for count in ("crs_any", "crs_grade3plus", "icans_any", "icans_grade3plus", "serious_infections", "deaths"):
        reported = atlas.safety[count].notna()
        assert atlas.safety.loc[reported, f"{count}_grade"].notna().all(), count
        assert atlas.safety.loc[~reported, f"{count}_grade"].isna().all(), count  # a blank has no grade
    follow_up = atlas.studies["follow_up_months"].notna()
    assert atlas.studies.loc[follow_up, "follow_up_grade"].notna().all()


def test_article_only_blanks_exactly_the_weaker_numbers(tiny_atlas):
    masked = article_only(tiny_atlas)
    evidence, before = masked.evidence, tiny_atlas.evidence
    weaker = (before["grade"].astype("object") == "secondary").fillna(False).astype(bool)
    assert weaker.sum() == 1  # the tiny fixture's 12-month DORIS count of cd19-ext
    assert len(evidence) == len(before)  # rows stay
    assert evidence.loc[weaker, ["responders", "evaluated"]].isna().all().all()
    pd.testing.assert_frame_equal(evidence.loc[~weaker, ["responders", "evaluated", "n_patients"]],
                                  before.loc[~weaker, ["responders", "evaluated", "n_patients"]])
    assert hidden_by_article_only(tiny_atlas) == 1
    assert grade_counts(tiny_atlas)["secondary"] == 1


def test_article_only_moves_the_remission_map_and_the_pool(tiny_atlas):
    # cd19-ext's latest DORIS is 5/5 at 12 months (secondary); article-only falls back to 4/5 at 3 months
    full = remission_matrix(filter_evidence(tiny_atlas.evidence, Filters()), "doris_remission")
    masked_atlas = article_only(tiny_atlas)
    masked = remission_matrix(filter_evidence(masked_atlas.evidence, Filters()), "doris_remission")
    cell = lambda m: m[(m["therapy_group"] == "car_t|cd19") & (m["disease"] == "sle")].iloc[0]  # noqa: E731
    assert (cell(full)["responders"], cell(full)["evaluated"], cell(full)["weaker_grades"]) == (5, 5, "secondary")
    assert (cell(masked)["responders"], cell(masked)["evaluated"], cell(masked)["weaker_grades"]) == (4, 5, "")
    for atlas, expected in ((tiny_atlas, 1.0), (masked_atlas, 0.8)):
        base = comparison_base(atlas.evidence, "sle")
        result = compare_therapy(base, atlas.safety, "car_t|cd19", "doris_remission")
        assert result.outcome_rows["proportion"].tolist() == [expected]
    table = comparison_table([compare_therapy(comparison_base(tiny_atlas.evidence, "sle"), tiny_atlas.safety, "car_t|cd19", "doris_remission")])
    assert (table.loc[0, "weaker_k"], table.loc[0, "weaker_grades"]) == (1, "secondary")


def test_grid_marks_the_weaker_result_and_leaves_blanks_blank(tiny_atlas):
    rows = display_rows(tiny_atlas.evidence, tiny_atlas.vocabulary, "en")
    marked = rows[rows["result"].str.contains("ⓢ")]
    assert marked["result"].tolist() == ["5 / 5 ⓢ"] and marked["grades"].tolist() == ["ⓢ result"]
    assert (rows.loc[rows["result"] == "", "grades"] == "").all()  # not reported is never marked
    zh = display_rows(tiny_atlas.evidence, tiny_atlas.vocabulary, "zh")
    assert zh["grades"].str.contains("ⓢ 结果").sum() == 1


def test_therapy_map_names_weaker_grades_of_its_cells(tiny_atlas):
    cells = therapy_disease_map(tiny_atlas.evidence)
    sle = cells[(cells["therapy_group"] == "car_t|cd19") & (cells["disease"] == "sle")].iloc[0]
    assert sle["weaker_grades"] == "secondary"
    assert (cells.loc[cells["therapy_group"] != "car_t|cd19", "weaker_grades"] == "").all()


def test_exports_carry_grade_and_both_addresses_for_every_number(tiny_atlas):
    view = filter_evidence(tiny_atlas.evidence, Filters(tier="all"))
    frame = pd.read_csv(io.BytesIO(to_csv_bytes(view, tiny_atlas.vocabulary, "en")), encoding="utf-8-sig")
    for column in ("Grade", "Source", "Read at", "Patients grade", "Patients source", "Patients read at", "Safety grade",
                   "CRS (any grade): grade", "CRS (any grade): source", "CRS (any grade): read at", "Follow-up grade", "Follow-up read at"):
        assert column in frame.columns, column
    secondary = frame[frame["Grade"] == "Secondary report"]
    assert len(secondary) == 1 and secondary["Read at"].tolist() == [SECONDARY_URL] and secondary["Source"].tolist() == [URL]
    has_result = frame["Responders"].notna()
    assert frame.loc[has_result, "Grade"].notna().all()
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(tiny_atlas, view, Filters(tier="all"))), read_only=True)
    header = [cell.value for cell in next(book["Evidence"].iter_rows(max_row=1))]
    assert {"Grade", "Read at", "Patients grade"} <= set(header)
    safety_header = [cell.value for cell in next(book["Safety"].iter_rows(max_row=1))]
    assert {"Safety grade", "Safety read at", "Serious infections: grade", "Treatment-related deaths: read at"} <= set(safety_header)
    studies_header = [cell.value for cell in next(book["Studies"].iter_rows(max_row=1))]
    assert {"Follow-up grade", "Follow-up read at", "Publication type"} <= set(studies_header)


def test_the_switch_round_trips_through_the_url(tiny_atlas):
    filters = Filters(article_only=True)
    assert to_query_params(filters) == {"grade": "article"}
    parsed, notes = from_query_params({"grade": "article"}, tiny_atlas.vocabulary)
    assert parsed.article_only and notes == []
    parsed, notes = from_query_params({"grade": "secondary"}, tiny_atlas.vocabulary)
    assert not parsed.article_only and "grade" in notes[0]


def test_about_table_counts_every_grade(tiny_atlas):
    table = grade_table(tiny_atlas, "zh")
    assert table["grade"].tolist() == ["原文", "注册库", "会议摘要", "二手报道"]
    assert table["numbers"].sum() == sum(grade_counts(tiny_atlas).values())
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["definition"].str.contains("[\u4e00-\u9fff]").all()  # Chinese definitions in Chinese mode
