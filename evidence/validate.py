"""Validation of study files: schema and vocabulary per record, then the links between records.

Every problem is collected (never only the first) and located as file:line: study: field.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from evidence.paths import PIPELINE_FILE, RELEASES_FILE, STUDIES_DIR, VOCABULARY_FILE
from evidence.problems import Problem
from evidence.schema import PipelineEntry, ReleaseLog, Study, VocabularyTerm
from evidence.vocabulary import CATEGORIES, Vocabulary, load_vocabulary
from evidence.yaml_source import YamlSyntaxError, line_of, parse_yaml_text


@dataclass(frozen=True)
class ValidationReport:
    studies: list[Study]
    problems: list[Problem]
    files: dict[str, str]  # study id -> file name

    @property
    def ok(self) -> bool:
        return not self.problems


def _field_path(location: tuple) -> tuple:
    # pydantic adds schema tags such as 'function-after[check()]' to locations; keep only real keys/indexes
    return tuple(step for step in location if isinstance(step, int) or ("[" not in step and "-" not in step))


def _dotted(path: tuple) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def _message(error: dict) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return "unknown field (check its spelling against data/README.md)"
    if error["type"] == "missing":
        return "required field is missing"
    return message


def validate_record(raw, file_name: str, text: str, vocab: Vocabulary, model=Study, expected_id: str | None = None, at: tuple = ()):
    """Validate one parsed record (found at YAML location `at` of `text`); returns (record or None, problems)."""
    study_id = str(raw.get("id", "")) if isinstance(raw, dict) else ""
    if not isinstance(raw, dict):
        return None, [Problem(file_name, line_of(text, at), study_id, "-", "expected a YAML mapping (a record), found something else")]
    try:
        record = model.model_validate(raw, context={"vocabulary": vocab})
    except ValidationError as error:
        problems = []
        for item in error.errors():
            path = _field_path(item["loc"])
            problems.append(Problem(file_name, line_of(text, at + path), study_id, _dotted(path) or "-", _message(item)))
        return None, problems
    if expected_id is not None and record.id != expected_id:
        return record, [Problem(file_name, line_of(text, ("id",)), study_id, "id", f"id must equal the file name '{expected_id}'")]
    return record, []


def validate_study_texts(texts: dict[str, str], vocab: Vocabulary, match_file_names: bool = True) -> ValidationReport:
    """Validate study files given as {file name: YAML text}; checks each record, then ids and links across them."""
    studies, problems, files = [], [], {}
    for file_name, text in sorted(texts.items()):
        try:
            raw = parse_yaml_text(text)
        except YamlSyntaxError as error:
            problems.append(Problem(file_name, error.line, "", "-", str(error)))
            continue
        expected = Path(file_name).stem if match_file_names else None
        record, record_problems = validate_record(raw, file_name, text, vocab, expected_id=expected)
        problems += record_problems
        if record is not None and not record_problems:
            studies.append(record)
            files.setdefault(record.id, file_name)
    problems += check_links(studies, files, texts)
    return ValidationReport(studies=studies, problems=problems, files=files)


def check_links(studies: list[Study], files: dict[str, str], texts: dict[str, str]) -> list[Problem]:
    """Unique ids; every supersedes/related target exists; no report supersedes itself through a chain."""
    problems = []
    for study_id, count in Counter(s.id for s in studies).items():
        if count > 1:
            problems.append(Problem(files[study_id], None, study_id, "id", f"id is used by {count} records"))
    known = {s.id for s in studies}
    for study in studies:
        file_name = files.get(study.id, "")
        for link_field in ("supersedes", "related"):
            for index, target in enumerate(getattr(study, link_field)):
                if target not in known:
                    line = line_of(texts.get(file_name, ""), (link_field, index))
                    problems.append(Problem(file_name, line, study.id, link_field, f"points at '{target}', which is not a loaded study"))
    supersedes = {s.id: set(s.supersedes) for s in studies}
    for study in studies:
        seen, frontier = set(), set(supersedes[study.id])
        while frontier:
            current = frontier.pop()
            if current == study.id:
                problems.append(Problem(files.get(study.id, ""), None, study.id, "supersedes", "supersedes chain loops back to this study"))
                break
            if current not in seen:
                seen.add(current)
                frontier |= supersedes.get(current, set())
    return problems


def read_study_texts(folder: Path = STUDIES_DIR) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8", errors="replace") for path in sorted(folder.glob("*.yaml"))}


def validate_folder(folder: Path = STUDIES_DIR, vocab: Vocabulary | None = None) -> ValidationReport:
    return validate_study_texts(read_study_texts(folder), vocab or load_vocabulary())


def validate_pipeline(path: Path = PIPELINE_FILE, vocab: Vocabulary | None = None):
    """Validate the pipeline file; returns (entries, problems)."""
    vocab = vocab or load_vocabulary()
    text = path.read_text(encoding="utf-8")
    try:
        raw = parse_yaml_text(text) or {}
    except YamlSyntaxError as error:
        return [], [Problem(path.name, error.line, "", "-", str(error))]
    entries, problems = [], []
    for index, item in enumerate(raw.get("entries") or []):
        record, item_problems = validate_record(item, path.name, text, vocab, model=PipelineEntry, at=("entries", index))
        problems += item_problems
        if record is not None:
            entries.append(record)
    duplicate_ids = [i for i, n in Counter(e.id for e in entries).items() if n > 1]
    problems += [Problem(path.name, None, i, "id", "id is used by more than one pipeline entry") for i in duplicate_ids]
    return entries, problems


def _read_mapping(path: Path, expected: str) -> tuple[str | None, dict | None, list[Problem]]:
    """(text, parsed mapping, problems) of a YAML file that must hold a mapping; problems name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None, [Problem(path.name, None, "", "-", "file is missing")]
    except UnicodeDecodeError as error:
        return None, None, [Problem(path.name, None, "", "-", f"file is not UTF-8 text ({error.reason} at byte {error.start})")]
    try:
        raw = parse_yaml_text(text)
    except YamlSyntaxError as error:
        return text, None, [Problem(path.name, error.line, "", "-", str(error))]
    if not isinstance(raw, dict):
        return text, None, [Problem(path.name, line_of(text, ()), "", "-", f"expected {expected}")]
    return text, raw, []


def validate_releases(path: Path = RELEASES_FILE) -> list[Problem]:
    """The release log the app reads at load (version, data-checked date, summary, newest first)."""
    text, raw, problems = _read_mapping(path, "a mapping with a 'releases' list")
    if raw is None:
        return problems
    try:
        ReleaseLog.model_validate(raw)
    except ValidationError as error:
        located = []
        for item in error.errors():
            path_in_file = _field_path(item["loc"])
            release = raw.get("releases", [])
            index = path_in_file[1] if len(path_in_file) > 1 and isinstance(path_in_file[1], int) else None
            version = str(release[index].get("version", "")) if index is not None and index < len(release) and isinstance(release[index], dict) else ""
            located.append(Problem(path.name, line_of(text, path_in_file), version, _dotted(path_in_file) or "-", _message(item)))
        return located
    return []


def validate_vocabulary_file(path: Path = VOCABULARY_FILE) -> list[Problem]:
    """Every category the app reads is a list of terms with an id, an English and a Chinese label; ids are unique."""
    text, raw, problems = _read_mapping(path, "a mapping of categories")
    if raw is None:
        return problems
    for category in CATEGORIES:
        entries = raw.get(category)
        if not isinstance(entries, list) or not entries:
            problems.append(Problem(path.name, line_of(text, (category,)), "", category, "category is missing or empty (a list of terms)"))
            continue
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            where = (category, index)
            if not isinstance(entry, dict):
                problems.append(Problem(path.name, line_of(text, where), "", f"{category}[{index}]", "a term must be a mapping with id, en and zh"))
                continue
            term_id = str(entry.get("id", ""))
            try:
                VocabularyTerm.model_validate(entry)
            except ValidationError as error:
                for item in error.errors():
                    field = _field_path(item["loc"])
                    problems.append(Problem(path.name, line_of(text, where + field), term_id, _dotted((category, index, *field)), _message(item)))
            if term_id in seen:
                problems.append(Problem(path.name, line_of(text, where), term_id, f"{category}[{index}].id", f"id '{term_id}' is used twice in {category}"))
            seen[term_id] = index
            for s_index, subtype in enumerate(entry.get("subtypes") or []):
                try:
                    VocabularyTerm.model_validate(subtype)
                except ValidationError as error:
                    for item in error.errors():
                        field = _field_path(item["loc"])
                        problems.append(Problem(path.name, line_of(text, (*where, "subtypes", s_index, *field)), term_id,
                                                _dotted((category, index, "subtypes", s_index, *field)), _message(item)))
    return problems
