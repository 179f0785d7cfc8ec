"""The comparison pools each cohort once, uses the chosen method, and says when an estimate is fragile."""

from __future__ import annotations

import pytest

from evidence import load_atlas
from evidence.compare import (
    caveats,
    comparable_measures,
    compare_therapy,
    comparison_base,
    comparison_table,
    default_therapies,
    therapy_options,
)
from evidence.compare import PoolMethod, leave_one_out
from evidence.pooling import pool_proportions
from tests.conftest import fact, outcome, study, write_data_dir


@pytest.fixture()
def pooled_atlas(tmp_path):
    """CD19 CAR-T in SLE: an early report (3/3) superseded by its extension (5/5), plus two independent series."""
    records = [
        study("early", year=2021, cohorts=[{"disease": "sle", "subtype": None, "n_patients": fact(3), "outcomes": [outcome("doris_remission", 3, 3)]}]),
        study("extension", year=2024, supersedes=["early"], cohorts=[{"disease": "sle", "subtype": None, "n_patients": fact(5), "outcomes": [outcome("doris_remission", 5, 5)]}],
              safety={"n_patients": 5, "crs_any": 4, "crs_grade3plus": 0, "icans_any": None, "icans_grade3plus": None, "serious_infections": 1, "deaths": 0,
                      "source_url": "https://doi.org/10.1/x", "grade": "article", "source_note": "Abstract, results: safety."}),
        study("series-b", year=2024, cohorts=[{"disease": "sle", "subtype": None, "n_patients": fact(10), "outcomes": [outcome("doris_remission", 6, 10)]}],
              safety={"n_patients": 10, "crs_any": 8, "crs_grade3plus": 1, "icans_any": 0, "icans_grade3plus": 0, "serious_infections": None, "deaths": 0,
                      "source_url": "https://doi.org/10.1/y", "grade": "article", "source_note": "Abstract, results: safety."}),
        study("series-c", year=2025, cohorts=[{"disease": "sle", "subtype": None, "n_patients": fact(8), "outcomes": [outcome("doris_remission", 2, 8)]}]),
        study("msc-one", year=2015, therapy_class="msc", tissue="bone_marrow", cell_source="allogeneic", mechanisms=("paracrine_immunomodulation",),
              cohorts=[{"disease": "sle", "subtype": None, "n_patients": fact(12), "outcomes": [outcome("doris_remission", 3, 12)]}]),
    ]
    return load_atlas(write_data_dir(tmp_path / "data", records))


def test_superseded_cohorts_never_enter_the_pool(pooled_atlas):
    base = comparison_base(pooled_atlas.evidence, "sle")
    result = compare_therapy(base, pooled_atlas.safety, "car_t|cd19", "doris_remission")
    assert sorted(result.outcome_rows["study_id"]) == ["extension", "series-b", "series-c"]
    reference = pool_proportions([5, 6, 2], [5, 10, 8])  # the default: GLMM
    assert result.pooled.model == "GLMM" and result.pooled.estimate == pytest.approx(reference.estimate, abs=1e-12)
    assert result.pooled.k == 3
    assert int(result.cohorts["n_patients"].sum()) == 23  # 5 + 10 + 8, not 26


def test_method_choice_reaches_the_pool(pooled_atlas):
    base = comparison_base(pooled_atlas.evidence, "sle")
    pft = compare_therapy(base, pooled_atlas.safety, "car_t|cd19", "doris_remission", PoolMethod("NN", "PFT", "REML"))
    assert pft.pooled.measure == "PFT" and pft.pooled.tau2_method == "REML" and pft.pooled.caveat
    assert pft.pooled.estimate == pytest.approx(pool_proportions([5, 6, 2], [5, 10, 8], "PFT", "REML").estimate, abs=1e-12)
    knha = compare_therapy(base, pooled_atlas.safety, "car_t|cd19", "doris_remission", PoolMethod("NN", "PLO", "DL", "knha"))
    assert knha.pooled.test == "knha"
    assert knha.pooled.ci_low == pytest.approx(pool_proportions([5, 6, 2], [5, 10, 8], "PLO", "DL", test="knha").ci_low, abs=1e-12)


def test_leave_one_out_refits_every_cohort(pooled_atlas):
    base = comparison_base(pooled_atlas.evidence, "sle")
    result = compare_therapy(base, pooled_atlas.safety, "car_t|cd19", "doris_remission")
    refits = leave_one_out(result)
    assert list(refits["study_id"]) == list(result.outcome_rows["study_id"])
    for row in refits.itertuples():
        keep = result.outcome_rows["study_id"] != row.study_id
        expected = pool_proportions(result.outcome_rows.loc[keep, "responders"], result.outcome_rows.loc[keep, "evaluated"])
        assert row.estimate == pytest.approx(expected.estimate, abs=1e-12) and row.k == 2


def test_single_study_is_shown_as_its_own_interval_not_a_pool(pooled_atlas):
    base = comparison_base(pooled_atlas.evidence, "sle")
    result = compare_therapy(base, pooled_atlas.safety, "msc|bone_marrow", "doris_remission")
    assert result.pooled.pooled is False and result.pooled.estimate == pytest.approx(0.25)
    kinds = {note["kind"] for note in caveats([result])}
    assert {"single_study", "case_series_only"} <= kinds


def test_safety_counts_only_studies_that_report_the_event(pooled_atlas):
    base = comparison_base(pooled_atlas.evidence, "sle")
    safety = compare_therapy(base, pooled_atlas.safety, "car_t|cd19", None).safety.set_index("event")
    assert (safety.loc["crs_any", "events"], safety.loc["crs_any", "patients"]) == (12, 15)
    assert (safety.loc["serious_infections", "events"], safety.loc["serious_infections", "patients"]) == (1, 5)  # series-b left it blank
    assert (safety.loc["icans_any", "events"], safety.loc["icans_any", "patients"]) == (0, 10)


def test_comparison_table_and_caveats(pooled_atlas):
    base = comparison_base(pooled_atlas.evidence, "sle")
    groups = therapy_options(base)
    assert set(groups) == {"car_t|cd19", "msc|bone_marrow"} and default_therapies(groups) == groups
    assert comparable_measures(base, groups) == ["doris_remission"]
    results = [compare_therapy(base, pooled_atlas.safety, g, "doris_remission") for g in groups]
    table = comparison_table(results).set_index("therapy_group")
    assert table.loc["car_t|cd19", "studies"] == 3 and table.loc["car_t|cd19", "patients"] == 23
    assert table.loc["car_t|cd19", "crs_any"] == "12/15 (52%–96%)"  # exact 95% CI of 12/15: 0.5191–0.9567
    notes = caveats(results)
    cart_kinds = {n["kind"] for n in notes if n["therapy_group"] == "car_t|cd19"}
    assert "heterogeneity" in cart_kinds  # 100%, 60% and 25% responders are far apart
    assert "method_sensitive" not in cart_kinds  # the four methods agree within 8 points here


def test_all_responder_series_are_flagged_as_method_sensitive(tmp_path):
    """With every patient responding in small series, logit pooling (0.5 correction) and Freeman–Tukey differ by more than 10 points."""
    records = [study(f"all-{index}", cohorts=[{"disease": "sle", "subtype": None, "n_patients": fact(n), "outcomes": [outcome("doris_remission", n, n)]}])
               for index, n in enumerate((2, 3, 2, 4))]
    atlas = load_atlas(write_data_dir(tmp_path / "data", records))
    result = compare_therapy(comparison_base(atlas.evidence, "sle"), atlas.safety, "car_t|cd19", "doris_remission")
    assert result.method_spread > 0.10
    assert "method_sensitive" in {n["kind"] for n in caveats([result])}


def test_real_data_comparison_runs_for_each_disease(atlas):
    for disease in sorted(set(atlas.evidence["disease"].astype("object"))):
        base = comparison_base(atlas.evidence, disease)
        groups = therapy_options(base)[:6]
        measures = comparable_measures(base, groups)
        results = [compare_therapy(base, atlas.safety, g, measures[0] if measures else None) for g in groups]
        table = comparison_table(results)
        assert len(table) == len(groups)
        assert (table["patients"] > 0).all()
