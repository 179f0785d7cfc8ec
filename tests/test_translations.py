"""Both languages everywhere a reader sees words: vocabulary labels and definitions, the message catalogue, and
the column names and tooltips of every table."""

from __future__ import annotations

import re

import pytest
import yaml

from components.i18n import read_catalogue
from evidence.labels import COLUMN_LABELS, column_help, column_label
from evidence.paths import VOCABULARY_FILE

CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

# Chinese labels that are, correctly, the same international abbreviation as in English (no Chinese characters).
# A combined target such as "CD19+BCMA" is accepted when every part is listed. Keep this list short and explicit.
ACCEPTED_ABBREVIATIONS = {
    "BAFF-R", "BCMA", "CD6", "CD7", "CD19", "CD20", "CD22", "CD70",  # targets
    "CIDP", "MOGAD",  # short disease labels
    "DOI", "PMID",  # column names
}

# Categories whose every term must explain itself in both languages.
DEFINED_CATEGORIES = ("mechanisms", "designs", "evidence_levels", "therapy_classes", "outcome_measures")


def has_chinese(text) -> bool:
    return bool(CHINESE.search(str(text or "")))


def accepted(text) -> bool:
    text = str(text or "").strip()
    return has_chinese(text) or (bool(text) and all(part in ACCEPTED_ABBREVIATIONS for part in text.split("+")))


def _raw_vocabulary() -> dict:
    with open(VOCABULARY_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _all_terms():
    """(category, term) for every term of every category in the file, disease subtypes included."""
    for category, terms in _raw_vocabulary().items():
        for term in terms or []:
            yield category, term
            for subtype in term.get("subtypes") or []:
                yield f"{category}/{term['id']}/subtypes", subtype


TERMS = list(_all_terms())


def _name(category, term) -> str:
    return f"{category}:{term['id']}"


def test_every_english_definition_has_a_chinese_one():
    missing = [_name(c, t) for c, t in TERMS if str(t.get("definition") or "").strip() and not has_chinese(t.get("definition_zh"))]
    assert not missing, f"definition without a Chinese definition_zh: {missing}"


def test_no_chinese_definition_without_an_english_one():
    orphans = [_name(c, t) for c, t in TERMS if t.get("definition_zh") and not str(t.get("definition") or "").strip()]
    assert not orphans, f"definition_zh without an English definition: {orphans}"


@pytest.mark.parametrize("category", DEFINED_CATEGORIES)
def test_core_categories_are_defined_in_both_languages(category):
    terms = _raw_vocabulary()[category]
    assert terms, f"{category} is empty"
    undefined = [t["id"] for t in terms if not str(t.get("definition") or "").strip() or not has_chinese(t.get("definition_zh"))]
    assert not undefined, f"{category}: terms without a definition in both languages: {undefined}"


def test_every_chinese_label_is_chinese_or_an_accepted_abbreviation():
    bad = [(_name(c, t), key, t[key]) for c, t in TERMS for key in ("zh", "short_zh") if key in t and not accepted(t[key])]
    assert not bad, f"Chinese labels with no Chinese characters (add to ACCEPTED_ABBREVIATIONS only if truly standard): {bad}"


def test_accepted_abbreviations_are_all_in_use():
    """The allow-list stays minimal: every entry is still needed by some label."""
    used = {part for _, t in TERMS for key in ("zh", "short_zh") if key in t and not has_chinese(t[key]) for part in str(t[key]).split("+")}
    used |= {chinese for _, chinese, _, _ in COLUMN_LABELS.values() if not has_chinese(chinese)}
    assert ACCEPTED_ABBREVIATIONS <= used, f"no longer needed: {sorted(ACCEPTED_ABBREVIATIONS - used)}"


def test_message_catalogue_loads_with_both_languages():
    catalogue = read_catalogue()
    assert catalogue
    for key, texts in catalogue.items():
        assert isinstance(texts, tuple) and len(texts) == 2, key
        english, chinese = texts
        assert isinstance(english, str) and isinstance(chinese, str), key
        if english.strip():
            assert chinese.strip(), f"message '{key}' has English but an empty Chinese text"


def test_every_column_label_has_four_parts_in_both_languages():
    assert COLUMN_LABELS
    for column, parts in COLUMN_LABELS.items():
        assert len(parts) == 4, f"{column}: expected (English name, Chinese name, English help, Chinese help)"
        assert all(isinstance(part, str) and part.strip() for part in parts), f"{column}: empty part in {parts}"
        english_name, chinese_name, english_help, chinese_help = parts
        assert accepted(chinese_name), f"{column}: Chinese name {chinese_name!r} has no Chinese characters"
        assert has_chinese(chinese_help), f"{column}: Chinese help {chinese_help!r} has no Chinese characters"


@pytest.mark.parametrize("column", ["disease", "crs_any", "crs_any_read_at", "deaths_grade", "evidence_level"])
def test_column_help_follows_the_reader_language(column):
    english_name, chinese_name, english_help, chinese_help = COLUMN_LABELS[column]
    assert column_help(column) == english_help
    assert column_help(column, "en") == english_help
    assert column_help(column, "zh") == chinese_help
    assert column_label(column, "zh") == chinese_name and column_label(column) == english_name


def test_unknown_column_has_no_help_in_either_language():
    assert column_help("no_such_column") == "" and column_help("no_such_column", "zh") == ""
