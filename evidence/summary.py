"""Headline counts for a filtered view, counting each patient once."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

COHORT_KEY = ["study_id", "disease", "disease_subtype"]


@dataclass(frozen=True)
class Summary:
    studies: int
    patients: int
    diseases: int
    therapy_classes: int
    patients_may_repeat: bool  # the view includes reports whose patients a newer report re-reports


def cohorts_of(view: pd.DataFrame) -> pd.DataFrame:
    """One row per study × disease cohort of the view (the evidence table repeats cohorts once per outcome)."""
    return view.drop_duplicates(subset=COHORT_KEY)


def patients_counted_once(view: pd.DataFrame) -> int:
    return int(cohorts_of(view)["n_patients"].sum()) if not view.empty else 0


def summarise(view: pd.DataFrame) -> Summary:
    return Summary(
        studies=int(view["study_id"].nunique()),
        patients=patients_counted_once(view),
        diseases=int(view["disease"].nunique()),
        therapy_classes=int(view["therapy_class"].nunique()),
        patients_may_repeat=bool((~view["is_current"].astype(bool)).any()),
    )


def totals_by(view: pd.DataFrame, column: str) -> pd.DataFrame:
    """Columns: <column>, studies, patients (once per cohort); sorted by studies, most first."""
    cohorts = cohorts_of(view)
    grouped = cohorts.groupby(cohorts[column].astype("object"), dropna=True).agg(
        studies=("study_id", "nunique"), patients=("n_patients", "sum")
    )
    return grouped.sort_values(["studies", "patients"], ascending=False).reset_index()
