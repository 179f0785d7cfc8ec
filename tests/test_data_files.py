"""A broken copy of every data file the app reads is refused by `validate` (and by the loader), naming file, field and line."""

from __future__ import annotations

import copy
import datetime as dt
import shutil
import subprocess
import sys

import pytest

from evidence import DataValidationError, load_atlas
from evidence.paths import DATA_DIR, PROJECT_ROOT
from tests.conftest import tiny_studies, write_data_dir

GOOD_RELEASES = "releases:\n  - version: \"2\"\n    checked: 2026-12-01\n    summary: Second release.\n  - version: \"1\"\n    checked: 2026-11-25\n    summary: First release.\n"


def data_copy(tmp_path):
    root = write_data_dir(tmp_path / "data", copy.deepcopy(tiny_studies()))
    if (DATA_DIR / "trials.yaml").exists():
        shutil.copy(DATA_DIR / "trials.yaml", root / "trials.yaml")
    return root


def validate(root):
    return subprocess.run([sys.executable, "-m", "evidence", "validate", str(root)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)


def replace_in(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_copy_is_valid(tmp_path):
    result = validate(data_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("text", "where", "words"), [
    ("releases:\n  - version: \"1\"\n    checked: 1850-01-01\n    summary: Old.\n", "RELEASES.yaml:3: 1: releases[0].checked", "before 1990"),
    ("releases:\n  - version: \"1\"\n    checked: 2999-01-01\n    summary: Future.\n", "RELEASES.yaml:3: 1: releases[0].checked", "in the future"),
    ("releases:\n  - version: \"1\"\n    checked: yesterday\n    summary: Bad date.\n", "RELEASES.yaml:3: 1: releases[0].checked", "date"),
    ("releases:\n  - version: \"1\"\n    checked: 2026-11-25\n", "RELEASES.yaml:2: 1: releases[0].summary", "missing"),
    ("releases: []\n", "RELEASES.yaml:1: -: releases", "at least 1"),
    ("releases:\n  - version: \"1\"\n    checked: 2026-11-25\n    summary: First.\n  - version: \"2\"\n    checked: 2026-12-01\n    summary: Later.\n", "RELEASES.yaml", "newest first"),
    ("releases:\n  - version: [unclosed\n", "RELEASES.yaml:", "YAML syntax error"),
    ("- just a list\n", "RELEASES.yaml:1", "mapping"),
])
def test_a_broken_release_log_is_refused(tmp_path, text, where, words):
    root = data_copy(tmp_path)
    (root / "RELEASES.yaml").write_text(text, encoding="utf-8")
    result = validate(root)
    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if line.startswith("RELEASES.yaml"))
    assert line.startswith(where) and words in line, result.stdout
    with pytest.raises(DataValidationError, match="RELEASES.yaml"):
        load_atlas(root)


def test_a_good_release_log_passes(tmp_path):
    root = data_copy(tmp_path)
    (root / "RELEASES.yaml").write_text(GOOD_RELEASES, encoding="utf-8")
    assert validate(root).returncode == 0
    assert load_atlas(root).release.version == "2"


@pytest.mark.parametrize(("old", "new", "where", "words"), [
    ("    zh: 系统性红斑狼疮\n", "", "vocabulary.yaml:6: sle: diseases[0].zh", "missing"),
    ("  - id: ra\n", "  - id: sle\n", "vocabulary.yaml:", "used twice in diseases"),
    ("      - {id: lupus_nephritis, en: Lupus nephritis, zh: 狼疮性肾炎}", "      - {id: lupus_nephritis, en: Lupus nephritis}", "vocabulary.yaml:", "subtypes[0].zh: required field is missing"),
    ("grades:\n", "grades_typo:\n", "vocabulary.yaml", "grades: category is missing"),
    ("  - id: sle\n", "  - id: sle\n    en: [unclosed\n", "vocabulary.yaml:", "YAML syntax error"),
])
def test_a_broken_vocabulary_is_refused(tmp_path, old, new, where, words):
    root = data_copy(tmp_path)
    replace_in(root / "vocabulary.yaml", old, new)
    result = validate(root)
    assert result.returncode == 1
    assert any(line.startswith(where) and words in line for line in result.stdout.splitlines()), result.stdout
    with pytest.raises(DataValidationError, match="vocabulary.yaml"):
        load_atlas(root)


@pytest.mark.parametrize(("old", "new", "words"), [
    ("    therapy_class: caar_t\n", "    therapy_class: magic\n", "dsg3-caart-pemphigus: therapy_class: 'magic' is not in the vocabulary"),
    ("    year: 2020\n", "    year: twenty\n", "dsg3-caart-pemphigus: year: Input should be a valid integer"),
    ("    source_url: https://clinicaltrials.gov/ct2/show/NCT04422912\n", "    source_url: http://clinicaltrials.gov/ct2/show/NCT04422912\n", "dsg3-caart-pemphigus: source_url: source_url must start with https://"),
])
def test_a_broken_pipeline_is_refused(tmp_path, old, new, words):
    root = data_copy(tmp_path)
    replace_in(root / "pipeline.yaml", old, new)
    result = validate(root)
    assert result.returncode == 1
    assert any(line.startswith("pipeline.yaml:") and words in line for line in result.stdout.splitlines()), result.stdout


def test_an_edited_vocabulary_is_read_again(tmp_path):
    from evidence.vocabulary import load_vocabulary

    root = data_copy(tmp_path)
    path = root / "vocabulary.yaml"
    assert load_vocabulary(path).label("diseases", "sle") == "Systemic lupus erythematosus"
    replace_in(path, "    en: Systemic lupus erythematosus\n", "    en: Systemic lupus erythematosus (SLE)\n")
    assert load_vocabulary(path).label("diseases", "sle") == "Systemic lupus erythematosus (SLE)"


def test_release_date_is_not_after_today():
    assert load_atlas().release.checked <= dt.date.today()
