"""Study limitations (risk of bias) per study: the checklist items the curator recorded, and the overall judgement
derived from them by one documented rule.

Tools
- Case reports, case series, single-arm trials, cohorts and registries: the JBI Critical Appraisal Checklist for
  Case Series (Munn Z, et al. JBI Evid Synth 2020;18:2127-33), ten items answered yes / no / unclear /
  not applicable.
- Randomised trials: the five domains of RoB 2 (Sterne JAC, et al. BMJ 2019;366:l4898), each low / some concerns /
  high, or unclear when the report does not say.

Overall judgement (the atlas's rule, stated on the About page)
- RoB 2: high if any domain is high; low if every domain is low; otherwise some concerns. A domain the report
  gives no information on (unclear) counts as some concerns. (RoB 2 also lets a reviewer judge a trial high when
  several domains raise some concerns; a rule cannot weigh that, and it would rate a fully reported open-label trial
  below one whose methods were never read, so the atlas does not apply it.)
- JBI: among the items that apply, high if two or more are "no"; low if none is "no" and at least 80% are "yes";
  otherwise some concerns. Unclear items (the report does not say) keep a study from "low" but never make it high
  by themselves: most reports appraised from an abstract alone land in "some concerns".
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

JBI_ITEMS = (
    "inclusion_criteria", "condition_measured_reliably", "condition_identified_validly", "consecutive_inclusion",
    "complete_inclusion", "demographics_reported", "clinical_information_reported", "outcomes_reported",
    "site_reported", "statistics_appropriate",
)
ROB2_DOMAINS = ("randomisation", "deviations", "missing_data", "measurement", "reported_result")
JBI_ANSWERS = ("yes", "no", "unclear", "not_applicable")
ROB2_ANSWERS = ("low", "some_concerns", "high", "unclear")
OVERALL = ("low", "some_concerns", "high")

# thresholds of the rule above, named so the About page and the tests read the same numbers
JBI_LOW_SHARE = 0.8
JBI_HIGH_NO = 2


def overall_jbi(answers: dict[str, str]) -> str:
    applicable = [a for a in answers.values() if a != "not_applicable"]
    if not applicable:
        return "some_concerns"
    yes_share = sum(a == "yes" for a in applicable) / len(applicable)
    noes = sum(a == "no" for a in applicable)
    if noes >= JBI_HIGH_NO:
        return "high"
    if noes == 0 and yes_share >= JBI_LOW_SHARE:
        return "low"
    return "some_concerns"


def overall_rob2(answers: dict[str, str]) -> str:
    values = list(answers.values())
    if "high" in values:
        return "high"
    if all(v == "low" for v in values):
        return "low"
    return "some_concerns"


def overall_judgement(tool: str, answers: dict[str, str]) -> str:
    return overall_rob2(answers) if tool == "rob2" else overall_jbi(answers)


def without_high_risk(atlas):
    """The atlas without the studies whose overall risk of bias is high (a study not yet appraised stays)."""
    high = set(atlas.studies.loc[(atlas.studies["risk_of_bias"].astype("object") == "high").fillna(False).astype(bool), "study_id"].astype(str))
    if not high:
        return atlas

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[~frame["study_id"].astype(str).isin(high)]

    return replace(atlas, evidence=keep(atlas.evidence), studies=keep(atlas.studies), safety=keep(atlas.safety), cohorts=keep(atlas.cohorts))
