"""Clearly synthetic evidence tables for scale benchmarks — never used by the app.

`synthetic_evidence(n_rows)` returns a frame with exactly the columns and dtypes of `load_atlas().evidence`
(built through `evidence.tables.typed` with `EVIDENCE_COLUMNS`). Codes are sampled from the real vocabulary;
every study id starts with `synthetic-`, every title says it is synthetic, every URL points at example.org.
The structure follows the real table: a study has one or more disease cohorts, a cohort one or more outcome
rows (or a single row with a blank measure), counts obey responders ≤ evaluated ≤ n_patients, safety events
stay within the safety population, and about 4% of studies are superseded by a newer report.

Everything is vectorised with numpy: 1e6 rows build in a few seconds.

    .venv/bin/python bench/synthetic.py 100000   # builds, checks against the real dtypes, prints a summary
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if str(Path(__file__).resolve().parent.parent) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evidence import load_vocabulary
from evidence.matrices import ENGINEERED_CLASSES
from evidence.tables import EVIDENCE_COLUMNS, typed

ROWS_PER_COHORT = 1.6  # the real table: 137 rows over 86 cohorts
COHORTS_PER_STUDY = 1.1  # the real table: 86 cohorts over 78 studies
SUPERSEDED_SHARE = 0.04
SAFETY_SHARE = 0.85
CONTINUOUS_SUFFIXES = ("_change", "_cumulative")
CLASS_WEIGHTS = {"car_t": 0.30, "car_nk": 0.04, "caar_t": 0.02, "car_treg": 0.02, "t_cell_engager": 0.02, "msc": 0.30, "hsct": 0.30}
DESIGN_WEIGHTS = {"case_report": 0.06, "case_series": 0.19, "cohort": 0.20, "registry": 0.06, "phase1": 0.11,
                  "phase1_2": 0.07, "phase2": 0.12, "non_randomised_controlled": 0.03, "rct": 0.16}
COUNTRIES = np.array(["China", "Germany", "United States", "Italy", "Spain", "Brazil", "Japan", "China; Germany"], dtype=object)
TIMEPOINTS = np.array([3.0, 6.0, 12.0, 24.0, 36.0, 60.0])


def synthetic_evidence(n_rows: int, seed: int = 0, vocab=None) -> pd.DataFrame:
    """An evidence table of `n_rows` synthetic rows, typed like the real one."""
    vocab = vocab or load_vocabulary()
    rng = np.random.default_rng(seed)
    rows_per_cohort = _group_sizes(int(n_rows), ROWS_PER_COHORT, rng)
    cohorts_per_study = _group_sizes(len(rows_per_cohort), COHORTS_PER_STUDY, rng)
    cohort_of_row = np.repeat(np.arange(len(rows_per_cohort)), rows_per_cohort)
    study_of_cohort = np.repeat(np.arange(len(cohorts_per_study)), cohorts_per_study)
    study_of_row = study_of_cohort[cohort_of_row]

    studies = _studies(len(cohorts_per_study), vocab, rng)
    cohorts = _cohorts(len(rows_per_cohort), rows_per_cohort, vocab, rng)
    safety = _safety(studies, cohorts["n_patients"], study_of_cohort, rng)
    outcomes = _outcomes(cohort_of_row, cohorts, studies["design"].take(study_of_row), vocab, rng)

    columns = {name: _take(values, study_of_row) for name, values in {**studies, **safety}.items()}
    columns.update({name: _take(values, cohort_of_row) for name, values in cohorts.items() if name in EVIDENCE_COLUMNS})
    columns.update(outcomes)
    columns["origin"] = pd.Categorical(np.full(n_rows, "synthetic", dtype=object))
    return typed(pd.DataFrame(columns), EVIDENCE_COLUMNS)


def synthetic_safety(evidence: pd.DataFrame) -> pd.DataFrame:
    """The safety table (one row per study) matching a synthetic evidence table, for `compare_therapy`."""
    from evidence.tables import SAFETY_COLUMNS

    studies = evidence.drop_duplicates("study_id")
    studies = studies[studies["safety_n"].notna()]
    return typed(studies.assign(safety_source_url=studies["source_url"], safety_source_note=studies["source_note"]), SAFETY_COLUMNS)


# --------------------------------------------------------------------------- structure


def _group_sizes(total: int, mean: float, rng: np.random.Generator) -> np.ndarray:
    """Split `total` items into groups of at least one, `mean` items per group on average."""
    groups = min(total, max(1, round(total / mean)))
    extra = rng.integers(0, groups, total - groups)
    return 1 + np.bincount(extra, minlength=groups)


def _choice(rng, options: list[str], size: int, weights: dict | None = None) -> np.ndarray:
    """Codes drawn from `options` (vocabulary ids); weights by id where given, equal otherwise."""
    p = np.array([(weights or {}).get(o, 0.0 if weights else 1.0) for o in options], dtype=float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p / p.sum())]


def _take(values, index: np.ndarray):
    """Repeat study- or cohort-level values onto rows (numpy arrays, pandas extension arrays and Categoricals)."""
    if isinstance(values, np.ndarray):
        return values[index]
    return values.take(index)


def _strings(values) -> pd.arrays.StringArray:
    """A string array (None = blank); taking it onto 1e6 rows is far cheaper than converting 1e6 objects."""
    return pd.array(np.asarray(values, dtype=object), dtype="string")


def _ints(values: np.ndarray, blank: np.ndarray | None = None):
    return pd.arrays.IntegerArray(values.astype("int64"), np.zeros(len(values), bool) if blank is None else blank)


def _floats(values: np.ndarray, blank: np.ndarray | None = None):
    blank = np.isnan(values) if blank is None else blank | np.isnan(values)
    return pd.arrays.FloatingArray(np.nan_to_num(values.astype("float64")), blank)


def _codes(values: np.ndarray) -> pd.Categorical:
    return pd.Categorical(values).remove_unused_categories()


def _labels(prefix: str, numbers: np.ndarray, suffix: str = ""):
    """'<prefix><number, 7 digits><suffix>' for each number, built in Arrow (no Python string per row)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), 7, "0")
    return pd.arrays.ArrowStringArray(pc.binary_join_element_wise(prefix, digits, suffix, ""))


def _text(text: str, n: int, blank: np.ndarray | None = None):
    """One text repeated n times (blank where `blank`), by taking from a one-element array."""
    index = np.zeros(n, np.int64) if blank is None else np.where(blank, -1, 0)
    return _strings([text]).take(index, allow_fill=True)


# --------------------------------------------------------------------------- studies, cohorts, safety, outcomes


def _studies(n: int, vocab, rng) -> dict:
    """Study-level columns (one value per study): citation, design, therapy, follow-up and overlap links."""
    number = np.arange(n)
    ids = _labels("synthetic-", number)
    therapy_class = _choice(rng, vocab.ids("therapy_classes"), n, CLASS_WEIGHTS)
    engineered = np.isin(therapy_class, list(ENGINEERED_CLASSES))
    target = np.where(engineered, _choice(rng, [t for t in vocab.ids("targets") if t != "none"], n), "none")
    engineering = np.where(engineered, _choice(rng, [e for e in vocab.ids("engineering") if e != "none"], n), "none")
    cell_source = np.where(rng.random(n) < np.where(therapy_class == "msc", 0.2, 0.85), "autologous", "allogeneic")
    msc_tissues = [t for t in ("umbilical_cord", "bone_marrow", "adipose", "placenta", "mixed") if vocab.has("tissue_sources", t)]
    tissue = np.where(therapy_class == "msc", _choice(rng, msc_tissues, n),
                      np.where(therapy_class == "hsct", _choice(rng, ["peripheral_blood", "bone_marrow"], n), "peripheral_blood"))
    tissue = np.where(rng.random(n) < 0.1, None, tissue)
    design = _choice(rng, vocab.ids("designs"), n, DESIGN_WEIGHTS)
    level = np.array([vocab.design_level(d) or 4 for d in vocab.ids("designs")])[_index_of(design, vocab.ids("designs"))]
    year = np.where(engineered, rng.integers(2021, 2026, n), rng.integers(1996, 2026, n))
    evens = np.arange(0, n - 1, 2)  # study 2k may be superseded by study 2k+1: pairs, never chains
    old = rng.choice(evens, size=min(len(evens), max(1, int(SUPERSEDED_SHARE * n))), replace=False) if len(evens) else evens
    is_current = np.ones(n, bool)
    is_current[old] = False
    superseded_by, supersedes = np.full(n, -1), np.full(n, -1)  # index of the linked study, -1 = none
    superseded_by[old], supersedes[old + 1] = old + 1, old
    is_trial = np.isin(design, vocab.trial_designs())
    follow_up = rng.gamma(2.0, 12.0, n).round(1) + 1
    return {
        "study_id": ids,
        "first_author": _labels("Synthetic A", np.arange(5000)).take(number % 5000),
        "year": _ints(year),
        "title": _labels("Synthetic benchmark study ", number, " (not a real publication)"),
        "journal": _text("Synthetic Journal of Benchmarks", n),
        "doi": _labels("10.0000/synthetic-", number),
        "pmid": _ints(np.zeros(n), blank=np.ones(n, bool)),
        "nct_ids": _labels("NCT9", number).take(np.where(is_trial, number, -1), allow_fill=True),
        "country": _strings(COUNTRIES).take(rng.integers(0, len(COUNTRIES), n)),
        "design": _codes(design),
        "evidence_level": _ints(level),
        "therapy_class": _codes(therapy_class),
        "therapy": _labels("Synthetic product ", np.arange(300)).take(number % 300),
        "target": _codes(target),
        "cell_source": _codes(cell_source),
        "tissue_source": _codes(tissue),
        "engineering": _codes(engineering),
        "mechanisms": _strings(_mechanisms(n, vocab, rng)),
        "dose": _text("", n, blank=np.ones(n, bool)),
        "conditioning": _text("", n, blank=np.ones(n, bool)),
        "follow_up_months": _floats(follow_up, blank=rng.random(n) < 0.1),
        "is_current": is_current,
        "is_trial": is_trial,
        "superseded_by": ids.take(superseded_by, allow_fill=True),
        "supersedes": ids.take(supersedes, allow_fill=True),
        "file": _labels("synthetic-", number, ".yaml"),
        "_engineered": engineered,
    }


def _index_of(values: np.ndarray, options: list[str]) -> np.ndarray:
    lookup = {o: i for i, o in enumerate(options)}
    return np.fromiter((lookup[v] for v in values), dtype=np.int64, count=len(values))


def _mechanisms(n: int, vocab, rng) -> np.ndarray:
    """One or two distinct mechanism ids per study, joined by '; ' as in the real table."""
    names = np.asarray(vocab.ids("mechanisms"), dtype=object)
    first = rng.integers(0, len(names), n)
    second = (first + 1 + rng.integers(0, len(names) - 1, n)) % len(names)
    two = rng.random(n) < 0.5
    return np.where(two, names[first] + "; " + names[second], names[first])


def _cohorts(n: int, rows_per_cohort: np.ndarray, vocab, rng) -> dict:
    """Cohort-level columns: disease (commoner diseases more often), subtype where the vocabulary has one, size."""
    diseases = vocab.ids("diseases")
    disease = _choice(rng, diseases, n, {d: 1 / (rank + 1) ** 0.8 for rank, d in enumerate(diseases)})
    subtype = np.full(n, None, dtype=object)
    for code, subtypes in vocab.subtypes.items():
        chosen = (disease == code) & (rng.random(n) < 0.4)
        if subtypes and chosen.any():
            subtype[chosen] = _choice(rng, list(subtypes), int(chosen.sum()))
    patients = np.clip(np.round(rng.lognormal(np.log(20), 0.9, n)), 1, 600).astype(np.int64)
    return {
        "disease": _codes(disease),
        "disease_subtype": _codes(subtype),
        "n_patients": _ints(patients),
        "n_source_url": _text("https://example.org/synthetic/cohort", n),
        "n_source_note": _text("Synthetic benchmark cohort; not a real source.", n),
        "p_response": rng.beta(2, 2, n),
        "_no_outcome": (rows_per_cohort == 1) & (rng.random(n) < 0.25),
    }


def _safety(studies: dict, cohort_patients, study_of_cohort: np.ndarray, rng) -> dict:
    """Safety counts per study, within the safety population (all treated patients of the study)."""
    n = len(studies["is_current"])
    population = np.bincount(study_of_cohort, weights=np.asarray(cohort_patients, dtype=float), minlength=n).astype(np.int64)
    unreported = rng.random(n) > SAFETY_SHARE
    engineered = studies.pop("_engineered")
    crs = rng.binomial(population, 0.6)
    icans = rng.binomial(population, 0.1)
    columns = {
        "safety_n": _ints(population, unreported),
        "crs_any": _ints(crs, unreported | ~engineered),
        "crs_grade3plus": _ints(rng.binomial(crs, 0.1), unreported | ~engineered),
        "icans_any": _ints(icans, unreported | ~engineered),
        "icans_grade3plus": _ints(rng.binomial(icans, 0.2), unreported | ~engineered),
        "serious_infections": _ints(rng.binomial(population, 0.08), unreported),
        "deaths": _ints(rng.binomial(population, 0.01), unreported),
    }
    return columns


def _outcomes(cohort_of_row: np.ndarray, cohorts: dict, design, vocab, rng) -> dict:
    """Row-level outcome columns: measure, timepoint, counts (responders ≤ evaluated ≤ n_patients) or a value."""
    n = len(cohort_of_row)
    measures = vocab.ids("outcome_measures")
    measure = _choice(rng, measures, n)
    measure = np.where(cohorts["_no_outcome"][cohort_of_row], None, measure)
    continuous = np.isin(measure, [m for m in measures if m.endswith(CONTINUOUS_SUFFIXES)])
    counted = (measure != None) & ~continuous
    percent_only = counted & (rng.random(n) < 0.1)
    with_counts = counted & ~percent_only
    patients = np.asarray(cohorts["n_patients"]._data)[cohort_of_row]
    evaluated = np.maximum(rng.binomial(patients, 0.9), 1)
    p = cohorts["p_response"][cohort_of_row]
    responders = rng.binomial(evaluated, p)
    months = TIMEPOINTS[rng.integers(0, len(TIMEPOINTS), n)]
    months = np.where(rng.random(n) < 0.1, np.nan, months)
    blank = measure == None
    rct = (np.asarray(design, dtype=object) == "rct") & with_counts
    comparator_evaluated = np.maximum(rng.binomial(patients, 0.9), 1)
    comparator_responders = rng.binomial(comparator_evaluated, p / 2)
    return {
        "outcome_measure": _codes(measure),
        "timepoint_months": _floats(months, blank=blank),
        "timepoint_label": _text("", n, blank=np.ones(n, bool)),
        "responders": _ints(responders, ~with_counts),
        "evaluated": _ints(evaluated, ~with_counts),
        "percent_reported": _floats(np.round(100 * p, 1), ~percent_only),
        "value": _floats(rng.normal(-3, 2, n).round(2), ~continuous),
        "value_kind": _text("mean change", n, blank=~continuous),
        "comparator_label": _text("Synthetic control arm", n, blank=~rct),
        "comparator_responders": _ints(comparator_responders, ~rct),
        "comparator_evaluated": _ints(comparator_evaluated, ~rct),
        "comparator_percent": _floats(np.zeros(n), np.ones(n, bool)),
        "source_url": _text("https://example.org/synthetic/outcome", n, blank=blank),
        "source_note": _text("Synthetic benchmark row; not a real source.", n, blank=blank),
    }


# --------------------------------------------------------------------------- checks


def check_like(frame: pd.DataFrame, real: pd.DataFrame) -> list[str]:
    """Differences from the real table that would make the benchmark unrepresentative (empty list = none)."""
    problems = []
    if list(frame.columns) != list(real.columns):
        problems.append("columns differ")
    for column in real.columns:
        if str(frame[column].dtype) != str(real[column].dtype) and not (frame[column].dtype == "category" == real[column].dtype):
            problems.append(f"{column}: {frame[column].dtype} != {real[column].dtype}")
    if not frame["study_id"].str.startswith("synthetic-").all():
        problems.append("a study id lacks the synthetic- prefix")
    counts = frame[frame["responders"].notna()]
    if ((counts["responders"] > counts["evaluated"]) | (counts["evaluated"] > counts["n_patients"])).any():
        problems.append("responders <= evaluated <= n_patients is violated")
    if frame["is_current"].all():
        problems.append("no superseded study")
    return problems


def main(argv: list[str]) -> None:
    n_rows = int(float(argv[0])) if argv else 100_000
    start = time.perf_counter()
    frame = synthetic_evidence(n_rows)
    seconds = time.perf_counter() - start
    from evidence import load_atlas

    problems = check_like(frame, load_atlas().evidence)
    print(f"{len(frame):,} rows, {frame['study_id'].nunique():,} studies, built in {seconds:.2f} s, "
          f"{frame.memory_usage(deep=True).sum() / 1e6:.0f} MB; superseded studies: "
          f"{(~frame.drop_duplicates('study_id')['is_current']).sum():,}; problems: {problems or 'none'}")


if __name__ == "__main__":
    main(sys.argv[1:])
