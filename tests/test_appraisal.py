"""The overall risk-of-bias rule (evidence/appraisal.py), the limitations schema, and the switch that leaves out high-risk studies."""

from __future__ import annotations

import pytest

from evidence.appraisal import JBI_ITEMS, ROB2_DOMAINS, overall_jbi, overall_rob2, without_high_risk
from evidence.filters import Filters, filter_evidence
from evidence.load import load_atlas
from tests.conftest import study, tiny_studies, write_data_dir
from tests.test_validation import only, problems_for


def jbi(**answers):
    base = {item: "yes" for item in JBI_ITEMS}
    base.update(answers)
    return base


@pytest.mark.parametrize(("answers", "expected"), [
    (jbi(), "low"),
    (jbi(statistics_appropriate="not_applicable", consecutive_inclusion="not_applicable"), "low"),
    (jbi(consecutive_inclusion="unclear", complete_inclusion="unclear"), "low"),  # 8 of 10 yes, no "no"
    (jbi(consecutive_inclusion="unclear", complete_inclusion="unclear", site_reported="unclear"), "some_concerns"),  # 70% yes
    (jbi(complete_inclusion="no"), "some_concerns"),  # one "no" keeps it from low
    (jbi(complete_inclusion="no", consecutive_inclusion="no"), "high"),
    ({item: "unclear" for item in JBI_ITEMS}, "some_concerns"),  # an unreported study is not thereby at high risk
    ({item: "not_applicable" for item in JBI_ITEMS}, "some_concerns"),
])
def test_jbi_overall_rule(answers, expected):
    assert overall_jbi(answers) == expected


@pytest.mark.parametrize(("answers", "expected"), [
    (dict.fromkeys(ROB2_DOMAINS, "low"), "low"),
    ({**dict.fromkeys(ROB2_DOMAINS, "low"), "measurement": "high"}, "high"),
    ({**dict.fromkeys(ROB2_DOMAINS, "low"), "measurement": "some_concerns"}, "some_concerns"),
    ({**dict.fromkeys(ROB2_DOMAINS, "low"), "randomisation": "some_concerns", "deviations": "some_concerns", "measurement": "some_concerns"}, "some_concerns"),
    (dict.fromkeys(ROB2_DOMAINS, "unclear"), "some_concerns"),
    ({**dict.fromkeys(ROB2_DOMAINS, "unclear"), "deviations": "some_concerns", "measurement": "some_concerns"}, "some_concerns"),
])
def test_rob2_overall_rule(answers, expected):
    assert overall_rob2(answers) == expected


def limitations(tool="jbi_case_series", **answers):
    names = ROB2_DOMAINS if tool == "rob2" else JBI_ITEMS
    default = "low" if tool == "rob2" else "yes"
    return {"tool": tool, "assessed_from": "abstract only",
            "items": {name: {"answer": answers.get(name, default)} for name in names}}


@pytest.mark.parametrize(("mutate", "field", "words"), [
    (lambda s: s.update(limitations=limitations(tool="rob2")), "-", "appraised with jbi_case_series, not rob2"),
    (lambda s: s.update(limitations={**limitations(), "items": {"inclusion_criteria": {"answer": "yes"}}}), "limitations", "missing condition_measured_reliably"),
    (lambda s: s.update(limitations=limitations(inclusion_criteria="maybe")), "limitations", "'maybe' is not one of yes, no, unclear"),
    (lambda s: s.update(limitations={**limitations(), "assessed_from": ""}), "limitations.assessed_from", "at least 5"),
])
def test_limitations_rules_fail_with_a_located_message(tmp_path, mutate, field, words):
    record = study("appraised")
    mutate(record)
    problem = only(problems_for(tmp_path, [record]))
    assert problem.field == field and words in problem.message and problem.line


def test_high_risk_studies_leave_every_table(tmp_path):
    records = tiny_studies()
    records[2]["limitations"] = limitations(complete_inclusion="no", consecutive_inclusion="no")  # 'compound' -> high
    records[3]["limitations"] = limitations(tool="rob2")  # the RCT -> low
    atlas = load_atlas(write_data_dir(tmp_path / "data", records))
    judged = atlas.studies.set_index(atlas.studies["study_id"].astype(str))["risk_of_bias"].astype("object")
    assert (judged["compound"], judged["msc-rct"]) == ("high", "low") and judged[["cd19-early", "cd19-ext"]].isna().all()
    kept = without_high_risk(atlas)
    assert "compound" not in set(kept.evidence["study_id"].astype(str)) and "compound" not in set(kept.studies["study_id"].astype(str))
    assert set(kept.evidence["study_id"].astype(str)) == {"cd19-early", "cd19-ext", "msc-rct"}
    assert len(filter_evidence(kept.evidence, Filters())) == len(filter_evidence(atlas.evidence, Filters())) - 1


def test_every_curated_study_has_a_limitations_record():
    atlas = load_atlas()
    missing = atlas.studies.loc[atlas.studies["risk_of_bias"].isna(), "study_id"].astype(str).tolist()
    assert missing == [], missing
