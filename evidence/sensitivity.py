"""Sensitivity analyses beside the main pooled result: the same comparison under another reading of the data.

Named analyses are lists of TherapyComparison computed on a variant of the table (article-read numbers only,
studies at high risk of bias left out …). Leave-one-out adds, per therapy, the refits with the lowest and the
highest estimate and the cohort whose omission gives each. `sensitivity_table` lines them all up with the main
result, one row per therapy and analysis, and marks the rows that change k or the estimate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evidence.compare import TherapyComparison

SENSITIVITY_COLUMNS = ["therapy_group", "analysis", "detail", "k", "patients_pooled", "pooled", "ci_low", "ci_high", "is_pooled", "differs"]


def _summary(result: TherapyComparison | None) -> dict:
    pooled = result.pooled if result else None
    rows = result.outcome_rows if result is not None else pd.DataFrame()
    return {
        "k": pooled.k if pooled else 0,
        "patients_pooled": int(rows["evaluated"].sum()) if len(rows) else 0,
        "pooled": pooled.estimate if pooled else np.nan,
        "ci_low": pooled.ci_low if pooled else np.nan,
        "ci_high": pooled.ci_high if pooled else np.nan,
        "is_pooled": bool(pooled and pooled.pooled),
    }


def _differs(main: dict, other: dict, tolerance: float = 1e-9) -> bool:
    if main["k"] != other["k"]:
        return True
    if np.isnan(main["pooled"]) and np.isnan(other["pooled"]):
        return False
    return bool(np.isnan(main["pooled"]) != np.isnan(other["pooled"]) or abs(main["pooled"] - other["pooled"]) > tolerance)


def _loo_rows(result: TherapyComparison, loo: pd.DataFrame) -> list[dict]:
    """The leave-one-out refits with the lowest and highest estimate (one row when they coincide)."""
    if loo is None or loo.empty:
        return []
    rows = result.outcome_rows.set_index("study_id")
    picks = [("loo_low", loo["estimate"].idxmin()), ("loo_high", loo["estimate"].idxmax())]
    if picks[0][1] == picks[1][1]:
        picks = picks[:1]
    records = []
    for name, index in picks:
        left_out = loo.loc[index]
        evaluated = int(rows["evaluated"].sum() - rows.loc[left_out["study_id"], "evaluated"])
        records.append({"analysis": name, "detail": left_out["label"], "k": int(left_out["k"]), "patients_pooled": evaluated,
                        "pooled": float(left_out["estimate"]), "ci_low": float(left_out["ci_low"]), "ci_high": float(left_out["ci_high"]),
                        "is_pooled": int(left_out["k"]) > 1})
    return records


def sensitivity_table(main: list[TherapyComparison], analyses: dict[str, list[TherapyComparison]],
                      loo: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Rows: for each pooled therapy the main analysis, its leave-one-out extremes, then each named analysis;
    `differs` = the row changes k or the estimate."""
    records = []
    for result in main:
        if result.pooled is None:
            continue
        base = _summary(result)
        records.append({"therapy_group": result.group, "analysis": "main", "detail": "", **base, "differs": False})
        for row in _loo_rows(result, (loo or {}).get(result.group)):
            records.append({"therapy_group": result.group, **row, "differs": _differs(base, row)})
        for name, results in analyses.items():
            other = _summary(next((r for r in results if r.group == result.group), None))
            records.append({"therapy_group": result.group, "analysis": name, "detail": "", **other, "differs": _differs(base, other)})
    return pd.DataFrame(records, columns=SENSITIVITY_COLUMNS)
