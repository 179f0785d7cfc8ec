"""The trial table as pandas frames, for the trial-landscape page.

* `load_trials()` — one row per trial; list fields '; '-joined; `start_year`; the link columns
  (`linked_studies`, `n_linked_studies`, `no_results_in_atlas`).
* `load_trial_tables()` — the same wide frame plus long tables (trial × disease, trial × target,
  trial × therapy class, trial × country, trial × phase) and the trial × study link table, so a target × disease
  heatmap and multi-valued filters need no string splitting.

Trial rows are registrations, never patients: nothing here feeds a remission or safety figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evidence.paths import DATA_DIR
from evidence.trials.links import link_table, study_registrations, trial_flags
from evidence.trials.schema import Trial, trial_vocabulary
from evidence.trials.store import load_trial_records

LIST_FIELDS = ("phases", "countries", "conditions", "interventions", "secondary_ids", "therapy_classes", "targets", "diseases")
LONG_TABLES = {"diseases": "disease", "targets": "target", "therapy_classes": "therapy_class", "countries": "country", "phases": "phase"}


@dataclass(frozen=True)
class TrialTables:
    trials: pd.DataFrame
    diseases: pd.DataFrame
    targets: pd.DataFrame
    therapy_classes: pd.DataFrame
    countries: pd.DataFrame
    phases: pd.DataFrame
    links: pd.DataFrame


def trial_frame(trials: list[Trial], links: pd.DataFrame | None = None) -> pd.DataFrame:
    links = links if links is not None else pd.DataFrame(columns=["trial_id", "study_id"])
    rows = []
    for trial in trials:
        row = trial.model_dump()
        for name in LIST_FIELDS:
            row[name] = "; ".join(row[name])
        row.update(registry=trial.registry, start_year=trial.start_year, snapshot_date=trial.snapshot_date.isoformat())
        rows.append(row)
    columns = [*Trial.model_fields, "registry", "start_year"]
    frame = pd.DataFrame(rows, columns=columns).rename(columns={"id": "trial_id"})
    frame["start_year"] = frame["start_year"].astype("Int64")
    frame["enrolment"] = frame["enrolment"].astype("Int64")
    flags = trial_flags(trials, links)
    return frame.merge(flags, on="trial_id", how="left").sort_values("trial_id", ignore_index=True)


def _long(trials: list[Trial], name: str, column: str) -> pd.DataFrame:
    rows = [{"trial_id": t.id, column: value} for t in trials for value in getattr(t, name)]
    return pd.DataFrame(rows, columns=["trial_id", column])


def build_trial_tables(trials: list[Trial], registrations: dict[str, list[str]]) -> TrialTables:
    links = link_table(trials, registrations)
    longs = {name: _long(trials, name, column) for name, column in LONG_TABLES.items()}
    return TrialTables(trials=trial_frame(trials, links), links=links, **longs)


def load_trial_tables(data_dir: Path = DATA_DIR) -> TrialTables:
    """Validate data/trials.yaml (strict: raises DataValidationError) and build every frame."""
    vocab = trial_vocabulary(data_dir / "vocabulary.yaml")
    trials = load_trial_records(data_dir / "trials.yaml", vocab)
    return build_trial_tables(trials, study_registrations(data_dir / "studies"))


def load_trials(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """One row per trial (list fields '; '-joined), with linked study ids and the no_results_in_atlas flag."""
    return load_trial_tables(data_dir).trials


def filter_trials(tables: TrialTables, *, diseases=(), therapy_classes=(), targets=(), cell_sources=(), statuses=(),
                  phases=(), sponsor_classes=(), countries=(), age_groups=(), start_year_from=None, start_year_to=None) -> set[str]:
    """Trial ids meeting every given filter (a multi-valued field matches when any of its values is selected)."""
    frame = tables.trials
    keep = set(frame["trial_id"])
    for values, table, column in ((diseases, tables.diseases, "disease"), (therapy_classes, tables.therapy_classes, "therapy_class"),
                                  (targets, tables.targets, "target"), (countries, tables.countries, "country"),
                                  (phases, tables.phases, "phase")):
        if values:
            keep &= set(table.loc[table[column].isin(values), "trial_id"])
    for values, column in ((cell_sources, "cell_source"), (statuses, "status"), (sponsor_classes, "sponsor_class"), (age_groups, "age_group")):
        if values:
            keep &= set(frame.loc[frame[column].isin(values), "trial_id"])
    years = frame["start_year"]
    if start_year_from is not None:
        keep &= set(frame.loc[years.notna() & (years >= start_year_from), "trial_id"])
    if start_year_to is not None:
        keep &= set(frame.loc[years.notna() & (years <= start_year_to), "trial_id"])
    return keep


def target_disease_counts(tables: TrialTables, trial_ids: set[str] | None = None) -> pd.DataFrame:
    """Number of trials per (target, disease) — the heatmap's cells; a basket trial counts once in each of its diseases."""
    pairs = tables.targets.merge(tables.diseases, on="trial_id")
    if trial_ids is not None:
        pairs = pairs[pairs["trial_id"].isin(trial_ids)]
    counts = pairs.groupby(["target", "disease"]).agg(trials=("trial_id", "nunique"),
                                                     trial_ids=("trial_id", lambda s: "; ".join(sorted(set(s)))))
    return counts.reset_index().sort_values(["target", "disease"], ignore_index=True)


__all__ = [
    "TrialTables", "build_trial_tables", "filter_trials", "load_trial_tables", "load_trials", "target_disease_counts", "trial_frame",
]
