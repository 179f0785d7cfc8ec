"""evidence.pooling against R metafor reference values and on edge cases.

Reference numbers come from tests/fixtures/metafor_reference.json, produced by
`Rscript tests/fixtures/make_metafor_reference.R`.
"""

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from evidence.pooling import (
    PooledProportion,
    _escalc,
    _reml_loglik,
    _tau2_reml,
    exact_ci,
    pool_proportions,
    study_weights,
    wilson_ci,
)

TOL = 1e-4
REFERENCE = json.loads(
    (Path(__file__).parent / "fixtures" / "metafor_reference.json").read_text()
)
CASES = [
    pytest.param(fx, ref, id=f"{name}-{ref['measure']}-{ref['method']}")
    for name, fx in REFERENCE["fixtures"].items()
    for ref in fx["results"]
]


def test_reference_file_is_complete():
    assert REFERENCE["r_version"].startswith("R version")
    assert REFERENCE["metafor_version"]
    assert len(REFERENCE["fixtures"]) >= 6
    for fx in REFERENCE["fixtures"].values():
        combos = {(r["measure"], r["method"]) for r in fx["results"]}
        assert combos == {(m, t) for m in ("PLO", "PFT") for t in ("DL", "REML")}
    # The fixtures must cover both tau2 = 0 and clearly heterogeneous data.
    tau2s = [r["tau2"] for fx in REFERENCE["fixtures"].values() for r in fx["results"]]
    assert min(tau2s) == 0 and max(tau2s) > 0.5


@pytest.mark.parametrize("fx, ref", CASES)
def test_matches_metafor(fx, ref):
    res = pool_proportions(fx["events"], fx["totals"], measure=ref["measure"],
                           tau2_method=ref["method"], level=fx["level"])
    assert res.pooled and res.k == len(fx["events"])
    got = {"estimate": res.estimate, "ci_low": res.ci_low, "ci_high": res.ci_high,
           "pi_low": res.pi_low, "pi_high": res.pi_high, "tau2": res.tau2,
           "I2": res.i2, "QE": res.q}
    for key, value in got.items():
        assert value == pytest.approx(ref[key], abs=TOL), key
    np.testing.assert_allclose(res.weights, ref["weights"], rtol=0, atol=TOL)


@pytest.mark.parametrize("fx, ref", CASES)
def test_study_weights_match_metafor(fx, ref):
    w = study_weights(fx["events"], fx["totals"], ref["measure"], ref["method"])
    np.testing.assert_allclose(w, ref["weights"], rtol=0, atol=TOL)
    assert w.sum() == pytest.approx(100)


# ---------------------------------------------------------------- edge cases

def test_single_study_is_not_pooled():
    res = pool_proportions([3], [10], measure="PLO", tau2_method="REML")
    assert res.pooled is False and res.k == 1
    assert res.estimate == pytest.approx(0.3)
    assert res.ci_low == pytest.approx(stats.beta.ppf(0.025, 3, 8), abs=1e-12)
    assert res.ci_high == pytest.approx(stats.beta.ppf(0.975, 4, 7), abs=1e-12)
    assert res.tau2 == 0 and res.i2 is None and res.q is None
    assert res.pi_low is None and res.pi_high is None
    assert res.weights == (100.0,)


def test_single_study_after_dropping_zero_totals():
    res = pool_proportions([0, 4, 0], [0, 4, 0], measure="PFT")
    assert res.pooled is False and res.k == 1 and res.n_dropped == 2
    assert res.estimate == 1.0 and res.ci_high == 1.0
    assert res.ci_low == pytest.approx(0.025 ** (1 / 4), abs=1e-12)  # CP bound at x = n


def test_all_events_studies():
    plo = pool_proportions([5, 8, 6], [5, 8, 6], measure="PLO")
    assert plo.corrected  # logit undefined at p = 1 without the 1/2 correction
    assert 0.5 < plo.ci_low < plo.estimate < plo.ci_high < 1
    pft = pool_proportions([5, 8, 6], [5, 8, 6], measure="PFT")
    assert not pft.corrected
    assert pft.ci_high == 1.0 and 0.5 < pft.estimate <= 1


def test_zero_event_studies():
    plo = pool_proportions([0, 0, 0], [10, 12, 7], measure="PLO", tau2_method="REML")
    assert plo.corrected and plo.tau2 == 0
    assert 0 < plo.ci_low < plo.estimate < plo.ci_high < 0.5
    # Hand computation: each study becomes logit(0.5 / (n + 1)) with v = 1/0.5 + 1/(n + 0.5).
    n = np.array([10, 12, 7])
    y, v = np.log(0.5 / (n + 0.5)), 2 + 1 / (n + 0.5)
    mu = np.sum(y / v) / np.sum(1 / v)
    assert plo.estimate == pytest.approx(1 / (1 + math.exp(-mu)), abs=1e-12)
    pft = pool_proportions([0, 0, 0], [10, 12, 7], measure="PFT")
    assert pft.ci_low == 0.0 and pft.estimate < 0.1


def test_correction_flag_only_when_needed():
    assert not pool_proportions([3, 4], [10, 9], measure="PLO").corrected
    assert pool_proportions([0, 4], [10, 9], measure="PLO").corrected
    assert not pool_proportions([0, 4], [10, 9], measure="PFT").corrected


def test_zero_totals_are_dropped():
    fx = REFERENCE["fixtures"]["msc_heterogeneous"]
    events, totals = [0] + fx["events"], [0] + fx["totals"]
    for ref in fx["results"]:
        res = pool_proportions(events, totals, ref["measure"], ref["method"])
        assert res.k == len(fx["events"]) and res.n_dropped == 1
        assert res.estimate == pytest.approx(ref["estimate"], abs=TOL)
        w = study_weights(events, totals, ref["measure"], ref["method"])
        assert math.isnan(w[0])
        np.testing.assert_allclose(w[1:], ref["weights"], rtol=0, atol=TOL)


@pytest.mark.parametrize("events, totals, message", [
    ([], [], "No studies"),
    ([0, 0], [0, 0], "No studies"),
    ([5, 3], [4, 10], "exceed totals"),
    ([-1, 3], [10, 10], "negative"),
    ([1, 3], [-10, 10], "negative"),
    ([1, 3], [10], "differ in length"),
    ([1.5, 3], [10, 10], "whole numbers"),
    ([float("nan"), 3], [10, 10], "finite"),
    (["a", 3], [10, 10], "numeric"),
])
def test_invalid_input_raises(events, totals, message):
    with pytest.raises(ValueError, match=message):
        pool_proportions(events, totals)


@pytest.mark.parametrize("kwargs, message", [
    ({"measure": "PR"}, "measure"),
    ({"tau2_method": "PM"}, "tau2_method"),
    ({"level": 95}, "level"),
])
def test_invalid_options_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pool_proportions([3, 4], [10, 9], **kwargs)


# ------------------------------------------------------- single-study CIs

@pytest.mark.parametrize("level", [0.90, 0.95, 0.99])
@pytest.mark.parametrize("events, total", [(0, 5), (1, 5), (5, 5), (3, 4), (10, 40), (30, 81)])
def test_exact_ci_matches_statsmodels(events, total, level):
    expected = proportion_confint(events, total, alpha=1 - level, method="beta")
    np.testing.assert_allclose(exact_ci(events, total, level), expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("events, total", [(0, 5), (2, 5), (5, 5), (25, 30)])
def test_wilson_ci_matches_statsmodels(events, total):
    expected = proportion_confint(events, total, alpha=0.05, method="wilson")
    np.testing.assert_allclose(wilson_ci(events, total), expected, rtol=0, atol=1e-10)


def test_single_study_cis_reject_bad_input():
    with pytest.raises(ValueError, match="total > 0"):
        exact_ci(0, 0)
    with pytest.raises(ValueError, match="exceed"):
        wilson_ci(6, 5)


# ---------------------------------------------------------------- internals

def test_reml_fallback_optimiser_agrees_with_fisher_scoring():
    fx = REFERENCE["fixtures"]["large_8"]
    yi, vi, _ = _escalc(np.array(fx["events"], float), np.array(fx["totals"], float), "PLO")
    scoring = _tau2_reml(yi, vi)
    bounded = _tau2_reml(yi, vi, maxiter=1)  # forces the scipy path
    assert bounded == pytest.approx(scoring, abs=1e-5)
    # ... and it is a maximum of the restricted likelihood.
    assert _reml_loglik(bounded, yi, vi) >= _reml_loglik(bounded * 1.01, yi, vi)
    assert _reml_loglik(bounded, yi, vi) >= _reml_loglik(bounded * 0.99, yi, vi)


def test_result_is_frozen_and_serialisable():
    res = pool_proportions([10, 25, 5, 30], [40, 30, 20, 81], measure="PFT", tau2_method="REML")
    assert isinstance(res, PooledProportion)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.estimate = 0.5
    d = res.to_dict()
    assert d["measure"] == "PFT" and d["tau2_method"] == "REML" and d["k"] == 4
    assert d["weights"] == list(res.weights)
    json.dumps(d)
