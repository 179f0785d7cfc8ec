"""Small queries over outcome rows shared by the maps and the comparison."""

from __future__ import annotations

import pandas as pd

from evidence.matrices import therapy_group


def measures_with_counts(view: pd.DataFrame) -> list[str]:
    """Outcome measures that have responder counts in the view, most-reported (by cohorts) first."""
    counted = view[view["responders"].notna() & (view["evaluated"] > 0).fillna(False)]
    if counted.empty:
        return []
    cohorts = counted.drop_duplicates(subset=["study_id", "disease", "disease_subtype", "outcome_measure"])
    return list(cohorts["outcome_measure"].astype("object").value_counts().index)


def rows_for_cell(view: pd.DataFrame, disease: str, row_column: str, row_value: str) -> pd.DataFrame:
    """Evidence rows behind one cell of a map: a disease and one value of the row axis
    ('therapy_group', 'mechanism' or an evidence column such as 'target')."""
    rows = view[view["disease"].astype("object") == disease]
    if row_column == "therapy_group":
        return rows[therapy_group(rows) == row_value]
    if row_column == "mechanism":
        return rows[rows["mechanisms"].fillna("").str.split("; ").apply(lambda names: row_value in names)]
    return rows[rows[row_column].astype("object") == row_value]
