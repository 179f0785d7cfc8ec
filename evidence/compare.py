"""Side-by-side comparison of therapies in one disease: pooled remission, heterogeneity, follow-up and safety.

Only the newest report of each cohort enters (superseded reports are dropped first), and each cohort
contributes one row per measure (its latest timepoint), so no patient enters a pool twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from evidence.matrices import latest_outcome_per_cohort, therapy_group
from evidence.pooling import PooledProportion, exact_ci, leave1out, pool_proportions, study_weights
from evidence.summary import COHORT_KEY, cohorts_of
from evidence.tables import SAFETY_COUNTS

CASE_DESIGNS = {"case_report", "case_series"}
MATERIAL_DIFFERENCE = 0.10  # pooled estimates further apart than this across methods earn a caveat


@dataclass(frozen=True)
class PoolMethod:
    """How a therapy's cohorts are pooled. The default is the exact-likelihood GLMM (random-intercept logistic,
    metafor rma.glmm); the normal-normal models pool logit (PLO) or Freeman–Tukey (PFT) proportions with τ² by DL or
    REML and a z or Hartung–Knapp (knha) interval. Freeman–Tukey is offered as a sensitivity option only."""

    model: str = "GLMM"  # GLMM | NN
    measure: str = "PLO"  # NN only
    tau2_method: str = "REML"  # NN only
    test: str = "z"  # NN only: z | knha

    def kwargs(self) -> dict:
        if self.model == "GLMM":
            return {"model": "GLMM"}
        return {"model": "NN", "measure": self.measure, "tau2_method": self.tau2_method, "test": self.test}

    @property
    def code(self) -> str:
        return "GLMM" if self.model == "GLMM" else f"{self.measure}-{self.tau2_method}-{self.test}"


# the methods whose spread earns a "sensitive to the method" caveat
METHODS = [PoolMethod(), PoolMethod("NN", "PLO", "DL"), PoolMethod("NN", "PLO", "REML"), PoolMethod("NN", "PFT", "DL"), PoolMethod("NN", "PFT", "REML")]


@dataclass(frozen=True)
class TherapyComparison:
    group: str
    cohorts: pd.DataFrame  # one row per study cohort of this therapy in the disease
    outcome_rows: pd.DataFrame  # per study: label, responders, evaluated, proportion, ci_low, ci_high, weight
    pooled: PooledProportion | None
    method_spread: float | None  # max - min pooled estimate over the four methods
    safety: pd.DataFrame  # per event: events, patients, proportion, ci_low, ci_high, studies
    drug_free: tuple[int, int] | None


# The evidence columns a comparison, its durability and its choices read (the app projects to them before filtering).
COMPARE_COLUMNS = [*COHORT_KEY, "therapy_class", "target", "tissue_source", "cell_source", "is_current", "n_patients",
                   "design", "evidence_level", "follow_up_months", "first_author", "year", "outcome_measure",
                   "timepoint_months", "responders", "evaluated", "grade"]


def comparison_base(evidence: pd.DataFrame, disease: str, subtype: str | None = None) -> pd.DataFrame:
    """Newest reports of one disease (and subtype), with the therapy group column added."""
    rows = evidence[(evidence["disease"].astype("object") == disease) & evidence["is_current"].astype(bool)]
    if subtype:
        rows = rows[rows["disease_subtype"].astype("object") == subtype]
    return rows.assign(therapy_group=therapy_group(rows))


def therapy_options(base: pd.DataFrame) -> list[str]:
    """Therapy groups with at least one study in the base, most patients first."""
    cohorts = cohorts_of(base)
    return list(cohorts.groupby("therapy_group")["n_patients"].sum().sort_values(ascending=False).index)


def default_therapies(options: list[str], limit: int = 4) -> list[str]:
    """A first comparison across classes: the largest group of each therapy class, in the order given."""
    chosen, classes = [], set()
    for group in options:
        therapy_class = group.split("|")[0]
        if therapy_class not in classes:
            chosen.append(group)
            classes.add(therapy_class)
    return chosen[:limit]


def sidebar_therapies(options: list[str], filters) -> list[str]:
    """The therapy groups the sidebar's class and target filters select (at most six), so a link opens that comparison."""
    if not filters.therapy_classes and not filters.targets:
        return []
    chosen = [g for g in options
              if (not filters.therapy_classes or g.split("|")[0] in filters.therapy_classes)
              and (not filters.targets or g.split("|")[1] in filters.targets)]
    return chosen[:6]


def comparable_measures(base: pd.DataFrame, groups: list[str], unpooled: set[str] = frozenset()) -> list[str]:
    """Measures with responder counts in at least one chosen group, those shared by most groups first;
    `unpooled` measures (e.g. improvement described in words) are never offered for pooling."""
    rows = base[base["therapy_group"].isin(groups) & base["responders"].notna() & (base["evaluated"] > 0).fillna(False)
                & ~base["outcome_measure"].astype("object").isin(list(unpooled))]
    if rows.empty:
        return []
    shared = rows.groupby(rows["outcome_measure"].astype("object"))["therapy_group"].nunique()
    return list(shared.sort_values(ascending=False).index)


def _study_rows(rows: pd.DataFrame, method: PoolMethod) -> pd.DataFrame:
    events, totals = rows["responders"].astype(int).to_numpy(), rows["evaluated"].astype(int).to_numpy()
    intervals = [exact_ci(e, n) for e, n in zip(events, totals)]
    if len(rows) <= 1:
        weights = np.array([100.0] * len(rows))
    elif method.model == "GLMM":
        weights = 100.0 * totals / totals.sum()  # the GLMM has no inverse-variance weights: squares show patients
    else:
        weights = study_weights(events, totals, method.measure, method.tau2_method)
    return pd.DataFrame({
        "study_id": rows["study_id"].to_numpy(),
        "label": (rows["first_author"].astype(str) + " " + rows["year"].astype(str)).to_numpy(),
        "design": rows["design"].astype("object").to_numpy(),
        "timepoint_months": rows["timepoint_months"].to_numpy(),
        "grade": rows["grade"].astype("object").to_numpy() if "grade" in rows else None,
        "responders": events, "evaluated": totals,
        "proportion": events / totals,
        "ci_low": [low for low, _ in intervals], "ci_high": [high for _, high in intervals],
        "weight": weights,
    })


def _safety_rates(cohorts: pd.DataFrame, safety: pd.DataFrame) -> pd.DataFrame:
    """Crude events / patients per event type over the studies that report it (blank = not reported, left out)."""
    # only the columns read below: each of the twelve filters then copies a few columns, not the whole safety table
    columns = [c for c in ["study_id", "safety_n", *SAFETY_COUNTS, *(f"{e}_grade" for e in SAFETY_COUNTS)] if c in safety.columns]
    studies = safety.loc[safety["study_id"].isin(cohorts["study_id"].unique()), columns]
    records = []
    for event in [*SAFETY_COUNTS]:
        reported = studies[studies[event].notna()]
        reported = reported[reported["safety_n"].notna()]  # a blanked safety population (article-only view) has no rate
        events, patients = int(reported[event].sum()), int(reported["safety_n"].sum())
        low, high = exact_ci(events, patients) if patients else (np.nan, np.nan)
        records.append({"event": event, "events": events, "patients": patients, "studies": len(reported),
                        "proportion": events / patients if patients else np.nan, "ci_low": low, "ci_high": high,
                        "weaker_grades": _weaker(reported.get(f"{event}_grade"))})
    return pd.DataFrame(records)


def _weaker(grades) -> str:
    """The distinct grades weaker than 'article' in a column of grades, '; '-joined ('' when none or no column)."""
    if grades is None:
        return ""
    values = {g for g in grades.dropna().astype("object") if g != "article"}
    return "; ".join(sorted(values))


@lru_cache(maxsize=4096)
def pooled_counts(events: tuple[int, ...], totals: tuple[int, ...], method: PoolMethod) -> PooledProportion:
    """pool_proportions, memoised on the counts and the method: a comparison asks for the same pool several times (the
    chosen model is one of the five its method-spread caveat compares, a Freeman-Tukey re-analysis repeats them on the
    same counts, a sensitivity variant often leaves a therapy's counts unchanged), and one GLMM fit takes 0.05-0.4 s.
    The result is a frozen record, safe to share."""
    return pool_proportions(list(events), list(totals), **method.kwargs())


def compare_therapy(base: pd.DataFrame, safety: pd.DataFrame, group: str, measure: str | None, method: PoolMethod = PoolMethod()) -> TherapyComparison:
    rows = base[base["therapy_group"] == group]
    cohorts = cohorts_of(rows)
    outcome = latest_outcome_per_cohort(rows, measure) if measure else rows.iloc[0:0]
    pooled, spread = None, None
    if len(outcome):
        events, totals = tuple(outcome["responders"].astype(int)), tuple(outcome["evaluated"].astype(int))
        pooled = pooled_counts(events, totals, method)
        if len(outcome) > 1:
            estimates = [pooled_counts(events, totals, m).estimate for m in METHODS]
            spread = float(max(estimates) - min(estimates))
    drug_free_rows = latest_outcome_per_cohort(rows, "drug_free_remission")
    drug_free = (int(drug_free_rows["responders"].sum()), int(drug_free_rows["evaluated"].sum())) if len(drug_free_rows) else None
    return TherapyComparison(
        group=group, cohorts=cohorts, outcome_rows=_study_rows(outcome, method) if len(outcome) else pd.DataFrame(),
        pooled=pooled, method_spread=spread, safety=_safety_rates(cohorts, safety), drug_free=drug_free,
    )


def comparison_table(results: list[TherapyComparison]) -> pd.DataFrame:
    """One row per therapy: studies, patients, designs, best level, pooled proportion with CI, I², τ², k,
    median follow-up, safety events/patients, drug-free remission."""
    records = []
    for result in results:
        cohorts, pooled = result.cohorts, result.pooled
        record = {
            "therapy_group": result.group,
            "studies": cohorts["study_id"].nunique(),
            "patients": int(cohorts["n_patients"].sum()),
            "designs": "; ".join(sorted(set(cohorts["design"].astype("object")))),
            "best_level": int(cohorts["evidence_level"].min()) if cohorts["evidence_level"].notna().any() else None,
            "k": pooled.k if pooled else 0,
            "pooled": pooled.estimate if pooled else np.nan,
            "ci_low": pooled.ci_low if pooled else np.nan,
            "ci_high": pooled.ci_high if pooled else np.nan,
            "is_pooled": bool(pooled and pooled.pooled),
            "i2": pooled.i2 if pooled and pooled.i2 is not None else np.nan,
            "tau2": pooled.tau2 if pooled and pooled.pooled else np.nan,
            "median_follow_up": float(cohorts.drop_duplicates("study_id")["follow_up_months"].astype("float64").median()),
            "drug_free": f"{result.drug_free[0]}/{result.drug_free[1]}" if result.drug_free else "",
            # how many pooled cohorts rest on a number not read in the article itself, and which grades
            "weaker_k": int((result.outcome_rows["grade"] != "article").sum()) if len(result.outcome_rows) else 0,
            "weaker_grades": _weaker(result.outcome_rows["grade"]) if len(result.outcome_rows) else "",
        }
        for row in result.safety.itertuples():
            record[row.event] = f"{row.events}/{row.patients} ({row.ci_low:.0%}–{row.ci_high:.0%})" if row.patients else ""
            record[f"{row.event}_weaker_grades"] = row.weaker_grades if row.patients else ""
        records.append(record)
    numeric = ["pooled", "ci_low", "ci_high", "i2", "tau2", "median_follow_up"]
    return pd.DataFrame(records).astype({column: "float64" for column in numeric})


def caveats(results: list[TherapyComparison]) -> list[dict]:
    """Plain-language caveats from the data: per therapy, k, design mix, heterogeneity, case-series-only pools,
    and material disagreement between pooling methods. Returned as records (therapy_group, kind, values) for translation."""
    notes = []
    for result in results:
        if result.pooled is None:
            notes.append({"therapy_group": result.group, "kind": "no_data"})
            continue
        designs = set(result.outcome_rows["design"])
        notes.append({"therapy_group": result.group, "kind": "basis", "k": result.pooled.k, "designs": sorted(designs)})
        if not result.pooled.pooled:
            notes.append({"therapy_group": result.group, "kind": "single_study"})
        if designs <= CASE_DESIGNS:
            notes.append({"therapy_group": result.group, "kind": "case_series_only"})
        if result.pooled.i2 is not None and result.pooled.i2 >= 50:
            notes.append({"therapy_group": result.group, "kind": "heterogeneity", "i2": result.pooled.i2})
        if result.method_spread is not None and result.method_spread > MATERIAL_DIFFERENCE:
            notes.append({"therapy_group": result.group, "kind": "method_sensitive", "spread": result.method_spread})
        # the model's own messages, as keys the page translates (the pooling module's text is English)
        if result.pooled.fallback:
            notes.append({"therapy_group": result.group, "kind": "glmm_fallback"})
        elif result.pooled.boundary:
            notes.append({"therapy_group": result.group, "kind": "glmm_boundary"})
        if result.pooled.caveat:
            notes.append({"therapy_group": result.group, "kind": "pft_caveat"})
    return notes


def leave_one_out(result: TherapyComparison, method: PoolMethod = PoolMethod()) -> pd.DataFrame:
    """The pool refitted without each cohort in turn: study_id, label, estimate, ci_low, ci_high, k (empty when k < 2)."""
    rows = result.outcome_rows
    if result.pooled is None or len(rows) < 2:
        return pd.DataFrame(columns=["study_id", "label", "estimate", "ci_low", "ci_high", "k"])
    refits = leave1out(rows["responders"].astype(int), rows["evaluated"].astype(int), **method.kwargs())
    return pd.DataFrame({
        "study_id": rows["study_id"].to_numpy(), "label": rows["label"].to_numpy(),
        "estimate": [r.estimate for r in refits], "ci_low": [r.ci_low for r in refits], "ci_high": [r.ci_high for r in refits],
        "k": [r.k for r in refits],
    })
