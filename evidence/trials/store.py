"""Reading, validating and writing data/trials.yaml.

Validation reuses the study validator's helpers, so every problem reads `trials.yaml:LINE: ID: field: message`.
Writing is canonical (fixed field order, blanks left out) and atomic, and only ever happens after the new table
validated: a failed write leaves the old file as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path

import yaml

from evidence.paths import TRIALS_FILE, VOCABULARY_FILE
from evidence.problems import DataValidationError, Problem
from evidence.trials.schema import Trial, trial_vocabulary
from evidence.validate import validate_record
from evidence.vocabulary import Vocabulary
from evidence.yaml_source import YamlSyntaxError, line_of, parse_yaml_text

HEADER = """\
# Trial landscape of RheumCell Atlas: registered trials of cell therapies (CAR-T, CAR-NK, CAAR-T, CAR-Treg,
# in vivo CAR, MSC, HSCT) in rheumatic and other autoimmune diseases. Registry facts as read on `snapshot_date`,
# plus the atlas's own classification (evidence/trials/rules.py; "unclear" where the registry text does not say).
# Trials never feed remission or safety figures. Field meanings: data/README.md, section "The trial table".
#
# Starting list: the ClinicalTrials.gov API v2 snapshot of 2026-08-22 as flattened by the open-source project
# "CAR-T Rheumatology & Autoimmune Trials Monitor" (Universitätsklinikum Köln, MIT licence); entries taken from it
# say `listed_by: reference_list`. Its classifications were not used. Other entries were read on registry and
# trial-finder pages (`listed_by: curator_search`) or imported from a registry export (`registry_import`).
#
# Re-written by `python -m evidence trials import FILE --write` in this canonical form; keep per-entry remarks in
# source_note or classification_note (comments inside entries are not kept).
"""
FIELD_ORDER = list(Trial.model_fields)


def read_trials_text(path: Path = TRIALS_FILE) -> str:
    return path.read_text(encoding="utf-8")


def validate_trials_text(text: str, vocab: Vocabulary, file_name: str = "trials.yaml") -> tuple[list[Trial], list[Problem]]:
    """Validate the text of a trial table; returns (valid trials, problems located as file:line: id: field)."""
    try:
        raw = parse_yaml_text(text) or {}
    except YamlSyntaxError as error:
        return [], [Problem(file_name, error.line, "", "-", str(error))]
    if not isinstance(raw, dict) or not isinstance(raw.get("trials", []), list):
        return [], [Problem(file_name, 1, "", "trials", "expected a mapping with a list under 'trials:'")]
    trials, problems = [], []
    for index, item in enumerate(raw.get("trials") or []):
        record, item_problems = validate_record(item, file_name, text, vocab, model=Trial, at=("trials", index))
        problems += item_problems
        if record is not None and not item_problems:
            trials.append(record)
    for trial_id, count in Counter(t.id for t in trials).items():
        if count > 1:
            lines = [line_of(text, ("trials", i)) for i, item in enumerate(raw["trials"]) if isinstance(item, dict) and item.get("id") == trial_id]
            problems.append(Problem(file_name, lines[-1], trial_id, "id", f"registration is listed {count} times (lines {', '.join(map(str, lines))})"))
    known = {t.id for t in trials}
    for index, trial in enumerate(trials):
        for secondary in trial.secondary_ids:
            if secondary in known:
                problems.append(Problem(file_name, None, trial.id, "secondary_ids",
                                        f"{secondary} has its own entry: list the trial once and the other id only as secondary"))
    return trials, problems


def validate_trials(path: Path = TRIALS_FILE, vocab: Vocabulary | None = None) -> tuple[list[Trial], list[Problem]]:
    """Validate the trial table; a missing file is no problem (the table is optional for a data folder)."""
    if not path.exists():
        return [], []
    vocab = vocab or trial_vocabulary(path.parent / "vocabulary.yaml" if (path.parent / "vocabulary.yaml").exists() else VOCABULARY_FILE)
    return validate_trials_text(read_trials_text(path), vocab, path.name)


def load_trial_records(path: Path = TRIALS_FILE, vocab: Vocabulary | None = None) -> list[Trial]:
    """Strict: every trial, or DataValidationError listing every problem."""
    trials, problems = validate_trials(path, vocab)
    if problems:
        raise DataValidationError(problems)
    return trials


def trial_to_dict(trial: Trial) -> dict:
    data = trial.model_dump(mode="json")
    out = {}
    for name in FIELD_ORDER:
        value = data.get(name)
        if value is None or value == [] or (name == "classified_by" and value == "rules"):
            continue
        out[name] = value
    return out


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper; a subclass so that nothing registered here leaks into other yaml.dump calls."""


def dump_trials(trials: list[Trial]) -> str:
    """The canonical text of a trial table (sorted by registry id)."""
    body = yaml.dump({"trials": [trial_to_dict(t) for t in sorted(trials, key=lambda t: t.id)]}, Dumper=_Dumper,
                     sort_keys=False, allow_unicode=True, width=140, default_flow_style=None)
    return HEADER + body


def write_trials(trials: list[Trial], path: Path = TRIALS_FILE, vocab: Vocabulary | None = None) -> str:
    """Validate the new table, then replace the file atomically; raises DataValidationError and writes nothing if invalid."""
    text = dump_trials(trials)
    vocab = vocab or trial_vocabulary(path.parent / "vocabulary.yaml" if (path.parent / "vocabulary.yaml").exists() else VOCABULARY_FILE)
    _, problems = validate_trials_text(text, vocab, path.name)
    if problems:
        raise DataValidationError(problems)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temp = tempfile.mkstemp(prefix=".trials-", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temp, mode)  # mkstemp makes 0600; keep the file readable like every other data file
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return text
