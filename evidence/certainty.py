"""Certainty of the evidence per therapy × disease × outcome: a GRADE-style rating computed by documented rules.

This is a rule-based suggestion from the atlas's data, not a guideline panel's judgement. GRADE (Guyatt GH, et al.
J Clin Epidemiol 2011;64:383-94 and the series that follows) asks five questions of a body of evidence; the rules
below answer each from the numbers the atlas holds, and every downgrade carries its reason and the figures behind it.

Start: high when any pooled cohort comes from a randomised trial, otherwise low (single-arm and observational
evidence starts low in GRADE).
1. Risk of bias: −1 when half or more of the pooled patients come from studies at high risk of bias (study
   limitations, evidence/appraisal.py), or when half or more come from studies not yet appraised.
2. Inconsistency: −1 when k ≥ 3 and I² ≥ 50%, or when the 95% prediction interval is wider than 50 percentage
   points. With fewer than 3 cohorts inconsistency cannot be judged (stated, not downgraded).
3. Imprecision: −1 when fewer than 100 patients are pooled or the 95% CI is wider than 20 percentage points;
   −2 when fewer than 30 are pooled or the CI is wider than 40 points.
4. Indirectness: −1 when the measure is study-defined (no published definition applied by every study).
5. Publication bias: −1 when registered trials of the same therapy and disease are completed (or past their
   primary completion date by a year) with no publication found in the atlas.
The rating never goes below very low.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evidence.compare import TherapyComparison

LEVELS = ("very_low", "low", "moderate", "high")
STUDY_DEFINED_MEASURES = {"clinical_remission", "major_clinical_response", "clinical_response_any", "qualitative_improvement"}

# thresholds of the rules above (the About page and the tests read these names)
ROB_SHARE = 0.5
I2_SERIOUS = 50.0
PI_WIDTH_SERIOUS = 0.5
MIN_K_FOR_INCONSISTENCY = 3
OIS_SERIOUS = 100
OIS_VERY_SERIOUS = 30
CI_WIDTH_SERIOUS = 0.2
CI_WIDTH_VERY_SERIOUS = 0.4


@dataclass(frozen=True)
class Reason:
    """One GRADE domain's verdict: steps down (0, 1 or 2), a message key and the figures that fill it."""

    domain: str  # risk_of_bias | inconsistency | imprecision | indirectness | publication_bias
    steps: int
    key: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Certainty:
    level: str  # very_low | low | moderate | high
    start: str  # high (randomised evidence) | low
    reasons: tuple[Reason, ...]

    @property
    def downgrades(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.steps)


def _risk_of_bias(rows, risk: dict[str, str | None]) -> Reason:
    patients = rows["evaluated"].astype(float)
    total = float(patients.sum())
    judgements = rows["study_id"].map(lambda s: risk.get(s))
    high = float(patients[judgements == "high"].sum()) / total
    unappraised = float(patients[judgements.isna()].sum()) / total
    if high >= ROB_SHARE:
        return Reason("risk_of_bias", 1, "rob_high", {"share": high})
    if unappraised >= ROB_SHARE:
        return Reason("risk_of_bias", 1, "rob_unappraised", {"share": unappraised})
    return Reason("risk_of_bias", 0, "rob_ok", {"share": high})


def _inconsistency(result: TherapyComparison) -> Reason:
    pooled = result.pooled
    if pooled.k < MIN_K_FOR_INCONSISTENCY:
        return Reason("inconsistency", 0, "inconsistency_not_assessable", {"k": pooled.k})
    i2 = pooled.i2 if pooled.i2 is not None else np.nan
    width = (pooled.pi_high - pooled.pi_low) if pooled.pi_low is not None and pooled.pi_high is not None else np.nan
    if (not np.isnan(i2) and i2 >= I2_SERIOUS) or (not np.isnan(width) and width > PI_WIDTH_SERIOUS):
        return Reason("inconsistency", 1, "inconsistency_serious", {"i2": i2, "pi_width": width})
    return Reason("inconsistency", 0, "inconsistency_ok", {"i2": i2, "pi_width": width})


def _imprecision(result: TherapyComparison) -> Reason:
    pooled = result.pooled
    patients = int(result.outcome_rows["evaluated"].sum())
    width = float(pooled.ci_high - pooled.ci_low)
    values = {"patients": patients, "ci_width": width}
    if patients < OIS_VERY_SERIOUS or width > CI_WIDTH_VERY_SERIOUS:
        return Reason("imprecision", 2, "imprecision_very_serious", values)
    if patients < OIS_SERIOUS or width > CI_WIDTH_SERIOUS:
        return Reason("imprecision", 1, "imprecision_serious", values)
    return Reason("imprecision", 0, "imprecision_ok", values)


def _indirectness(measure: str) -> Reason:
    if measure in STUDY_DEFINED_MEASURES:
        return Reason("indirectness", 1, "indirectness_study_defined", {"measure": measure})
    return Reason("indirectness", 0, "indirectness_ok", {"measure": measure})


def _publication_bias(unpublished_trials: int | None) -> Reason:
    if unpublished_trials is None:
        return Reason("publication_bias", 0, "publication_bias_unknown", {})
    if unpublished_trials > 0:
        return Reason("publication_bias", 1, "publication_bias_suspected", {"trials": unpublished_trials})
    return Reason("publication_bias", 0, "publication_bias_ok", {"trials": 0})


def rate_certainty(result: TherapyComparison, measure: str, risk_of_bias: dict[str, str | None],
                   unpublished_trials: int | None = None) -> Certainty | None:
    """The rating of one therapy's pooled result for `measure`; None when nothing was pooled.

    `risk_of_bias` maps study id -> overall judgement (None = not appraised); `unpublished_trials` is the number of
    registered trials of this therapy and disease whose results are overdue and not in the atlas (None = unknown).
    """
    if result.pooled is None or result.outcome_rows.empty:
        return None
    randomised = "rct" in set(result.outcome_rows["design"])
    start = "high" if randomised else "low"
    reasons = (
        _risk_of_bias(result.outcome_rows, risk_of_bias),
        _inconsistency(result),
        _imprecision(result),
        _indirectness(measure),
        _publication_bias(unpublished_trials),
    )
    level = max(0, LEVELS.index(start) - sum(r.steps for r in reasons))
    return Certainty(level=LEVELS[level], start=start, reasons=reasons)
