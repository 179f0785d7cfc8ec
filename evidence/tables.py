"""Flattening validated study records into the atlas's pandas tables.

evidence : one row per study × disease cohort × outcome measure × timepoint (a cohort with no outcome
           keeps one row with a blank measure, so every study stays visible)
studies  : one row per study
safety   : one row per study with a safety block
cohorts  : one row per study × disease cohort
"""

from __future__ import annotations

import pandas as pd

from evidence.schema import Study
from evidence.vocabulary import Vocabulary

STUDY_COLUMNS = [
    "study_id", "first_author", "year", "title", "journal", "doi", "pmid", "nct_ids", "country",
    "design", "evidence_level", "therapy_class", "therapy", "target", "cell_source", "tissue_source",
    "engineering", "mechanisms", "dose", "conditioning", "publication_type", "meeting", "abstract_number",
    "follow_up_months", "follow_up_kind", "follow_up_grade", "follow_up_source_url", "follow_up_read_at",
    "follow_up_source_note", "supersedes", "related", "superseded_by", "is_current", "is_trial", "origin", "file", "notes",
    "risk_of_bias", "rob_tool", "rob_items", "rob_assessed_from",
]
SAFETY_COUNTS = ["crs_any", "crs_grade3plus", "icans_any", "icans_grade3plus", "serious_infections", "deaths"]
# Each safety count keeps its own provenance (the block's, unless the record gives the count its own).
SAFETY_COUNT_PROVENANCE = [f"{count}_{part}" for count in SAFETY_COUNTS for part in ("grade", "source_url", "read_at")]
SAFETY_COLUMNS = [
    "study_id", "safety_n", *SAFETY_COUNTS, "safety_grade", "safety_source_url", "safety_read_at", "safety_source_note",
    *SAFETY_COUNT_PROVENANCE,
]
COHORT_COLUMNS = ["study_id", "disease", "disease_subtype", "n_patients", "n_grade", "n_source_url", "n_read_at", "n_source_note"]
OUTCOME_COLUMNS = [
    "outcome_measure", "timepoint_months", "timepoint_label", "responders", "evaluated", "percent_reported",
    "value", "value_kind", "comparator_label", "comparator_responders", "comparator_evaluated",
    "comparator_percent", "grade", "source_url", "read_at", "source_note",
]
EVIDENCE_COLUMNS = [
    *STUDY_COLUMNS[:23], "disease", "disease_subtype", "n_patients", *OUTCOME_COLUMNS,
    *SAFETY_COUNTS, "safety_n", "safety_grade", "safety_source_url", "safety_read_at", *SAFETY_COUNT_PROVENANCE,
    "follow_up_months", "follow_up_grade", "follow_up_source_url", "follow_up_read_at", "is_current", "is_trial",
    "superseded_by", "supersedes", "n_grade", "n_source_url", "n_read_at", "n_source_note", "origin", "file",
    "risk_of_bias",
]
GRADE_COLUMNS = ["grade", "n_grade", "safety_grade", "follow_up_grade", *(f"{count}_grade" for count in SAFETY_COUNTS)]
INTEGER_COLUMNS = [
    "year", "pmid", "evidence_level", "n_patients", "responders", "evaluated", "comparator_responders",
    "comparator_evaluated", "safety_n", *SAFETY_COUNTS,
]
FLOAT_COLUMNS = ["timepoint_months", "percent_reported", "value", "comparator_percent", "follow_up_months"]
# study_id is categorical too: deduplicating cohorts on integer codes instead of strings is what keeps the matrices
# fast on very large tables (bench/RESULTS.md).
CODED_COLUMNS = [
    "study_id", "design", "therapy_class", "target", "cell_source", "tissue_source", "engineering", "disease",
    "disease_subtype", "outcome_measure", "origin", "publication_type", "risk_of_bias", *GRADE_COLUMNS,
]


def _study_row(study: Study, file_name: str, origin: str, design_level: dict[str, int], trial_designs: set[str]) -> dict:
    citation, therapy, follow_up = study.citation, study.therapy, study.follow_up_months
    return {
        "study_id": study.id,
        "first_author": citation.first_author,
        "year": citation.year,
        "title": citation.title,
        "journal": citation.journal,
        "doi": citation.doi,
        "pmid": citation.pmid,
        "nct_ids": "; ".join(citation.nct_ids),
        "country": citation.country,
        "design": study.design,
        "evidence_level": study.evidence_level or design_level.get(study.design),
        "is_trial": study.design in trial_designs,
        "therapy_class": therapy.therapy_class,
        "therapy": therapy.product,
        "target": therapy.target,
        "cell_source": therapy.cell_source,
        "tissue_source": therapy.tissue_source,
        "engineering": therapy.engineering,
        "mechanisms": "; ".join(therapy.mechanisms),
        "dose": therapy.dose,
        "conditioning": therapy.conditioning,
        "publication_type": citation.publication_type,
        "meeting": citation.meeting,
        "abstract_number": citation.abstract_number,
        "follow_up_months": follow_up.value if follow_up else None,
        "follow_up_kind": follow_up.kind if follow_up else None,
        "follow_up_grade": follow_up.grade if follow_up else None,
        "follow_up_source_url": follow_up.source_url if follow_up else None,
        "follow_up_read_at": follow_up.read_at_text if follow_up else None,
        "follow_up_source_note": follow_up.source_note if follow_up else None,
        "supersedes": "; ".join(study.supersedes),
        "related": "; ".join(study.related),
        "origin": origin,
        "file": file_name,
        "notes": study.notes,
        **_limitations(study),
    }


def _limitations(study: Study) -> dict:
    """Overall risk of bias by the atlas's rule, the tool, and every item as 'item: answer' (blank when not yet appraised)."""
    limits = study.limitations
    if limits is None:
        return {"risk_of_bias": None, "rob_tool": None, "rob_items": None, "rob_assessed_from": None}
    items = "; ".join(f"{name}: {item.answer}" for name, item in limits.items.items())
    return {"risk_of_bias": limits.overall, "rob_tool": limits.tool, "rob_items": items, "rob_assessed_from": limits.assessed_from}


def _safety_row(study: Study) -> dict:
    safety = study.safety
    row = {"study_id": study.id, "safety_n": safety.n_patients}
    row.update({name: getattr(safety, name) for name in SAFETY_COUNTS})
    row.update({"safety_grade": safety.grade, "safety_source_url": safety.source_url,
                "safety_read_at": safety.read_at_text, "safety_source_note": safety.source_note})
    for name in SAFETY_COUNTS:
        # a blank count has no provenance of its own: "not reported" is not a graded number
        provenance = safety.provenance_of(name) if getattr(safety, name) is not None else None
        row[f"{name}_grade"] = provenance.grade if provenance else None
        row[f"{name}_source_url"] = provenance.source_url if provenance else None
        row[f"{name}_read_at"] = provenance.read_at_text if provenance else None
    return row


def _outcome_row(outcome) -> dict:
    comparator = outcome.comparator
    return {
        "outcome_measure": outcome.measure,
        "timepoint_months": outcome.timepoint_months,
        "timepoint_label": outcome.timepoint_label,
        "responders": outcome.responders,
        "evaluated": outcome.evaluated,
        "percent_reported": outcome.percent,
        "value": outcome.value,
        "value_kind": outcome.value_kind,
        "comparator_label": comparator.label if comparator else None,
        "comparator_responders": comparator.responders if comparator else None,
        "comparator_evaluated": comparator.evaluated if comparator else None,
        "comparator_percent": comparator.percent if comparator else None,
        "grade": outcome.grade,
        "source_url": outcome.source_url,
        "read_at": outcome.read_at_text,
        "source_note": outcome.source_note,
    }


def typed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Reindex to `columns` and give every column its dtype: nullable Int64 counts (blank ≠ 0), categoricals for codes."""
    frame = frame.reindex(columns=columns)
    for column in frame.columns:
        if column in INTEGER_COLUMNS:
            frame[column] = pd.to_numeric(frame[column]).astype("Int64")
        elif column in FLOAT_COLUMNS:
            frame[column] = pd.to_numeric(frame[column]).astype("Float64")
        elif column in CODED_COLUMNS:
            frame[column] = frame[column].astype("category")
        elif column in ("is_current", "is_trial"):
            frame[column] = frame[column].fillna(True).astype(bool)
        else:
            frame[column] = frame[column].astype("string")
    return frame


def build_tables(studies: list[Study], files: dict[str, str], vocab: Vocabulary, origin: str = "curated") -> dict[str, pd.DataFrame]:
    """All four tables for a list of validated studies. `files` maps study id to its file name."""
    design_level = {design: vocab.design_level(design) for design in vocab.ids("designs")}
    trial_designs = set(vocab.trial_designs())
    study_rows, safety_rows, cohort_rows, evidence_rows = [], [], [], []
    superseded_by: dict[str, list[str]] = {}
    for study in studies:
        for old in study.supersedes:
            superseded_by.setdefault(old, []).append(study.id)
    for study in studies:
        study_row = _study_row(study, files.get(study.id, ""), origin, design_level, trial_designs)
        study_row["superseded_by"] = "; ".join(superseded_by.get(study.id, []))
        study_row["is_current"] = study.id not in superseded_by
        study_rows.append(study_row)
        safety = _safety_row(study) if study.safety else {}
        if safety:
            safety_rows.append(safety)
        for cohort in study.cohorts:
            cohort_row = {
                "study_id": study.id,
                "disease": cohort.disease,
                "disease_subtype": cohort.subtype,
                "n_patients": cohort.n_patients.value,
                "n_grade": cohort.n_patients.grade,
                "n_source_url": cohort.n_patients.source_url,
                "n_read_at": cohort.n_patients.read_at_text,
                "n_source_note": cohort.n_patients.source_note,
            }
            cohort_rows.append(cohort_row)
            base = {**study_row, **cohort_row, **safety}
            outcomes = [_outcome_row(o) for o in cohort.outcomes] or [{}]
            evidence_rows += [{**base, **outcome} for outcome in outcomes]
    return {
        "evidence": typed(pd.DataFrame(evidence_rows), EVIDENCE_COLUMNS),
        "studies": typed(pd.DataFrame(study_rows), STUDY_COLUMNS),
        "safety": typed(pd.DataFrame(safety_rows), SAFETY_COLUMNS),
        "cohorts": typed(pd.DataFrame(cohort_rows), COHORT_COLUMNS),
    }
