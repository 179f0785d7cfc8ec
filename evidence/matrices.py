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
# The matrices read only these columns: projecting first keeps every later copy narrow (the table has ~85).
MATRIX_COLUMNS = [*COHORT_KEY, *GROUP_PARTS, "n_patients", "evidence_level", "design", "mechanisms", "outcome_measure",
                  "timepoint_months", "responders", "evaluated", "grade", "n_grade"]


def _narrow(evidence: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    columns = [c for c in dict.fromkeys([*MATRIX_COLUMNS, *extra, "therapy_group"]) if c in evidence.columns]
    return evidence[columns]


def therapy_group(evidence: pd.DataFrame) -> pd.Series:
    """Row key of the therapy axis: class · target for engineered cells, class · tissue for MSC, class · cell source for HSCT.

    Uses the precomputed `therapy_group` column when the table has one; otherwise labels each distinct
    combination once and spreads the labels back, so a million rows cost one factorize, not a million string joins.
    """
    if "therapy_group" in evidence:
        return evidence["therapy_group"].astype("object")
    codes, labels = _group_codes(evidence)
    return pd.Series(np.asarray(labels.take(codes), dtype=object), index=evidence.index, dtype="object")


def _group_key(therapy_class, target, tissue_source, cell_source) -> str:
    if therapy_class in ENGINEERED_CLASSES:
        detail = target
    elif therapy_class == "msc":
        detail = tissue_source if isinstance(tissue_source, str) else "mixed"
    else:
        detail = cell_source
    return f"{therapy_class}|{detail if isinstance(detail, str) else 'unspecified'}"


# --------------------------------------------------------------------------- integer codes
# The matrices group and deduplicate on integer codes (categorical codes as stored, other columns factorized once):
# hashing a million strings or objects per step was most of their cost on large tables (bench/RESULTS.md).


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(int64 code per row, -1 = blank; the distinct values by code). Labels stay an Index: converting a million
    study ids to Python objects on every call cost more than the grouping itself."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(np.int64), values.cat.categories
    codes, uniques = pd.factorize(values)
    return codes.astype(np.int64), pd.Index(uniques)


def _combined(parts: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """One int64 per row for its combination of (codes, number of distinct values); blanks (-1) are a value too."""
    key, span = np.zeros(len(parts[0][0]), np.int64), 1
    for codes, size in parts:
        if span * (size + 1) >= 2**62:  # renumber densely before the product could overflow
            key, uniques = pd.factorize(key)
            key, span = key.astype(np.int64), len(uniques)
        key = key * (size + 1) + (codes + 1)
        span *= size + 1
    return key


def _key(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return _combined([(codes, len(labels)) for codes, labels in (_codes(frame[c]) for c in columns)])


def _first(key: np.ndarray) -> np.ndarray:
    """True at the first row of each distinct key."""
    return ~pd.Series(key).duplicated().to_numpy()


def _first_of_each(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """drop_duplicates(subset=columns) (first row kept, blanks equal) computed on integer codes."""
    return frame[_first(_key(frame, columns))]


def _group_codes(evidence: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """(therapy-group code per row, group labels by code): each distinct combination of GROUP_PARTS is labelled once."""
    if "therapy_group" in evidence:
        return _codes(evidence["therapy_group"].astype("object"))
    parts = [evidence[column] for column in GROUP_PARTS]
    combos = _combined([(codes, len(labels)) for codes, labels in map(_codes, parts)])
    combo_of_row, _ = pd.factorize(combos)  # codes in order of first appearance ...
    first = np.flatnonzero(_first(combos))  # ... so combo i first appears at row first[i]
    labels = [_group_key(*values) for values in zip(*(part.take(first).tolist() for part in parts))]
    group_of_combo, groups = pd.factorize(np.asarray(labels, dtype=object))  # combinations sharing a label are one group
    return group_of_combo[combo_of_row].astype(np.int64), pd.Index(groups)


# --------------------------------------------------------------------------- cells


class _Cells:
    """Each row's cell (row value × disease) as one integer (-1 when either is blank), and the cells' labels."""

    def __init__(self, row: tuple[np.ndarray, pd.Index], disease: pd.Series):
        row_codes, self.row_labels = row
        disease_codes, self.disease_labels = _codes(disease)
        width = max(len(self.disease_labels), 1)
        self.ids = np.where((row_codes >= 0) & (disease_codes >= 0), row_codes * width + disease_codes, -1)
        self.width, self.size = width, len(self.row_labels) * width

    def per_cell(self, values: pd.Series, how: str) -> pd.Series:
        """sum / min of `values` per cell, blanks skipped (as groupby does)."""
        keep = self.ids >= 0
        return values[keep].groupby(self.ids[keep]).agg(how)

    def distinct(self, values: pd.Series) -> tuple[pd.DataFrame, pd.Index]:
        """The distinct (cell, value code) pairs with a value, and the values by code."""
        codes, labels = _codes(values)
        keep = (self.ids >= 0) & (codes >= 0)
        cell, codes = self.ids[keep], codes[keep]
        first = _first(_combined([(cell, self.size), (codes, len(labels))]))
        return pd.DataFrame({"cell": cell[first], "code": codes[first]}), labels

    def count_distinct(self, values: pd.Series) -> pd.Series:
        pairs, _ = self.distinct(values)
        return pairs["cell"].value_counts()

    def joined(self, values: pd.Series, keep=None) -> pd.Series:
        """Per cell, the distinct values (those `keep` accepts) joined by '; ' in sorted order; cost follows distinct pairs."""
        pairs, labels = self.distinct(values)
        if keep is not None:
            pairs = pairs[np.array([keep(label) for label in labels], dtype=bool)[pairs["code"].to_numpy()]]
        codes = pairs["code"].to_numpy()
        text = _text(labels.take(codes))
        # sorted categories (the usual case) already sort as their text; otherwise sort by the text itself
        order = np.lexsort((codes, pairs["cell"].to_numpy())) if _sorted_text(labels) else \
            pd.DataFrame({"cell": pairs["cell"].to_numpy(), "text": text}).sort_values(["cell", "text"]).index.to_numpy()
        cells, text = pairs["cell"].to_numpy()[order], text[order]
        starts = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]]) if len(cells) else np.array([], np.int64)
        ends = np.r_[starts[1:], len(cells)]
        return pd.Series(["; ".join(text[a:b]) for a, b in zip(starts, ends)], index=cells[starts], dtype="str" if len(cells) else "object")

    def labelled(self, cells: pd.DataFrame, names: list[str]) -> pd.DataFrame:
        """`cells` (indexed by cell id) with the two label columns `names` in front, sorted by them."""
        ids = cells.index.to_numpy()
        labels = {names[0]: self.row_labels.take(ids // self.width), names[1]: self.disease_labels.take(ids % self.width)}
        out = pd.concat([pd.DataFrame(labels), cells.reset_index(drop=True)], axis=1)
        return out.astype({name: "str" for name in names}).sort_values(names, ignore_index=True)


def _text(labels: pd.Index) -> np.ndarray:
    """The labels as Python strings (str(value)), without a Python call per label when they are strings already."""
    if labels.inferred_type == "string":
        return labels.to_numpy(dtype=object)
    return np.asarray([str(value) for value in labels], dtype=object)


def _sorted_text(labels: pd.Index) -> bool:
    return labels.inferred_type == "string" and labels.is_monotonic_increasing


def _is_weaker(grade) -> bool:
    return grade != "article"


def _weaker_grades(cells: _Cells, grades: pd.Series | None) -> pd.Series:
    """Per cell, the grades weaker than 'article' among the numbers it shows ('secondary; congress'), '' when none."""
    return cells.joined(grades, keep=_is_weaker) if grades is not None else pd.Series(dtype="object")


def _merge_grades(first, second) -> str:
    names = {g for text in (first, second) if isinstance(text, str) for g in text.split("; ") if g}
    return "; ".join(sorted(names))


def therapy_disease_map(evidence: pd.DataFrame, with_study_ids: bool = True) -> pd.DataFrame:
    """Columns: therapy_group, disease, studies, patients, best_level, designs, measures, study_ids.

    best_level is the lowest (best) Oxford CEBM level in the cell; measures lists the outcome measures reported.
    with_study_ids=False leaves study_ids blank (listing every id is most of the cost on very large tables).
    """
    columns = ["therapy_group", "disease", "studies", "patients", "best_level", "designs", "measures", "study_ids"]
    if evidence.empty:
        return pd.DataFrame(columns=[*columns, "weaker_grades"])
    evidence = _narrow(evidence)
    cohorts = _first_of_each(evidence, COHORT_KEY)
    # the measures and outcome grades of a cell depend on these columns only: one dedupe, then work on the distinct rows
    rows = _first_of_each(evidence, [c for c in [*GROUP_PARTS, "therapy_group", "disease", "outcome_measure", "grade"] if c in evidence])
    by_cohort, by_row = _Cells(_group_codes(cohorts), cohorts["disease"]), _Cells(_group_codes(rows), rows["disease"])
    cells = pd.DataFrame({"patients": by_cohort.per_cell(cohorts["n_patients"], "sum"),
                          "best_level": by_cohort.per_cell(cohorts["evidence_level"], "min")})
    cells.insert(0, "studies", by_cohort.count_distinct(cohorts["study_id"]))
    cells["designs"] = by_cohort.joined(cohorts["design"])
    cells["measures"] = by_row.joined(rows["outcome_measure"])
    cells["measures"] = cells["measures"].fillna("")
    cells["study_ids"] = by_cohort.joined(cohorts["study_id"]) if with_study_ids else ""
    # patients come from cohort sizes, responder colours from outcomes: either may rest on a weaker grade
    cells["weaker_grades"] = _weaker_grades(by_cohort, cohorts.get("n_grade")).combine(
        _weaker_grades(by_row, rows.get("grade")), _merge_grades, fill_value="")
    cells["weaker_grades"] = cells["weaker_grades"].fillna("")
    return by_cohort.labelled(cells, ["therapy_group", "disease"])[[*columns, "weaker_grades"]]


def _count_cells(cohorts: pd.DataFrame, cells: _Cells, names: list[str], with_study_ids: bool) -> pd.DataFrame:
    """studies, patients (once per cohort), study_ids and weaker_grades per cell of one row per cohort (and row value)."""
    table = pd.DataFrame({"patients": cells.per_cell(cohorts["n_patients"], "sum")})
    table.insert(0, "studies", cells.count_distinct(cohorts["study_id"]))
    table["study_ids"] = cells.joined(cohorts["study_id"]) if with_study_ids else ""
    table["weaker_grades"] = _weaker_grades(cells, cohorts.get("n_grade"))
    table["weaker_grades"] = table["weaker_grades"].fillna("")
    return cells.labelled(table, names)


def count_matrix(evidence: pd.DataFrame, row: str, with_study_ids: bool = True) -> pd.DataFrame:
    """Long table row × disease with studies, patients (once per cohort) and study_ids. `row` is an evidence column."""
    cohorts = _first_of_each(_narrow(evidence, (row,)), [*COHORT_KEY, row]) if len(evidence) else evidence
    return _count_matrix(cohorts, row, with_study_ids)


def _count_matrix(cohorts: pd.DataFrame, row: str, with_study_ids: bool) -> pd.DataFrame:
    """count_matrix of rows already distinct by cohort and `row`."""
    columns = [row, "disease", "studies", "patients", "study_ids", "weaker_grades"]
    cells = _Cells(_codes(cohorts[row]), cohorts["disease"]) if len(cohorts) else None
    if cells is None or not (cells.ids >= 0).any():
        return pd.DataFrame(columns=columns)
    return _count_cells(cohorts, cells, [row, "disease"], with_study_ids)[columns]


def target_disease_matrix(evidence: pd.DataFrame, with_study_ids: bool = True) -> pd.DataFrame:
    """Columns: target, disease, studies, patients, study_ids — engineered-cell therapies only (MSC/HSCT have no target)."""
    if evidence.empty:
        return _count_matrix(evidence, "target", with_study_ids)
    cohorts = _first_of_each(_narrow(evidence), [*COHORT_KEY, "target"])  # dedupe before filtering: far fewer rows to take
    return _count_matrix(cohorts[(cohorts["target"] != "none").fillna(False).to_numpy()], "target", with_study_ids)


def mechanism_disease_matrix(evidence: pd.DataFrame, with_study_ids: bool = True) -> pd.DataFrame:
    """Columns: mechanism, disease, studies, patients, study_ids; a study with several mechanisms counts in each."""
    columns = ["mechanism", "disease", "studies", "patients", "study_ids", "weaker_grades"]
    cohorts = _first_of_each(_narrow(evidence), COHORT_KEY) if len(evidence) else evidence
    if cohorts.empty:
        return pd.DataFrame(columns=columns)
    # each distinct '; '-joined list is split once; cohorts are repeated once per mechanism they list (once per name)
    text_codes, texts = _codes(cohorts["mechanisms"])  # a blank list (-1) has no mechanism
    pairs = pd.DataFrame([(code, name) for code, text in enumerate(texts) for name in dict.fromkeys(str(text).split("; ")) if name],
                         columns=["_text", "mechanism"])
    link = pd.DataFrame({"_text": text_codes, "_row": np.arange(len(cohorts))}).merge(pairs, on="_text")
    exploded = cohorts[[*COHORT_KEY, "n_patients", *(["n_grade"] if "n_grade" in cohorts else [])]].take(link["_row"].to_numpy())
    mechanism_codes, mechanisms = pd.factorize(link["mechanism"])
    cells = _Cells((mechanism_codes.astype(np.int64), pd.Index(mechanisms)), exploded["disease"])
    if not (cells.ids >= 0).any():
        return pd.DataFrame(columns=columns)
    return _count_cells(exploded, cells, ["mechanism", "disease"], with_study_ids)[columns]


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
    cells = _Cells(_group_codes(rows), rows["disease"])
    table = pd.DataFrame({"responders": cells.per_cell(rows["responders"], "sum"), "evaluated": cells.per_cell(rows["evaluated"], "sum")})
    table["studies"] = cells.count_distinct(rows["study_id"])
    table["study_ids"] = cells.joined(rows["study_id"]) if with_study_ids else ""
    table["proportion"] = table["responders"].astype("float64") / table["evaluated"].astype("float64")
    table["weaker_grades"] = _weaker_grades(cells, rows.get("grade"))
    table["weaker_grades"] = table["weaker_grades"].fillna("")
    return cells.labelled(table, ["therapy_group", "disease"])[columns]


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
