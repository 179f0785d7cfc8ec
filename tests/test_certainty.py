"""Certainty ratings on hand-built bodies of evidence: each GRADE-style rule and the reason it records."""

from __future__ import annotations

import pandas as pd
import pytest

from evidence.certainty import rate_certainty
from evidence.compare import TherapyComparison
from evidence.pooling import pool_proportions


def body(events, totals, designs=None, model="NN"):
    """A therapy's pooled result from hand-chosen counts (study ids s0, s1, …)."""
    designs = designs or ["case_series"] * len(events)
    rows = pd.DataFrame({"study_id": [f"s{i}" for i in range(len(events))], "design": designs,
                         "responders": events, "evaluated": totals})
    pooled = pool_proportions(events, totals, model="NN", measure="PLO", tau2_method="REML") if model == "NN" else pool_proportions(events, totals)
    return TherapyComparison(group="car_t|cd19", cohorts=pd.DataFrame(), outcome_rows=rows, pooled=pooled,
                             method_spread=None, safety=pd.DataFrame(), drug_free=None)


def low_risk(result):
    return {s: "low" for s in result.outcome_rows["study_id"]}


def reasons(certainty):
    return {r.domain: (r.steps, r.key) for r in certainty.reasons}


def test_large_consistent_single_arm_evidence_stays_low():
    result = body([60, 62, 58, 61], [100, 100, 100, 100])
    certainty = rate_certainty(result, "doris_remission", low_risk(result), unpublished_trials=0)
    assert certainty.start == "low" and certainty.level == "low"
    assert all(steps == 0 for steps, _ in reasons(certainty).values())


def test_randomised_evidence_starts_high():
    result = body([60, 62, 58, 61], [100, 100, 100, 100], designs=["rct"] * 4)
    certainty = rate_certainty(result, "doris_remission", low_risk(result), unpublished_trials=0)
    assert (certainty.start, certainty.level) == ("high", "high")


def test_small_pool_is_very_seriously_imprecise():
    result = body([5, 3], [5, 4])
    certainty = rate_certainty(result, "doris_remission", low_risk(result), unpublished_trials=0)
    assert reasons(certainty)["imprecision"] == (2, "imprecision_very_serious")
    assert certainty.level == "very_low"
    assert reasons(certainty)["inconsistency"] == (0, "inconsistency_not_assessable")


def test_fewer_than_100_patients_is_serious_imprecision():
    result = body([20, 22, 21], [30, 30, 30], designs=["rct"] * 3)  # 90 patients
    r = reasons(rate_certainty(result, "doris_remission", low_risk(result), unpublished_trials=0))
    assert r["imprecision"] == (1, "imprecision_serious")


def test_heterogeneity_downgrades_for_inconsistency():
    result = body([10, 90, 15, 85], [100, 100, 100, 100], designs=["rct"] * 4)
    certainty = rate_certainty(result, "doris_remission", low_risk(result), unpublished_trials=0)
    assert reasons(certainty)["inconsistency"] == (1, "inconsistency_serious")
    assert certainty.downgrades[0].values["i2"] >= 50


def test_high_risk_of_bias_for_half_the_patients_downgrades():
    result = body([60, 62, 58, 61], [100, 100, 100, 100], designs=["rct"] * 4)
    risk = {"s0": "high", "s1": "high", "s2": "low", "s3": "some_concerns"}
    certainty = rate_certainty(result, "doris_remission", risk, unpublished_trials=0)
    assert reasons(certainty)["risk_of_bias"] == (1, "rob_high") and certainty.level == "moderate"


def test_unappraised_studies_downgrade_too():
    result = body([60, 62, 58, 61], [100, 100, 100, 100], designs=["rct"] * 4)
    certainty = rate_certainty(result, "doris_remission", {"s0": "low"}, unpublished_trials=0)
    assert reasons(certainty)["risk_of_bias"] == (1, "rob_unappraised")


def test_study_defined_measures_are_indirect():
    result = body([60, 62, 58, 61], [100, 100, 100, 100], designs=["rct"] * 4)
    certainty = rate_certainty(result, "clinical_remission", low_risk(result), unpublished_trials=0)
    assert reasons(certainty)["indirectness"] == (1, "indirectness_study_defined")


@pytest.mark.parametrize(("trials", "expected"), [(2, (1, "publication_bias_suspected")), (0, (0, "publication_bias_ok")), (None, (0, "publication_bias_unknown"))])
def test_unpublished_registered_trials_suggest_publication_bias(trials, expected):
    result = body([60, 62, 58, 61], [100, 100, 100, 100], designs=["rct"] * 4)
    assert reasons(rate_certainty(result, "doris_remission", low_risk(result), unpublished_trials=trials))["publication_bias"] == expected


def test_the_rating_never_goes_below_very_low():
    result = body([1, 3], [2, 4])
    certainty = rate_certainty(result, "qualitative_improvement", {}, unpublished_trials=3)
    assert certainty.level == "very_low" and sum(r.steps for r in certainty.downgrades) >= 4


def test_nothing_pooled_has_no_rating():
    result = TherapyComparison(group="x", cohorts=pd.DataFrame(), outcome_rows=pd.DataFrame(), pooled=None,
                               method_spread=None, safety=pd.DataFrame(), drug_free=None)
    assert rate_certainty(result, "doris_remission", {}) is None
