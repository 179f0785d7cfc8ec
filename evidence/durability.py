"""How long responses last, and how the pooled estimate moved as reports accumulated.

durability_points : for one therapy group and measure, every cohort's responders/evaluated at each timepoint it
                    reports (exact CIs), so a line per cohort shows waning or durable response. Rows at "last
                    follow-up" without a month are left out (they have no place on a time axis) and counted.
cumulative_pool   : the pooled estimate using the cohorts published up to each year (each cohort at its latest
                    timepoint for the measure, newest report of each cohort), as a cumulative meta-analysis.
"""

from __future__ import annotations

import pandas as pd

from evidence.compare import PoolMethod
from evidence.matrices import latest_outcome_per_cohort
from evidence.pooling import exact_ci, pool_proportions
from evidence.summary import COHORT_KEY

POINT_COLUMNS = ["study_id", "label", "cohort", "timepoint_months", "responders", "evaluated", "proportion", "ci_low", "ci_high", "grade"]
CUMULATIVE_COLUMNS = ["year", "k", "patients", "estimate", "ci_low", "ci_high", "pooled", "added"]


def _group_rows(base: pd.DataFrame, group: str, measure: str) -> pd.DataFrame:
    rows = base[(base["therapy_group"] == group) & (base["outcome_measure"].astype("object") == measure)]
    return rows[(rows["responders"].notna() & rows["evaluated"].notna()).fillna(False) & (rows["evaluated"] > 0).fillna(False)]


def durability_points(base: pd.DataFrame, group: str, measure: str) -> tuple[pd.DataFrame, int]:
    """(points, rows without a month). `base` is comparison_base(...) of one disease."""
    rows = _group_rows(base, group, measure)
    timed = rows[rows["timepoint_months"].notna()]
    if timed.empty:
        return pd.DataFrame(columns=POINT_COLUMNS), len(rows)
    intervals = [exact_ci(int(r), int(n)) for r, n in zip(timed["responders"], timed["evaluated"])]
    cohort = timed[COHORT_KEY].astype("object").fillna("").astype(str).agg(" · ".join, axis=1)  # one line per cohort
    points = pd.DataFrame({
        "study_id": timed["study_id"].astype(str).to_numpy(),
        "label": (timed["first_author"].astype(str) + " " + timed["year"].astype(str)).to_numpy(),
        "cohort": cohort.to_numpy(),
        "timepoint_months": timed["timepoint_months"].astype(float).to_numpy(),
        "responders": timed["responders"].astype(int).to_numpy(),
        "evaluated": timed["evaluated"].astype(int).to_numpy(),
        "ci_low": [low for low, _ in intervals], "ci_high": [high for _, high in intervals],
        "grade": timed["grade"].astype("object").to_numpy() if "grade" in timed else None,
    })
    points["proportion"] = points["responders"] / points["evaluated"]
    return points[POINT_COLUMNS].sort_values(["label", "timepoint_months"], ignore_index=True), int(rows["timepoint_months"].isna().sum())


def cumulative_pool(base: pd.DataFrame, group: str, measure: str, method: PoolMethod = PoolMethod()) -> pd.DataFrame:
    """One row per publication year with a new cohort: the pool of every cohort published up to that year."""
    latest = latest_outcome_per_cohort(base[base["therapy_group"] == group], measure)
    if latest.empty:
        return pd.DataFrame(columns=CUMULATIVE_COLUMNS)
    latest = latest.assign(_year=latest["year"].astype(int))
    records = []
    for year in sorted(latest["_year"].unique()):
        upto = latest[latest["_year"] <= year]
        result = pool_proportions(upto["responders"].astype(int), upto["evaluated"].astype(int), **method.kwargs())
        added = upto[upto["_year"] == year]
        records.append({"year": int(year), "k": result.k, "patients": int(upto["evaluated"].sum()), "estimate": result.estimate,
                        "ci_low": result.ci_low, "ci_high": result.ci_high, "pooled": result.pooled,
                        "added": "; ".join(added["first_author"].astype(str) + " " + added["year"].astype(str))})
    return pd.DataFrame(records, columns=CUMULATIVE_COLUMNS)
