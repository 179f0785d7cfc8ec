"""The trial-landscape page's pure pandas: which trials the reader's filters select, the headline numbers, the
target × disease cells set against the published evidence, starts per year, phase mix, countries, the readable
table and download, the Explorer filters that show a trial's publications, and the pipeline's innovations.

No Streamlit here. Trials are registrations, never patients: nothing here feeds a remission or safety figure.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

import pandas as pd

from evidence.filters import Filters, filter_evidence
from evidence.trials.table import TrialTables, filter_trials, target_disease_counts
from evidence.vocabulary import Vocabulary

UNCLEAR = "unclear"
# The shared sidebar's fields that mean the same for a trial (Filters field -> filter_trials keyword).
SIDEBAR_FIELDS = {"diseases": "diseases", "therapy_classes": "therapy_classes", "targets": "targets", "cell_sources": "cell_sources"}
# Engineered-cell therapies have an antigen target; MSC and HSCT trials have target "none" and no place in the target matrix.
NO_TARGET = "none"
# Cell states of the target × disease comparison.
BOTH, TRIALS_ONLY, EVIDENCE_ONLY, UNMATCHED = "both", "trials_only", "evidence_only", "unmatched"
OTHER_GROUP = "_other"


@dataclass(frozen=True)
class TrialQuery:
    """What the reader selects on the trial page: the sidebar's shared fields plus the page's own filters."""

    diseases: tuple[str, ...] = ()
    therapy_classes: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    cell_sources: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    sponsor_classes: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    start_year_from: int | None = None
    start_year_to: int | None = None

    def kwargs(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def trial_query(filters: Filters, **page) -> TrialQuery:
    """The sidebar's disease, therapy class, target and cell source, plus the page's filters (keywords of TrialQuery)."""
    shared = {name: tuple(getattr(filters, name)) for name in SIDEBAR_FIELDS}
    return TrialQuery(**shared, **{name: tuple(value) if isinstance(value, (list, tuple)) else value for name, value in page.items()})


def ignored_filters(filters: Filters) -> list[str]:
    """Names of the sidebar's active fields that concern published studies only, so the trial page leaves them out."""
    return [name for name in filters.active() if name not in SIDEBAR_FIELDS]


def select(tables: TrialTables, query: TrialQuery) -> list[str]:
    """Trial ids meeting the query, sorted."""
    return sorted(filter_trials(tables, **query.kwargs()))


def selected_rows(tables: TrialTables, ids) -> pd.DataFrame:
    """The wide trial rows of `ids`, newest start first (trials without a start date last), then by id."""
    rows = tables.trials[tables.trials["trial_id"].isin(set(ids))]
    order = rows.assign(_start=rows["start_date"].fillna(""))
    return order.sort_values(["_start", "trial_id"], ascending=[False, True]).drop(columns="_start").reset_index(drop=True)


def headline(rows: pd.DataFrame) -> dict:
    """The page's KPIs over the selected rows: trials, recruiting, planned enrolment (sum of registered enrolment, and
    how many trials state one), trials with a linked publication, and completed/overdue trials without results in the atlas."""
    enrolment = rows["enrolment"].dropna()
    return {
        "trials": int(len(rows)),
        "recruiting": int((rows["status"] == "recruiting").fillna(False).sum()),
        "enrolment": int(enrolment.sum()) if len(enrolment) else 0,
        "enrolment_stated": int(len(enrolment)),
        "with_publication": int((rows["n_linked_studies"] > 0).sum()),
        "no_results": int(rows["no_results_in_atlas"].fillna(False).astype(bool).sum()),
    }


def trial_cells(tables: TrialTables, ids, diseases=(), targets=()) -> pd.DataFrame:
    """Trials per (target, disease) of engineered-cell trials, on the axes the reader chose (a basket trial filtered to
    one disease shows in that disease only). Columns: target, disease, trials, trial_ids."""
    cells = target_disease_counts(tables, set(ids))
    cells = cells[cells["target"] != NO_TARGET]
    if diseases:
        cells = cells[cells["disease"].isin(diseases)]
    if targets:
        cells = cells[cells["target"].isin(targets)]
    return cells.reset_index(drop=True)


def compare_cells(trials: pd.DataFrame, evidence: pd.DataFrame) -> pd.DataFrame:
    """Trial cells beside published-evidence cells (components.data.matrix("target", …)): one row per (target, disease)
    in either, with trials, trial_ids, studies, patients, study_ids and state — both, trials_only (trials run but nothing
    is published), evidence_only (published, no registered trial in the table) or unmatched (the trials' target is unclear)."""
    evidence = evidence.reindex(columns=["target", "disease", "studies", "patients", "study_ids"])
    merged = trials.merge(evidence, on=["target", "disease"], how="outer")
    merged["trials"] = merged["trials"].fillna(0).astype(int)
    merged["studies"] = merged["studies"].fillna(0).astype(int)
    merged["patients"] = merged["patients"].fillna(0).astype(int)
    merged["trial_ids"] = merged["trial_ids"].fillna("")
    merged["study_ids"] = merged["study_ids"].fillna("")
    state = pd.Series(BOTH, index=merged.index)
    state[(merged["trials"] > 0) & (merged["studies"] == 0)] = TRIALS_ONLY
    state[(merged["trials"] == 0) & (merged["studies"] > 0)] = EVIDENCE_ONLY
    state[merged["target"] == UNCLEAR] = UNMATCHED
    merged["state"] = state
    return merged.sort_values(["target", "disease"], ignore_index=True)[
        ["target", "disease", "trials", "trial_ids", "studies", "patients", "study_ids", "state"]]


def cell_trial_ids(cells: pd.DataFrame, disease: str, target: str) -> list[str]:
    """The trial ids of one cell of `compare_cells` / `trial_cells` (empty when the cell has none)."""
    hit = cells[(cells["disease"] == disease) & (cells["target"] == target)]
    return [i for i in str(hit["trial_ids"].iloc[0]).split("; ") if i] if len(hit) else []


def starts_per_year(tables: TrialTables, ids, by: str = "therapy_class", top: int = 7) -> pd.DataFrame:
    """Trial starts per year by therapy class or target (a trial with several counts once in each); by target, the
    `top` commonest targets and the rest as OTHER_GROUP. Columns: start_year, group, trials."""
    ids = set(ids)
    long = tables.therapy_classes if by == "therapy_class" else tables.targets
    column = "therapy_class" if by == "therapy_class" else "target"
    years = tables.trials.loc[tables.trials["trial_id"].isin(ids) & tables.trials["start_year"].notna(), ["trial_id", "start_year"]]
    pairs = years.merge(long[long["trial_id"].isin(ids)], on="trial_id").rename(columns={column: "group"})
    if by != "therapy_class" and len(pairs):
        common = pairs.groupby("group")["trial_id"].nunique().sort_values(ascending=False, kind="stable")
        keep = set(common.index[:top])
        pairs["group"] = pairs["group"].where(pairs["group"].isin(keep), OTHER_GROUP)
    counts = pairs.groupby(["start_year", "group"])["trial_id"].nunique().rename("trials").reset_index()
    counts["start_year"] = counts["start_year"].astype(int)
    return counts.sort_values(["start_year", "group"], ignore_index=True)


def phase_key(phases: str, order: list[str]) -> str:
    """A trial's phases as one key in vocabulary order ('phase1; phase2'); '' when the registry states none."""
    names = [p for p in str(phases or "").split("; ") if p]
    rank = {p: i for i, p in enumerate(order)}
    return "; ".join(sorted(set(names), key=lambda p: (rank.get(p, len(rank)), p)))


def phase_mix(rows: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Trials per phase combination (a phase 1/2 trial is one 'phase1; phase2' trial, never two), in phase order, 'not
    stated' ('') last. Columns: phase, trials."""
    keys = rows["phases"].map(lambda text: phase_key(text, order))
    counts = keys.value_counts().rename_axis("phase").rename("trials").reset_index()
    rank = {p: i for i, p in enumerate(order)}

    def sort_key(key: str):
        parts = key.split("; ") if key else []
        return (not parts, [rank.get(p, len(rank)) for p in parts])

    return counts.iloc[sorted(range(len(counts)), key=lambda i: sort_key(counts["phase"].iloc[i]))].reset_index(drop=True)


def country_counts(tables: TrialTables, ids) -> pd.DataFrame:
    """Trials per country of a registered site (a multi-country trial counts once in each), most first. Columns: country, trials."""
    countries = tables.countries[tables.countries["trial_id"].isin(set(ids))]
    counts = countries.groupby("country")["trial_id"].nunique().rename("trials").reset_index()
    return counts.sort_values(["trials", "country"], ascending=[False, True], ignore_index=True)


def labelled(text, vocab: Vocabulary, category: str, lang: str, unclear: str) -> str:
    """'; '-joined codes as their labels in `lang` ('unclear' as `unclear`)."""
    parts = [p for p in str(text or "").split("; ") if p and p != "nan"]
    return "; ".join(unclear if p == UNCLEAR else vocab.label(category, p, lang) for p in parts)


# Columns of the readable trial table (display and download): name -> (source column, vocabulary category or None)
TABLE_COLUMNS = {
    "trial_id": ("trial_id", None), "registry_url": ("registry_url", None), "title": ("title", None),
    "status": ("status", "trial_statuses"), "phases": ("phases", "trial_phases"), "start_date": ("start_date", None),
    "primary_completion_date": ("primary_completion_date", None), "enrolment": ("enrolment", None),
    "enrolment_type": ("enrolment_type", None), "countries": ("countries", None), "lead_sponsor": ("lead_sponsor", None),
    "sponsor_class": ("sponsor_class", "sponsor_classes"), "diseases": ("diseases", "diseases"),
    "therapy_classes": ("therapy_classes", "therapy_classes"), "targets": ("targets", "targets"),
    "cell_source": ("cell_source", "cell_sources"), "age_group": ("age_group", "age_groups"), "product": ("product", None),
    "linked_studies": ("linked_studies", None), "no_results_in_atlas": ("no_results_in_atlas", None),
    "conditions": ("conditions", None), "interventions": ("interventions", None), "primary_endpoint": ("primary_endpoint", None),
    "snapshot_date": ("snapshot_date", None), "listed_by": ("listed_by", None),
}


def readable_trials(rows: pd.DataFrame, vocab: Vocabulary, lang: str, unclear: str) -> pd.DataFrame:
    """The selected trials with codes as labels in `lang` (column names still the TABLE_COLUMNS names)."""
    out = pd.DataFrame(index=rows.index)
    for name, (column, category) in TABLE_COLUMNS.items():
        values = rows[column]
        if category:
            values = values.map(lambda text, c=category: labelled(text, vocab, c, lang, unclear))
        elif not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            values = values.astype(object).where(values.notna(), "")  # blank, not "None", where the registry gives nothing
        out[name] = values
    out["no_results_in_atlas"] = rows["no_results_in_atlas"].fillna(False).astype(bool)
    return out.reset_index(drop=True)


def newest_study(study_ids, studies: pd.DataFrame) -> str | None:
    """The most recent of `study_ids` (by publication year, then id): the report the Explorer opens in full."""
    known = studies[studies["study_id"].isin(set(study_ids))].assign(_year=lambda f: f["year"].fillna(0))
    if known.empty:
        return min(study_ids) if study_ids else None
    return str(known.sort_values(["_year", "study_id"], ascending=[False, True])["study_id"].iloc[0])


def explorer_link(study_ids, studies: pd.DataFrame, lang: str = "en") -> str | None:
    """A link relative to the app's pages that opens the Explorer on exactly these studies (?study=a,b&open=newest),
    with every report of a cohort (tier=all) when one of them is an earlier report, in the reader's language."""
    ids = sorted(set(study_ids))
    if not ids:
        return None
    params = {"study": ",".join(ids), "open": newest_study(ids, studies)}
    current = studies.loc[studies["study_id"].isin(ids), "is_current"]
    if not current.fillna(True).astype(bool).all():
        params["tier"] = "all"
    if lang == "zh":
        params["lang"] = "zh"
    return "explorer?" + urlencode(params)


def explorer_filters(filters: Filters, study_ids, evidence: pd.DataFrame) -> Filters:
    """The sidebar filters that make the Explorer show exactly `study_ids`: the reader's filters with the study filter
    when they already show every one of them; else only the study filter (the two reading switches kept), with the
    tier widened to every report when a study is an earlier report of a cohort, and the high-risk switch off when a
    study is one it leaves out."""
    ids = tuple(sorted(set(study_ids)))

    def shows_all(candidate: Filters) -> bool:
        return set(ids) <= set(filter_evidence(evidence, candidate)["study_id"].astype(str))

    wanted = replace(filters, study_ids=ids)
    if shows_all(wanted):
        return wanted
    only = Filters(study_ids=ids, tier=filters.tier, article_only=filters.article_only, exclude_high_risk=filters.exclude_high_risk)
    if shows_all(only):
        return only
    only = replace(only, tier="all")
    if shows_all(only) or not filters.exclude_high_risk:
        return only
    return replace(only, exclude_high_risk=False)


def registered_ids(tables: TrialTables) -> set[str]:
    """Every registry id of the trial table, secondary ids (the same trial in another registry) included."""
    secondary = {s for text in tables.trials["secondary_ids"].fillna("") for s in str(text).split("; ") if s}
    return set(tables.trials["trial_id"]) | secondary


def innovations(pipeline: pd.DataFrame, registered: set[str], diseases=(), therapy_classes=(), targets=()) -> pd.DataFrame:
    """Pipeline entries that are not a plain registered trial of the trial table: preclinical and first-in-human
    entries, and registered-trial entries none of whose registrations is in `registered` (so nothing of
    data/pipeline.yaml drops out of view); under the sidebar's disease, therapy class and target filters."""
    in_table = pipeline["nct_ids"].fillna("").map(lambda text: bool(registered & {i for i in str(text).split("; ") if i}))
    rows = pipeline[(pipeline["stage"] != "registered_trial") | ~in_table]
    if diseases:
        wanted = set(diseases)
        rows = rows[rows["diseases"].fillna("").map(lambda text: bool(wanted & set(str(text).split("; "))))]
    if therapy_classes:
        rows = rows[rows["therapy_class"].isin(therapy_classes)]
    if targets:
        rows = rows[rows["target"].isin(targets)]
    stage_rank = {"preclinical": 0, "first_in_human": 1, "registered_trial": 2}
    rows = rows.assign(_rank=rows["stage"].map(stage_rank).fillna(3))
    return rows.sort_values(["_rank", "year", "name"], na_position="last", kind="stable").drop(columns="_rank").reset_index(drop=True)


__all__ = [
    "BOTH", "EVIDENCE_ONLY", "OTHER_GROUP", "TABLE_COLUMNS", "TRIALS_ONLY", "TrialQuery", "UNMATCHED", "cell_trial_ids",
    "compare_cells", "country_counts", "explorer_filters", "explorer_link", "newest_study", "headline", "ignored_filters", "innovations", "labelled",
    "phase_key", "phase_mix", "readable_trials", "registered_ids", "select", "selected_rows", "starts_per_year", "trial_cells", "trial_query",
]
