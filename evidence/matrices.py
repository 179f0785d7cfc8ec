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
GROUP_PARTS = ["therapy_class", "target", "tissue_source", "cell_source"]
# The matrices read only these columns: projecting first keeps every later copy narrow (the table has ~55).
MATRIX_COLUMNS = [*COHORT_KEY, *GROUP_PARTS, "n_patients", "evidence_level", "design", "mechanisms", "outcome_measure",
                  "timepoint_months", "responders", "evaluated", "grade", "n_grade"]


def _narrow(evidence: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    columns = [c for c in dict.fromkeys([*MATRIX_COLUMNS, *extra, "therapy_group"]) if c in evidence.columns]
    return evidence[columns]


def therapy_group(evidence: pd.DataFrame) -> pd.Series:
    """Row key of the therapy axis: class · target for engineered cells, class · tissue for MSC, class · cell source for HSCT.

    Uses the precomputed `therapy_group` column when the table has one; otherwise labels each distinct
    combination once and spreads the labels back, so a million rows cost one groupby, not a million string joins.
    """
    if "therapy_group" in evidence:
        return evidence["therapy_group"].astype("object")
    parts = [evidence[column] for column in GROUP_PARTS]
    if all(isinstance(part.dtype, pd.CategoricalDtype) for part in parts):
        # one integer per row from the category codes (-1 = blank), then one label per distinct integer
        combined = np.zeros(len(evidence), dtype=np.int64)
        for part in parts:
            combined = combined * (len(part.cat.categories) + 1) + (part.cat.codes.to_numpy(np.int64) + 1)
        distinct, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        labels = np.array([_group_key(*(part.iloc[i] for part in parts)) for i in first], dtype=object)
        return pd.Series(labels[inverse.ravel()], index=evidence.index, dtype="object")
    codes = evidence.groupby(GROUP_PARTS, observed=True, dropna=False, sort=False).ngroup()
    combos = evidence.loc[~codes.duplicated(), GROUP_PARTS].assign(code=codes[~codes.duplicated()])
    labels = {row.code: _group_key(row.therapy_class, row.target, row.tissue_source, row.cell_source) for row in combos.itertuples()}
    return codes.map(labels).astype("object")


def _group_key(therapy_class, target, tissue_source, cell_source) -> str:
    if therapy_class in ENGINEERED_CLASSES:
        detail = target
    elif therapy_class == "msc":
        detail = tissue_source if isinstance(tissue_source, str) else "mixed"
    else:
        detail = cell_source
    return f"{therapy_class}|{detail if isinstance(detail, str) else 'unspecified'}"


def _cohorts(evidence: pd.DataFrame, extra_key: str | None = None) -> pd.DataFrame:
    """One row per study cohort (per cohort and `extra_key` value, e.g. each mechanism of an exploded table)."""
    cohorts = evidence.drop_duplicates(subset=COHORT_KEY + ([extra_key] if extra_key else []))
    return cohorts.assign(therapy_group=therapy_group(cohorts))


def _weaker_grades(frame: pd.DataFrame, keys: list[str], columns: tuple[str, ...]) -> pd.Series:
    """Per cell, the grades weaker than 'article' among the numbers it shows ('secondary; congress'), '' when none."""
    parts = [frame[[*keys, c]].rename(columns={c: "_grade"}) for c in columns if c in frame.columns]
    if not parts:
        return pd.Series(dtype="object")
    grades = pd.concat(parts, ignore_index=True)
    grades = grades[grades["_grade"].notna() & (grades["_grade"].astype("object") != "article")]
    return _joined(grades, keys, "_grade") if len(grades) else pd.Series(dtype="object")


def _joined(frame: pd.DataFrame, keys: list[str], column: str) -> pd.Series:
    """Per cell, the distinct values of `column` joined by '; ' (deduplicated before joining, so cost follows distinct values)."""
    distinct = frame[[*keys, column]].dropna().astype({column: "object"}).drop_duplicates()
    return distinct.groupby(keys, observed=True, sort=False)[column].agg(lambda values: "; ".join(sorted(map(str, values))))


def therapy_disease_map(evidence: pd.DataFrame, with_study_ids: bool = True) -> pd.DataFrame:
    """Columns: therapy_group, disease, studies, patients, best_level, designs, measures, study_ids.

    best_level is the lowest (best) Oxford CEBM level in the cell; measures lists the outcome measures reported.
    with_study_ids=False leaves study_ids blank (listing every id is most of the cost on very large tables).
    """
    columns = ["therapy_group", "disease", "studies", "patients", "best_level", "designs", "measures", "study_ids"]
    if evidence.empty:
        return pd.DataFrame(columns=[*columns, "weaker_grades"])
    evidence = _narrow(evidence)
    cohorts = _cohorts(evidence)
    cohorts = cohorts.assign(disease=cohorts["disease"].astype("object"))
    keys = ["therapy_group", "disease"]
    grouped = cohorts.groupby(keys, sort=False)
    cells = pd.DataFrame({
        "studies": grouped["study_id"].nunique(),
        "patients": grouped["n_patients"].sum(),
        "best_level": grouped["evidence_level"].min(),
    })
    cells["designs"] = _joined(cohorts, keys, "design")
    cells["study_ids"] = _joined(cohorts, keys, "study_id") if with_study_ids else ""
    rows = evidence.assign(therapy_group=therapy_group(evidence), disease=evidence["disease"].astype("object"))
    cells["measures"] = _joined(rows, keys, "outcome_measure")
    cells["measures"] = cells["measures"].fillna("")
    # patients come from cohort sizes, responder colours from outcomes: either may rest on a weaker grade
    cells["weaker_grades"] = _weaker_grades(cohorts, keys, ("n_grade",)).combine(
        _weaker_grades(rows, keys, ("grade",)), _merge_grades, fill_value="")
    cells["weaker_grades"] = cells["weaker_grades"].fillna("")
    return cells.reset_index()[[*columns, "weaker_grades"]].sort_values(keys, ignore_index=True)


def _merge_grades(first, second) -> str:
    names = {g for text in (first, second) if isinstance(text, str) for g in text.split("; ") if g}
    return "; ".join(sorted(names))


def count_matrix(evidence: pd.DataFrame, row: str, with_study_ids: bool = True) -> pd.DataFrame:
    """Long table row × disease with studies, patients (once per cohort) and study_ids. `row` is an evidence column."""
    if evidence.empty:
        return pd.DataFrame(columns=[row, "disease", "studies", "patients", "study_ids", "weaker_grades"])
    cohorts = _narrow(evidence, (row,)).drop_duplicates(subset=[*COHORT_KEY, row])
    cohorts = cohorts.assign(**{row: cohorts[row].astype("object"), "disease": cohorts["disease"].astype("object")}).dropna(subset=[row, "disease"])
    keys = [row, "disease"]
    grouped = cohorts.groupby(keys, sort=False)
    cells = pd.DataFrame({"studies": grouped["study_id"].nunique(), "patients": grouped["n_patients"].sum()})
    cells["study_ids"] = _joined(cohorts, keys, "study_id") if with_study_ids else ""
    cells["weaker_grades"] = _weaker_grades(cohorts, keys, ("n_grade",))
    cells["weaker_grades"] = cells["weaker_grades"].fillna("")
    return cells.reset_index().sort_values(keys, ignore_index=True)


def target_disease_matrix(evidence: pd.DataFrame, with_study_ids: bool = True) -> pd.DataFrame:
    """Columns: target, disease, studies, patients, study_ids — engineered-cell therapies only (MSC/HSCT have no target)."""
    return count_matrix(evidence[(evidence["target"] != "none").fillna(False)], "target", with_study_ids)


def mechanism_disease_matrix(evidence: pd.DataFrame, with_study_ids: bool = True) -> pd.DataFrame:
    """Columns: mechanism, disease, studies, patients, study_ids; a study with several mechanisms counts in each."""
    cohorts = _narrow(evidence).drop_duplicates(subset=COHORT_KEY)
    mechanisms = cohorts["mechanisms"].astype("object").fillna("")
    split = {text: [m for m in text.split("; ") if m] for text in mechanisms.unique()}  # each distinct list split once
    exploded = cohorts.assign(mechanism=mechanisms.map(split)).explode("mechanism").dropna(subset=["mechanism"])
    return count_matrix(exploded, "mechanism", with_study_ids)


def latest_outcome_per_cohort(evidence: pd.DataFrame, measure: str) -> pd.DataFrame:
    """For one measure, each cohort's row at its latest timepoint with a responder count (blank timepoint = last follow-up, taken as latest)."""
    rows = evidence[((evidence["outcome_measure"] == measure) & evidence["responders"].notna() & evidence["evaluated"].notna()).fillna(False)]
    rows = rows[rows["evaluated"] > 0]
    order = rows["timepoint_months"].astype("float64").fillna(np.inf)
    return rows.assign(_order=order).sort_values("_order").drop_duplicates(subset=COHORT_KEY, keep="last").drop(columns="_order")


def remission_matrix(evidence: pd.DataFrame, measure: str, with_study_ids: bool = True) -> pd.DataFrame:
    """Columns: therapy_group, disease, responders, evaluated, proportion, studies, study_ids — one measure only, never mixed.

    Each cohort contributes its latest timepoint for the measure; proportion = responders / evaluated (crude).
    """
    rows = latest_outcome_per_cohort(_narrow(evidence), measure)
    columns = ["therapy_group", "disease", "responders", "evaluated", "proportion", "studies", "study_ids", "weaker_grades"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows = rows.assign(therapy_group=therapy_group(rows), disease=rows["disease"].astype("object"))
    keys = ["therapy_group", "disease"]
    grouped = rows.groupby(keys, sort=False)
    cells = pd.DataFrame({"responders": grouped["responders"].sum(), "evaluated": grouped["evaluated"].sum(), "studies": grouped["study_id"].nunique()})
    cells["study_ids"] = _joined(rows, keys, "study_id") if with_study_ids else ""
    cells["proportion"] = cells["responders"].astype("float64") / cells["evaluated"].astype("float64")
    cells["weaker_grades"] = _weaker_grades(rows, keys, ("grade",))
    cells["weaker_grades"] = cells["weaker_grades"].fillna("")
    return cells.reset_index()[columns].sort_values(keys, ignore_index=True)


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
