"""Links both ways between registered trials and the published studies of the atlas.

A study names its registrations in `citation.nct_ids`; that is the only link (the study files are the curators').
Per trial: the study ids that cite it, and the flag `no_results_in_atlas` — the trial is COMPLETED (or its primary
completion date lies more than a year before its snapshot date) and no atlas study links to it. Per study: the
registrations it cites that are in the trial table, and those that are not.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import pandas as pd

from evidence.paths import STUDIES_DIR
from evidence.trials.schema import Trial
from evidence.yaml_source import YamlSyntaxError, read_yaml

OVERDUE_AFTER_DAYS = 365


def study_registrations(studies_dir: Path = STUDIES_DIR) -> dict[str, list[str]]:
    """{study id: registrations named in citation.nct_ids}, read leniently (a broken study file just gives none)."""
    links = {}
    for path in sorted(studies_dir.glob("*.yaml")):
        try:
            raw = read_yaml(path) or {}
        except (YamlSyntaxError, OSError):
            continue
        ids = (raw.get("citation") or {}).get("nct_ids") if isinstance(raw, dict) else None
        if isinstance(ids, list):
            links[str(raw.get("id") or path.stem)] = [str(i).strip() for i in ids if str(i).strip()]
    return links


def link_table(trials: list[Trial], registrations: dict[str, list[str]]) -> pd.DataFrame:
    """One row per (trial, study) link, for trials in the table; a study's secondary ids count too."""
    ids = {t.id: t.id for t in trials}
    for trial in trials:
        for secondary in trial.secondary_ids:
            ids.setdefault(secondary, trial.id)
    rows = [{"trial_id": ids[reg], "study_id": study} for study, regs in registrations.items() for reg in regs if reg in ids]
    return pd.DataFrame(rows, columns=["trial_id", "study_id"]).drop_duplicates().sort_values(["trial_id", "study_id"], ignore_index=True)


def _end_of(date_text: str | None) -> dt.date | None:
    if not date_text:
        return None
    year, month = int(date_text[:4]), int(date_text[5:7])
    day = int(date_text[8:10]) if len(date_text) == 10 else calendar.monthrange(year, month)[1]
    return dt.date(year, month, day)


def results_overdue(trial: Trial) -> bool:
    """COMPLETED, or the primary completion date more than a year before the snapshot date."""
    if trial.status == "completed":
        return True
    end = _end_of(trial.primary_completion_date)
    return end is not None and (trial.snapshot_date - end).days > OVERDUE_AFTER_DAYS


def trial_flags(trials: list[Trial], links: pd.DataFrame) -> pd.DataFrame:
    """Per trial: linked study ids ('; '-joined), their number, and no_results_in_atlas."""
    by_trial = links.groupby("trial_id")["study_id"].apply(list).to_dict() if len(links) else {}
    rows = []
    for trial in trials:
        studies = sorted(by_trial.get(trial.id, []))
        rows.append({
            "trial_id": trial.id,
            "linked_studies": "; ".join(studies),
            "n_linked_studies": len(studies),
            "results_due": results_overdue(trial),
            "no_results_in_atlas": results_overdue(trial) and not studies,
        })
    return pd.DataFrame(rows, columns=["trial_id", "linked_studies", "n_linked_studies", "results_due", "no_results_in_atlas"])


def study_trials(trials: list[Trial], registrations: dict[str, list[str]]) -> pd.DataFrame:
    """Per study: registrations it cites that are in the table, and those missing from it."""
    known = {t.id for t in trials} | {s for t in trials for s in t.secondary_ids}
    rows = [{"study_id": study, "trial_ids": "; ".join(r for r in regs if r in known),
             "missing_from_trial_table": "; ".join(r for r in regs if r not in known)}
            for study, regs in sorted(registrations.items()) if regs]
    return pd.DataFrame(rows, columns=["study_id", "trial_ids", "missing_from_trial_table"])
