"""Provenance grades in the tables: which value each grade column vouches for, the article-only view, and counts by grade.

The article-only view treats every number not read in the article's own text as not reported: rows stay (the
study is still listed), values go blank, so everything computed from the tables — KPIs, maps, pools,
exports — follows without knowing about grades.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from evidence.load import Atlas
from evidence.tables import SAFETY_COUNTS

ARTICLE = "article"

# grade column -> the value columns it vouches for, per table
OUTCOME_VALUES = ["responders", "evaluated", "percent_reported", "value", "comparator_responders",
                  "comparator_evaluated", "comparator_percent"]
EVIDENCE_GRADED = {
    "grade": OUTCOME_VALUES,
    "n_grade": ["n_patients"],
    "safety_grade": ["safety_n"],
    "follow_up_grade": ["follow_up_months"],
    **{f"{count}_grade": [count] for count in SAFETY_COUNTS},
}
STUDY_GRADED = {"follow_up_grade": ["follow_up_months"]}
SAFETY_GRADED = {"safety_grade": ["safety_n"], **{f"{count}_grade": [count] for count in SAFETY_COUNTS}}
COHORT_GRADED = {"n_grade": ["n_patients"]}


def _not_article(grades: pd.Series) -> pd.Series:
    """True where a number has a grade weaker than article (a blank grade means a blank number: nothing to hide)."""
    return (grades.notna() & (grades.astype("object") != ARTICLE)).astype(bool)


def mask_weaker_grades(frame: pd.DataFrame, graded: dict[str, list[str]]) -> pd.DataFrame:
    """A copy of `frame` where every value vouched for by a non-article grade is blank (its grade column kept)."""
    frame = frame.copy()
    for grade_column, value_columns in graded.items():
        if grade_column not in frame.columns:
            continue
        weaker = _not_article(frame[grade_column])
        if weaker.any():
            for column in value_columns:
                frame[column] = frame[column].mask(weaker)
    return frame


def article_only(atlas: Atlas) -> Atlas:
    """The atlas as if only numbers read in the articles themselves had been reported."""
    return replace(
        atlas,
        evidence=mask_weaker_grades(atlas.evidence, EVIDENCE_GRADED),
        studies=mask_weaker_grades(atlas.studies, STUDY_GRADED),
        safety=mask_weaker_grades(atlas.safety, SAFETY_GRADED),
        cohorts=mask_weaker_grades(atlas.cohorts, COHORT_GRADED),
    )


def grade_counts(atlas: Atlas) -> dict[str, int]:
    """How many numeric facts the table holds at each grade (cohort sizes, outcomes, follow-ups, safety counts)."""
    values = [atlas.cohorts["n_grade"], atlas.studies["follow_up_grade"], atlas.safety["safety_grade"]]
    values += [atlas.safety[f"{count}_grade"] for count in SAFETY_COUNTS]
    values.append(atlas.evidence.loc[atlas.evidence["outcome_measure"].notna(), "grade"])  # one evidence row per outcome
    combined = pd.concat([v.astype("object") for v in values], ignore_index=True).dropna()
    return {grade: int(n) for grade, n in combined.value_counts().items()}


def hidden_by_article_only(atlas: Atlas) -> int:
    """How many numbers the article-only switch hides."""
    return sum(n for grade, n in grade_counts(atlas).items() if grade != ARTICLE)
