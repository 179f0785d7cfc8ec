"""Labels people type: the CLI and the URL accept ids, English and Chinese labels in any case; unknown values are
refused with the list of choices; a filter that matches nothing says so instead of writing an empty file."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from evidence.filters import Filters, filter_evidence
from evidence.paths import PROJECT_ROOT
from evidence.query import from_query_params
from evidence.vocabulary import load_vocabulary


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "evidence", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("typed", ["sle", "SLE", "Sle", "Systemic lupus erythematosus", "systemic LUPUS erythematosus", "系统性红斑狼疮", "狼疮"])
def test_vocabulary_resolves_ids_and_labels_in_both_languages(typed):
    assert load_vocabulary().resolve("diseases", typed) == "sle"


@pytest.mark.parametrize(("category", "typed", "expected"), [
    ("therapy_classes", "CAR-T", "car_t"), ("targets", "cd19", "cd19"), ("targets", "CD19", "cd19"),
    ("disease_subtypes", "Lupus nephritis", "lupus_nephritis"), ("disease_subtypes", "狼疮性肾炎", "lupus_nephritis"),
    ("diseases", "lupus", None), ("diseases", "", None), ("diseases", "  ", None),
])
def test_vocabulary_resolution_cases(category, typed, expected):
    assert load_vocabulary().resolve(category, typed) == expected


@pytest.mark.parametrize("typed", ["SLE", "sle", "系统性红斑狼疮"])
def test_cli_export_by_label_gives_the_sle_rows(tmp_path, atlas, typed):
    output = tmp_path / "sle.csv"
    result = run_cli("export", "--disease", typed, "-o", str(output))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(output, encoding="utf-8-sig")
    expected = filter_evidence(atlas.evidence, Filters(diseases=("sle",)))
    assert len(expected) > 0 and list(table["Study"]) == list(expected["study_id"])


def test_cli_unknown_label_lists_the_choices_and_fails(tmp_path):
    output = tmp_path / "x.csv"
    result = run_cli("export", "--disease", "lupus", "-o", str(output))
    assert result.returncode == 2
    assert "'lupus' is not a known value" in result.stderr and "sle (Systemic lupus erythematosus)" in result.stderr
    assert not output.exists()


def test_cli_empty_result_says_so_unless_allowed(tmp_path):
    output = tmp_path / "empty.csv"
    result = run_cli("export", "--disease", "sle", "--text", "no-such-study-title-xyz", "-o", str(output))
    assert result.returncode == 1 and "no evidence row matches" in result.stderr and not output.exists()
    result = run_cli("export", "--disease", "sle", "--text", "no-such-study-title-xyz", "--allow-empty", "-o", str(output))
    assert result.returncode == 0 and output.exists()


def test_cli_article_only_blanks_weaker_numbers(tmp_path, atlas):
    full, masked = tmp_path / "full.csv", tmp_path / "masked.csv"
    assert run_cli("export", "-o", str(full)).returncode == 0
    assert run_cli("export", "--article-only", "-o", str(masked)).returncode == 0
    full_table, masked_table = (pd.read_csv(p, encoding="utf-8-sig") for p in (full, masked))
    assert len(full_table) == len(masked_table)
    weaker = full_table["Grade"].notna() & (full_table["Grade"] != "Article")
    assert weaker.any()
    assert masked_table.loc[weaker, "Responders"].isna().all()
    assert masked_table.loc[~weaker, "Responders"].equals(full_table.loc[~weaker, "Responders"])


@pytest.mark.parametrize(("params", "expected"), [
    ({"disease": "SLE"}, ("sle",)), ({"disease": "系统性红斑狼疮"}, ("sle",)), ({"disease": "sle,Systemic sclerosis"}, ("sle", "ssc")),
])
def test_url_accepts_labels(params, expected):
    filters, notes = from_query_params(params, load_vocabulary())
    assert filters.diseases == expected and notes == []


def test_url_unknown_label_is_named_in_a_note():
    filters, notes = from_query_params({"disease": "SLE,flu"}, load_vocabulary())
    assert filters.diseases == ("sle",) and "flu" in notes[0]
