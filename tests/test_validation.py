"""Every validation rule has a broken fixture that must fail with a message naming file, line, study and field."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import yaml

from evidence import DataValidationError, load_atlas
from evidence.paths import PROJECT_ROOT
from evidence.validate import validate_folder
from tests.conftest import study, tiny_studies, write_data_dir


def problems_for(tmp_path, records, extra_files=None):
    data = write_data_dir(tmp_path / "data", records)
    for name, text in (extra_files or {}).items():
        (data / "studies" / name).write_text(text, encoding="utf-8")
    return validate_folder(data / "studies").problems


def only(problems):
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_the_curated_data_validates():
    report = validate_folder()
    assert report.ok, "\n".join(map(str, report.problems))
    assert len(report.studies) >= 10


def test_tiny_fixture_is_valid(tmp_path):
    assert problems_for(tmp_path, tiny_studies()) == []


def test_malformed_yaml_names_file_and_line(tmp_path):
    broken = "id: broken\ncitation:\n  first_author: X\n  title: [unclosed\n"
    problem = only(problems_for(tmp_path, [], {"broken.yaml": broken}))
    assert problem.file == "broken.yaml" and problem.line in (4, 5)
    assert "YAML syntax error" in problem.message


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path):
    problem = only(problems_for(tmp_path, [], {"list.yaml": "- 1\n- 2\n"}))
    assert "mapping" in problem.message


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda s: s["cohorts"][0]["outcomes"][0].update(responders=6, evaluated=5), "cohorts[0].outcomes[0]", "exceed evaluated"),
        (lambda s: s["cohorts"][0]["outcomes"][0].update(evaluated=9, responders=1), "cohorts[0]", "exceeds n_patients"),
        (lambda s: s["cohorts"][0]["outcomes"][0].update(responders=-1), "cohorts[0].outcomes[0].responders", "greater than or equal to 0"),
        (lambda s: s["cohorts"][0]["outcomes"][0].update(responders=2.5), "cohorts[0].outcomes[0].responders", "integer"),
        (lambda s: s["cohorts"][0]["outcomes"][0].update(measure="made_up"), "cohorts[0].outcomes[0].measure", "not in the vocabulary"),
        (lambda s: s["cohorts"][0].update(disease="flu"), "cohorts[0].disease", "not in the vocabulary"),
        (lambda s: s["cohorts"][0].update(subtype="imnm"), "cohorts[0].subtype", "not a subtype of sle"),
        (lambda s: s["citation"].update(year=1890), "citation.year", "outside"),
        (lambda s: s["citation"].update(doi="doi.org/10.1/x"), "citation.doi", "bare DOI"),
        (lambda s: s["citation"].update(doi=None, pmid=None), "citation", "DOI or a PMID"),
        (lambda s: s["citation"].update(nct_ids=["NCT123"]), "citation.nct_ids", "NCT + 8 digits"),
        (lambda s: s["cohorts"][0]["outcomes"][0].pop("source_url"), "cohorts[0].outcomes[0].source_url", "missing"),
        (lambda s: s["cohorts"][0]["n_patients"].update(source_url="javascript:alert(1)"), "cohorts[0].n_patients.source_url", "https://"),
        (lambda s: s["cohorts"][0]["n_patients"].update(source_note=""), "cohorts[0].n_patients.source_note", "at least 10"),
        (lambda s: s["therapy"].update(target="none"), "therapy", "needs an antigen target"),
        (lambda s: s.update(design="anecdote"), "design", "not in the vocabulary"),
        (lambda s: s.update(colour="blue"), "colour", "unknown field"),
        (lambda s: s.update(safety={"n_patients": 5, "crs_any": 1, "crs_grade3plus": 2, "source_url": "https://x.org/a", "grade": "article", "source_note": "Abstract, results: CRS."}), "safety", "crs_grade3plus (2) exceeds crs_any (1)"),
        (lambda s: s["cohorts"][0]["outcomes"][0].update(responders=None, percent=None, value=None), "cohorts[0].outcomes[0]", "needs responders, percent or value"),
    ],
)
def test_each_rule_fails_with_a_located_message(tmp_path, mutate, field, words):
    record = study("one-study")
    mutate(record)
    problem = only(problems_for(tmp_path, [record]))
    assert problem.file == "one-study.yaml"
    assert problem.study == "one-study"
    assert problem.field == field
    assert words in problem.message
    assert problem.line is not None and problem.line >= 1


def test_problem_line_points_at_the_offending_field(tmp_path):
    record = study("one-study")
    record["cohorts"][0]["outcomes"][0]["responders"] = 9
    record["cohorts"][0]["outcomes"][0]["evaluated"] = 5
    data = write_data_dir(tmp_path / "data", [record])
    text = (data / "studies" / "one-study.yaml").read_text().splitlines()
    problem = only(validate_folder(data / "studies").problems)
    assert text[problem.line - 1].strip().startswith("- measure:")


def test_id_must_match_the_file_name(tmp_path):
    record = study("right-id")
    problem = only(problems_for(tmp_path, [], {"wrong-name.yaml": yaml.safe_dump(record)}))
    assert problem.field == "id" and "file name" in problem.message


def test_supersedes_must_point_at_a_loaded_study(tmp_path):
    problem = only(problems_for(tmp_path, [study("newer", supersedes=["ghost"])]))
    assert problem.field == "supersedes" and "ghost" in problem.message


def test_supersedes_loops_are_refused(tmp_path):
    problems = problems_for(tmp_path, [study("a-study", supersedes=["b-study"]), study("b-study", supersedes=["a-study"])])
    assert any("loops" in p.message for p in problems)


def test_duplicate_ids_are_refused(tmp_path):
    record = study("twin")
    problems = problems_for(tmp_path, [record], {"twin-copy.yaml": yaml.safe_dump(copy.deepcopy(record))})
    assert any(p.field == "id" for p in problems)


def test_strict_loader_raises_listing_every_problem(tmp_path):
    bad_one, bad_two = study("bad-one"), study("bad-two")
    bad_one["citation"]["year"] = 1800
    bad_two["cohorts"][0]["disease"] = "flu"
    data = write_data_dir(tmp_path / "data", [bad_one, bad_two])
    with pytest.raises(DataValidationError) as error:
        load_atlas(data)
    assert len(error.value.problems) == 2
    assert "bad-one.yaml" in str(error.value) and "bad-two.yaml" in str(error.value)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "evidence", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)


def test_cli_validate_passes_on_the_curated_data():
    result = run_cli("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK:")


def test_cli_validate_fails_with_file_line_study_field_messages(tmp_path):
    record = study("cli-case")
    record["cohorts"][0]["outcomes"][0].update(responders=7, evaluated=5)
    data = write_data_dir(tmp_path / "data", [record])
    (data / "studies" / "garbled.yaml").write_text("id: garbled\n  bad indent: [\n", encoding="utf-8")
    result = run_cli("validate", str(data))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert any(line.startswith("cli-case.yaml:") and ": cli-case: cohorts[0].outcomes[0]: responders (7) exceed evaluated (5)" in line for line in lines)
    assert any(line.startswith("garbled.yaml:") and "YAML syntax error" in line for line in lines)
    assert "Traceback" not in result.stderr

