"""Evidence-and-gap matrices: therapy × disease, target × disease, mechanism × disease and remission outcomes.

Every function takes a (filtered) evidence table and returns a long DataFrame, one row per non-empty cell.
Patients are counted once per study × disease cohort; a cell with no study simply has no row, so the
figure can show it as a gap, distinct from a cell whose responders are 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evidence.summary import COHORT_KEY

ENGINEERED_CLASSES = {"car_t", "car_nk", "caar_t", "car_treg"}


def therapy_group(evidence: pd.DataFrame) -> pd.Series:
    """Row key of the therapy axis: class · target for engineered cells, class · tissue for MSC, class · cell source for HSCT."""
    therapy_class = evidence["therapy_class"].astype("object")
    detail = np.where(
        therapy_class.isin(list(ENGINEERED_CLASSES)),
        evidence["target"].astype("object"),
        np.where(therapy_class == "msc", evidence["tissue_source"].astype("object").fillna("mixed"), evidence["cell_source"].astype("object")),
    )
    detail = pd.Series(detail, index=evidence.index).fillna("unspecified").astype(str)
    return therapy_class.astype(str) + "|" + detail


def _cohorts(evidence: pd.DataFrame, extra_key: str | None = None) -> pd.DataFrame:
    """One row per study cohort (per cohort and `extra_key` value, e.g. each mechanism of an exploded table)."""
    cohorts = evidence.drop_duplicates(subset=COHORT_KEY + ([extra_key] if extra_key else [])).copy()
    cohorts["therapy_group"] = therapy_group(cohorts)
    return cohorts


def _joined(values: pd.Series) -> str:
    return "; ".join(sorted({str(v) for v in values.dropna()}))


def therapy_disease_map(evidence: pd.DataFrame) -> pd.DataFrame:
    """Columns: therapy_group, disease, studies, patients, best_level, designs, measures, study_ids.

    best_level is the lowest (best) Oxford CEBM level in the cell; measures lists the outcome measures reported.
    """
    if evidence.empty:
        return pd.DataFrame(columns=["therapy_group", "disease", "studies", "patients", "best_level", "designs", "measures", "study_ids"])
    cohorts = _cohorts(evidence)
    keys = ["therapy_group", "disease"]
    cells = cohorts.groupby(keys, observed=True, dropna=True).agg(
        studies=("study_id", "nunique"),
        patients=("n_patients", "sum"),
        best_level=("evidence_level", "min"),
        designs=("design", _joined),
        study_ids=("study_id", _joined),
    )
    rows = evidence.assign(therapy_group=therapy_group(evidence))
    measures = rows.groupby(keys, observed=True, dropna=True)["outcome_measure"].agg(_joined).rename("measures")
    return cells.join(measures).reset_index()


def count_matrix(evidence: pd.DataFrame, row: str, value: str = "patients") -> pd.DataFrame:
    """Long table row × disease with `studies` and `patients` (patients once per cohort). `row` is an evidence column."""
    cohorts = _cohorts(evidence, extra_key=row) if not evidence.empty else evidence
    if cohorts.empty:
        return pd.DataFrame(columns=[row, "disease", "studies", "patients", "study_ids"])
    return (
        cohorts.groupby([cohorts[row].astype("object"), cohorts["disease"].astype("object")], dropna=True)
        .agg(studies=("study_id", "nunique"), patients=("n_patients", "sum"), study_ids=("study_id", _joined))
        .reset_index()
    )


def target_disease_matrix(evidence: pd.DataFrame) -> pd.DataFrame:
    """Columns: target, disease, studies, patients, study_ids — engineered-cell therapies only (MSC/HSCT have no target)."""
    return count_matrix(evidence[evidence["target"].astype("object") != "none"], "target")


def mechanism_disease_matrix(evidence: pd.DataFrame) -> pd.DataFrame:
    """Columns: mechanism, disease, studies, patients, study_ids; a study with several mechanisms counts in each."""
    exploded = evidence.assign(mechanism=evidence["mechanisms"].fillna("").astype(str).str.split("; ")).explode("mechanism")
    exploded = exploded[exploded["mechanism"] != ""]
    return count_matrix(exploded, "mechanism")


def latest_outcome_per_cohort(evidence: pd.DataFrame, measure: str) -> pd.DataFrame:
    """For one measure, each cohort's row at its latest timepoint with a responder count (blank timepoint = last follow-up, taken as latest)."""
    rows = evidence[(evidence["outcome_measure"].astype("object") == measure) & evidence["responders"].notna() & evidence["evaluated"].notna()]
    rows = rows[rows["evaluated"] > 0]
    order = rows["timepoint_months"].astype("float64").fillna(np.inf)
    return rows.assign(_order=order).sort_values("_order").drop_duplicates(subset=COHORT_KEY, keep="last").drop(columns="_order")


def remission_matrix(evidence: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Columns: therapy_group, disease, responders, evaluated, proportion, studies, study_ids — one measure only, never mixed.

    Each cohort contributes its latest timepoint for the measure; proportion = responders / evaluated (crude).
    """
    rows = latest_outcome_per_cohort(evidence, measure)
    if rows.empty:
        return pd.DataFrame(columns=["therapy_group", "disease", "responders", "evaluated", "proportion", "studies", "study_ids"])
    rows = rows.assign(therapy_group=therapy_group(rows), disease=rows["disease"].astype("object"))
    cells = rows.groupby(["therapy_group", "disease"]).agg(
        responders=("responders", "sum"), evaluated=("evaluated", "sum"), studies=("study_id", "nunique"), study_ids=("study_id", _joined)
    )
    cells["proportion"] = cells["responders"].astype("float64") / cells["evaluated"].astype("float64")
    return cells.reset_index()[["therapy_group", "disease", "responders", "evaluated", "proportion", "studies", "study_ids"]]


def therapy_group_label(group: str, vocab, lang: str = "en") -> str:
    """'car_t|cd19' -> 'CAR-T · CD19'; 'msc|umbilical_cord' -> 'MSC · Umbilical cord'."""
    therapy_class, _, detail = group.partition("|")
    class_label = vocab.label("therapy_classes", therapy_class, lang)
    if therapy_class == "msc":
        class_label = "MSC"
    elif therapy_class == "hsct":
        class_label = "HSCT"
    for category in ("targets", "tissue_sources", "cell_sources"):
        if vocab.has(category, detail):
            return f"{class_label} · {vocab.label(category, detail, lang)}"
    return f"{class_label} · {detail}"


def axis_order(values, vocabulary_order: list[str]) -> list[str]:
    """Values in vocabulary order, unknown ones last (alphabetically)."""
    values = set(values)
    known = [v for v in vocabulary_order if v in values]
    return known + sorted(values - set(known))


def therapy_group_order(groups, vocab) -> list[str]:
    """Therapy groups ordered by class (vocabulary order), then by detail."""
    class_rank = {c: i for i, c in enumerate(vocab.ids("therapy_classes"))}
    return sorted(set(groups), key=lambda g: (class_rank.get(g.split("|")[0], 99), g))
