"""Sensitivity analyses beside the main pooled result: the same comparison under another reading of the data.

Each analysis is a list of TherapyComparison results computed on a variant of the table (article-read numbers
only, ...); `sensitivity_table` lines them up with the main result, one row per therapy and analysis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evidence.compare import TherapyComparison

SENSITIVITY_COLUMNS = ["therapy_group", "analysis", "k", "patients_pooled", "pooled", "ci_low", "ci_high", "is_pooled", "differs"]


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


def sensitivity_table(main: list[TherapyComparison], analyses: dict[str, list[TherapyComparison]]) -> pd.DataFrame:
    """Rows: for each therapy, the main analysis, then each named analysis with `differs` = it changes k or the estimate."""
    records = []
    for result in main:
        base = _summary(result)
        records.append({"therapy_group": result.group, "analysis": "main", **base, "differs": False})
        for name, results in analyses.items():
            other = _summary(next((r for r in results if r.group == result.group), None))
            records.append({"therapy_group": result.group, "analysis": name, **other, "differs": _differs(base, other)})
    return pd.DataFrame(records, columns=SENSITIVITY_COLUMNS)
