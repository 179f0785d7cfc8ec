"""Matrix numbers against values computed by hand on the tiny fixture (see tests/conftest.py::tiny_studies)."""

from __future__ import annotations

from evidence.filters import Filters, filter_evidence
from evidence.matrices import (
    mechanism_disease_matrix,
    remission_matrix,
    target_disease_matrix,
    therapy_disease_map,
)
from evidence.summary import summarise


def cell(frame, **keys):
    rows = frame
    for column, value in keys.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def newest(tiny_atlas):
    return filter_evidence(tiny_atlas.evidence, Filters())


def test_summary_counts_each_patient_once(tiny_atlas):
    summary = summarise(newest(tiny_atlas))
    # cd19-early (3) is re-reported inside cd19-ext: 5 SLE + 2 SSc + 4 compound + 20 MSC
    assert (summary.studies, summary.patients, summary.diseases, summary.therapy_classes) == (3, 31, 2, 2)
    assert summary.patients_may_repeat is False
    everything = summarise(filter_evidence(tiny_atlas.evidence, Filters(tier="all")))
    assert everything.patients == 34 and everything.patients_may_repeat is True


def test_therapy_disease_map_counts_and_levels(tiny_atlas):
    cells = therapy_disease_map(newest(tiny_atlas))
    cd19_sle = cell(cells, therapy_group="car_t|cd19", disease="sle")
    assert (cd19_sle.studies, cd19_sle.patients, cd19_sle.best_level) == (1, 5, 4)  # not 8: the early report is superseded
    assert cell(cells, therapy_group="car_t|cd19", disease="ssc").patients == 2
    assert cell(cells, therapy_group="car_t|cd19", disease="ssc").measures == ""  # studied, no outcome reported
    msc = cell(cells, therapy_group="msc|umbilical_cord", disease="sle")
    assert (msc.studies, msc.patients, msc.best_level, msc.measures) == (1, 20, 2, "sri4")
    assert len(cells) == 4  # no cell for MSC × SSc: a gap, not a zero


def test_target_matrix_leaves_out_untargeted_therapies(tiny_atlas):
    cells = target_disease_matrix(newest(tiny_atlas))
    assert set(cells["target"]) == {"cd19", "cd19_bcma"}
    assert cell(cells, target="cd19", disease="sle").patients == 5
    assert cell(cells, target="cd19_bcma", disease="sle").patients == 4


def test_mechanism_matrix_counts_a_study_under_each_mechanism(tiny_atlas):
    cells = mechanism_disease_matrix(newest(tiny_atlas))
    assert cell(cells, mechanism="b_cell_depletion", disease="sle").patients == 9  # cd19-ext 5 + compound 4
    assert cell(cells, mechanism="immune_reset", disease="sle").patients == 5
    assert cell(cells, mechanism="immune_reset", disease="ssc").patients == 2
    assert cell(cells, mechanism="paracrine_immunomodulation", disease="sle").studies == 1


def test_remission_matrix_uses_the_latest_timepoint_and_keeps_zero_apart_from_blank(tiny_atlas):
    cells = remission_matrix(newest(tiny_atlas), "doris_remission")
    cd19 = cell(cells, therapy_group="car_t|cd19", disease="sle")
    assert (cd19.responders, cd19.evaluated) == (5, 5)  # the 12-month row, not 4/5 at 3 months
    compound = cell(cells, therapy_group="car_t|cd19_bcma", disease="sle")
    assert (compound.responders, compound.evaluated, compound.proportion) == (0, 4, 0.0)  # a real 0%
    assert "msc|umbilical_cord" not in set(cells["therapy_group"])  # MSC has no DORIS data: no cell at all


def test_remission_matrix_would_double_count_without_the_newest_tier(tiny_atlas):
    everything = filter_evidence(tiny_atlas.evidence, Filters(tier="all"))
    cd19 = cell(remission_matrix(everything, "doris_remission"), therapy_group="car_t|cd19", disease="sle")
    assert cd19.evaluated == 8  # 3 + 5: exactly why the default view drops superseded reports


def test_empty_view_gives_empty_matrices(tiny_atlas):
    empty = tiny_atlas.evidence.iloc[0:0]
    assert therapy_disease_map(empty).empty and remission_matrix(empty, "doris_remission").empty
    assert target_disease_matrix(empty).empty and mechanism_disease_matrix(empty).empty
