"""Importing a ClinicalTrials.gov API v2 JSON export into the trial table.

`python -m evidence trials import FILE [--write] [--complete]` reads the registry's own export format
(`{"studies": [{"protocolSection": {...}}, ...], "nextPageToken": ...}`), classifies every study with the same
rules as the table (evidence.trials.rules), and reports against data/trials.yaml:

* NEW      — registrations not yet in the table;
* CHANGED  — registrations in the table whose registry fields (or, for rule-classified entries, whose
             classification) differ, field by field;
* GONE     — registrations whose status became WITHDRAWN, and — only when the curator passes `--complete`, saying
             the file is the whole result of the registry query — registrations that came from a registry list
             (`listed_by: reference_list` or `registry_import`) but are absent from the file. Curator-searched entries
             (MSC, HSCT, other registries) lie outside such a query and are never reported absent. Absent trials
             are reported, never deleted.

Nothing is written without `--write`. A file that is not JSON, not of the export's shape, a single page of a paged
export (`nextPageToken` set, or `totalCount` larger than the studies present), empty, or with a study lacking its
NCT id, title or status is refused as a whole with a message naming the problem, and nothing in data/ changes.
With `--write`, new and changed entries get the snapshot date of the import (`--snapshot-date`, default today);
the new table is validated before it replaces the old file atomically.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from evidence.trials.rules import classify, classify_sponsor, clean
from evidence.trials.schema import (
    CLASSIFICATION_FIELDS, REGISTRY_FIELDS, REGISTRY_ID_PATTERNS, Trial, registry_url_for, trial_vocabulary,
)

STATUSES = {
    "NOT_YET_RECRUITING", "RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING", "SUSPENDED", "TERMINATED",
    "COMPLETED", "WITHDRAWN", "UNKNOWN", "AVAILABLE", "NO_LONGER_AVAILABLE", "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING", "WITHHELD",
}
PHASES = {"EARLY_PHASE1": "early_phase1", "PHASE1": "phase1", "PHASE2": "phase2", "PHASE3": "phase3",
          "PHASE4": "phase4", "NA": "not_applicable"}
ENDPOINT_LENGTH = 160


class ImportRefused(ValueError):
    """The file cannot be imported as a whole; nothing was changed."""


def _get(mapping, *path):
    for key in path:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping


def short_endpoint(measure) -> str | None:
    """The first primary outcome's title, cut at a word boundary (registry endpoint titles are facts)."""
    text = clean(measure)
    if not text:
        return None
    if len(text) <= ENDPOINT_LENGTH:
        return text
    cut = text[: ENDPOINT_LENGTH - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def read_export(path: Path) -> tuple[list[dict], dict]:
    """Read and check an export; returns (studies, {'total': totalCount or None}) or raises ImportRefused."""
    try:
        raw_bytes = Path(path).read_bytes()
    except OSError as error:
        raise ImportRefused(f"cannot read the file: {error.strerror or error}") from None
    try:
        data = json.loads(raw_bytes.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ImportRefused(f"not UTF-8 text ({error.reason} at byte {error.start}); expected a ClinicalTrials.gov API v2 JSON export") from None
    except json.JSONDecodeError as error:
        raise ImportRefused(f"not JSON (line {error.lineno}, column {error.colno}: {error.msg}); expected a ClinicalTrials.gov API v2 JSON export") from None
    if not isinstance(data, dict) or "studies" not in data:
        found = type(data).__name__ if not isinstance(data, dict) else f"keys {', '.join(sorted(data)) or 'none'}"
        raise ImportRefused(f"wrong shape: expected an object {{\"studies\": [...]}} (API v2 /studies response), found {found}")
    studies = data["studies"]
    if not isinstance(studies, list):
        raise ImportRefused(f"wrong shape: 'studies' must be a list, found {type(studies).__name__}")
    if data.get("nextPageToken"):
        raise ImportRefused(
            f"partial export: this is one page of a paged result (nextPageToken is set, {len(studies)} studies on this page); "
            "fetch every page and merge them into one file before importing")
    total = data.get("totalCount")
    if total is not None and (not isinstance(total, int) or total != len(studies)):
        raise ImportRefused(f"partial export: totalCount says {total} studies but the file holds {len(studies)}")
    if not studies:
        raise ImportRefused("the export holds no studies (an empty query result is not imported)")
    problems, seen = [], {}
    for index, study in enumerate(studies):
        where = f"studies[{index}]"
        if not isinstance(study, dict) or not isinstance(study.get("protocolSection"), dict):
            problems.append(f"{where}: no protocolSection")
            continue
        nct = _get(study, "protocolSection", "identificationModule", "nctId")
        where = f"{where} ({nct})" if isinstance(nct, str) else where
        if not isinstance(nct, str) or not nct.strip():
            problems.append(f"{where}: protocolSection.identificationModule.nctId is missing")
        elif not REGISTRY_ID_PATTERNS["ctgov"].match(nct.strip()):
            problems.append(f"{where}: nctId '{nct}' is not NCT + 8 digits")
        elif nct in seen:
            problems.append(f"{where}: nctId {nct} appears twice (also studies[{seen[nct]}])")
        else:
            seen[nct] = index
        if not clean(_get(study, "protocolSection", "identificationModule", "briefTitle")):
            problems.append(f"{where}: identificationModule.briefTitle is missing")
        status = _get(study, "protocolSection", "statusModule", "overallStatus")
        if status not in STATUSES:
            problems.append(f"{where}: statusModule.overallStatus {'is missing' if status is None else repr(status) + ' is not a registry status'}")
        phases = _get(study, "protocolSection", "designModule", "phases")
        if phases is not None and (not isinstance(phases, list) or any(p not in PHASES for p in phases)):
            problems.append(f"{where}: designModule.phases {phases!r} is not a list of registry phases")
        count = _get(study, "protocolSection", "designModule", "enrollmentInfo", "count")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
            problems.append(f"{where}: designModule.enrollmentInfo.count {count!r} is not a whole number")
        for lists in (("conditionsModule", "conditions"), ("armsInterventionsModule", "interventions"),
                      ("contactsLocationsModule", "locations"), ("outcomesModule", "primaryOutcomes")):
            value = _get(study, "protocolSection", *lists)
            if value is not None and not isinstance(value, list):
                problems.append(f"{where}: {'.'.join(lists)} must be a list")
    if problems:
        shown = "\n  ".join(problems[:20]) + (f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise ImportRefused(f"{len(problems)} problem(s) in the export:\n  {shown}")
    return studies, {"total": total}


def registry_fields(study: dict) -> dict:
    """The table's registry fields from one API v2 study."""
    p = study["protocolSection"]
    ident, status, design = p.get("identificationModule", {}), p.get("statusModule", {}), p.get("designModule") or {}
    sponsor = _get(p, "sponsorCollaboratorsModule", "leadSponsor") or {}
    enrolment = design.get("enrollmentInfo") or {}
    countries = sorted({clean(loc.get("country")) for loc in _get(p, "contactsLocationsModule", "locations") or []
                        if isinstance(loc, dict) and clean(loc.get("country"))})
    outcomes = [o for o in _get(p, "outcomesModule", "primaryOutcomes") or [] if isinstance(o, dict)]
    secondary = [clean(s.get("id")) for s in ident.get("secondaryIdInfos") or [] if isinstance(s, dict)]
    secondary = [s for s in secondary if any(REGISTRY_ID_PATTERNS[r].match(s) for r in ("chictr", "eudract", "ctis"))]
    count = enrolment.get("count")
    return {
        "id": ident["nctId"].strip(),
        "title": clean(ident.get("briefTitle")),
        "status": status["overallStatus"].lower(),
        "phases": [PHASES[x] for x in design.get("phases") or []],
        "start_date": _get(status, "startDateStruct", "date"),
        "primary_completion_date": _get(status, "primaryCompletionDateStruct", "date"),
        "last_update_date": _get(status, "lastUpdatePostDateStruct", "date"),
        "enrolment": count,
        "enrolment_type": (enrolment.get("type") or "").lower() or None if count is not None else None,
        "countries": countries,
        "lead_sponsor": clean(sponsor.get("name")) or None,
        "sponsor_class": classify_sponsor(sponsor.get("name"), sponsor.get("class")),
        "conditions": [clean(c) for c in _get(p, "conditionsModule", "conditions") or [] if clean(c)],
        "interventions": [clean(i.get("name")) for i in _get(p, "armsInterventionsModule", "interventions") or []
                          if isinstance(i, dict) and clean(i.get("name"))],
        "min_age": clean(_get(p, "eligibilityModule", "minimumAge")) or None,
        "max_age": clean(_get(p, "eligibilityModule", "maximumAge")) or None,
        "primary_endpoint": short_endpoint(outcomes[0].get("measure")) if outcomes else None,
        "secondary_ids": list(dict.fromkeys(secondary)),
    }


def classification_fields(fields: dict, known_diseases: set[str] | None = None) -> dict:
    result = classify(fields.get("title") or "", fields.get("interventions") or [], fields.get("conditions") or [],
                      fields.get("min_age"), fields.get("max_age"), known_diseases)
    return result.as_fields()


def trial_from_study(study: dict, snapshot_date: dt.date, listed_by: str = "registry_import", vocab=None) -> Trial:
    vocab = vocab or trial_vocabulary()
    fields = registry_fields(study)
    fields.update(classification_fields(fields, set(vocab.ids("diseases"))))
    fields.update(snapshot_date=snapshot_date, registry_url=registry_url_for(fields["id"]), listed_by=listed_by)
    return Trial.model_validate({k: v for k, v in fields.items() if v is not None}, context={"vocabulary": vocab})


@dataclass
class ImportReport:
    new: list[Trial] = field(default_factory=list)
    changed: list[tuple[Trial, Trial, list[tuple[str, object, object]]]] = field(default_factory=list)
    withdrawn: list[tuple[Trial, Trial]] = field(default_factory=list)
    absent: list[Trial] = field(default_factory=list)
    unchanged: int = 0
    rule_hints: list[tuple[Trial, list[tuple[str, object, object]]]] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed)

    def lines(self) -> list[str]:
        out = [f"NEW ({len(self.new)}):"]
        out += [f"  {t.id}  {t.title}  [{t.status}; {'/'.join(t.therapy_classes)}; {'/'.join(t.targets)}; {', '.join(t.diseases)}]" for t in self.new]
        out.append(f"CHANGED ({len(self.changed)}):")
        for old, _new, diffs in self.changed:
            out.append(f"  {old.id}")
            out += [f"    {name}: {_show(before)} -> {_show(after)}" for name, before, after in diffs]
        out.append(f"GONE ({len(self.withdrawn) + len(self.absent)}):")
        out += [f"  {old.id}: withdrawn (was {old.status or 'blank'})" for old, _new in self.withdrawn]
        out += [f"  {t.id}: absent from the complete export (kept in the table; check the registry)" for t in self.absent]
        if self.rule_hints:
            out.append(f"curator-classified entries where the rules now say otherwise ({len(self.rule_hints)}, not changed):")
            for trial, diffs in self.rule_hints:
                out += [f"  {trial.id} {name}: table {_show(before)}, rules {_show(after)}" for name, before, after in diffs]
        out.append(f"unchanged: {self.unchanged}")
        return out


def _show(value) -> str:
    if value is None or value == []:
        return "(blank)"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _diff(old: Trial, new: Trial, names) -> list[tuple[str, object, object]]:
    return [(n, getattr(old, n), getattr(new, n)) for n in names if getattr(old, n) != getattr(new, n)]


def compare(table: list[Trial], incoming: list[Trial], complete: bool = False) -> ImportReport:
    report = ImportReport()
    current = {t.id: t for t in table}
    for trial in incoming:
        old = current.get(trial.id)
        if old is None:
            report.new.append(trial)
            continue
        names = list(REGISTRY_FIELDS) + ["secondary_ids"]
        if old.classified_by == "rules":
            names += list(CLASSIFICATION_FIELDS)
        diffs = _diff(old, trial, names)
        if old.classified_by == "curator":
            hints = _diff(old, trial, CLASSIFICATION_FIELDS[:-1])
            if hints:
                report.rule_hints.append((old, hints))
        if diffs:
            report.changed.append((old, trial, diffs))
            if trial.status == "withdrawn" and old.status != "withdrawn":
                report.withdrawn.append((old, trial))
        else:
            report.unchanged += 1
    if complete:
        present = {t.id for t in incoming}
        report.absent = [t for t in table if t.registry == "ctgov" and t.listed_by in ("reference_list", "registry_import")
                         and t.id not in present]
    return report


def apply(table: list[Trial], report: ImportReport, snapshot_date: dt.date, vocab=None) -> list[Trial]:
    """The table after the import: new entries added, changed ones updated (curator classifications kept)."""
    vocab = vocab or trial_vocabulary()
    updated = {t.id: t for t in table}
    for trial in report.new:
        updated[trial.id] = trial
    for old, new, diffs in report.changed:
        data = old.model_dump()
        for name in list(REGISTRY_FIELDS) + ["secondary_ids"]:
            data[name] = getattr(new, name)
        if old.classified_by == "rules":
            for name in CLASSIFICATION_FIELDS:
                data[name] = getattr(new, name)
        if any(name in REGISTRY_FIELDS or name == "secondary_ids" for name, _before, _after in diffs):
            # the registry record itself changed: it was read anew on the import's date
            data.update(snapshot_date=snapshot_date, registry_url=registry_url_for(old.id), source_url=None,
                        source_note="Registry fields updated from a ClinicalTrials.gov API v2 export read on "
                                    f"{snapshot_date.isoformat()}.")
        updated[old.id] = Trial.model_validate(data, context={"vocabulary": vocab})
    return list(updated.values())


def reclassify(table: list[Trial], vocab=None) -> tuple[list[tuple[Trial, list[tuple[str, object, object]]]], list[Trial]]:
    """Re-apply the rules to every rule-classified entry (after the rules or the lexicon changed).

    Returns (entries whose classification changes, with their field changes) and the updated table; registry fields,
    snapshot dates and provenance are untouched, and curator-classified entries are left as they are.
    """
    vocab = vocab or trial_vocabulary()
    changes, updated = [], []
    for trial in table:
        if trial.classified_by != "rules":
            updated.append(trial)
            continue
        fields = classification_fields(trial.model_dump(), set(vocab.ids("diseases")))
        diffs = [(name, getattr(trial, name), fields[name]) for name in CLASSIFICATION_FIELDS if getattr(trial, name) != fields[name]]
        if diffs:
            data = {**trial.model_dump(), **fields}
            trial = Trial.model_validate(data, context={"vocabulary": vocab})
            changes.append((trial, diffs))
        updated.append(trial)
    return changes, updated


def import_export(path: Path, table: list[Trial], snapshot_date: dt.date, complete: bool = False,
                  listed_by: str = "registry_import", vocab=None) -> tuple[ImportReport, list[Trial]]:
    """Read, classify and compare; returns the report and the would-be table (nothing is written here)."""
    vocab = vocab or trial_vocabulary()
    studies, _meta = read_export(path)
    incoming = []
    for index, study in enumerate(studies):
        try:
            incoming.append(trial_from_study(study, snapshot_date, listed_by, vocab))
        except ValueError as error:  # a study the table's schema cannot hold: refuse the file, name the study
            nct = _get(study, "protocolSection", "identificationModule", "nctId")
            first = str(error).splitlines()
            raise ImportRefused(f"studies[{index}] ({nct}): cannot be stored: {' '.join(first[:3])}") from None
    report = compare(table, incoming, complete)
    return report, apply(table, report, snapshot_date, vocab)
