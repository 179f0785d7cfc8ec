"""The filters a reader sets, as one frozen record, and the pure pandas that applies them (all filters AND together)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import pandas as pd

# Filter field -> evidence column it selects on (multi-choice filters).
CHOICE_COLUMNS = {
    "diseases": "disease",
    "subtypes": "disease_subtype",
    "therapy_classes": "therapy_class",
    "targets": "target",
    "cell_sources": "cell_source",
    "tissue_sources": "tissue_source",
    "engineering": "engineering",
    "designs": "design",
    "evidence_levels": "evidence_level",
    "outcome_measures": "outcome_measure",
}
TEXT_COLUMNS = ("title", "therapy", "first_author", "journal")


@dataclass(frozen=True)
class Filters:
    """What the reader asked for. Empty tuples and None mean "no restriction"."""

    diseases: tuple[str, ...] = ()
    subtypes: tuple[str, ...] = ()
    therapy_classes: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    cell_sources: tuple[str, ...] = ()
    tissue_sources: tuple[str, ...] = ()
    engineering: tuple[str, ...] = ()
    designs: tuple[str, ...] = ()
    evidence_levels: tuple[int, ...] = ()
    outcome_measures: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    min_patients: int | None = None
    text: str = ""
    tier: str = "newest"  # evidence-tier preset, see TIERS
    study_ids: tuple[str, ...] = field(default=())  # a cell of an evidence map, applied as a filter

    def active(self) -> dict[str, object]:
        """The fields that differ from the defaults, for captions and the export's 'filters' sheet."""
        default = Filters()
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != getattr(default, f.name)}

    def without(self, name: str) -> "Filters":
        return replace(self, **{name: getattr(Filters(), name)})


def country_tokens(series: pd.Series) -> pd.Series:
    """Country cells may list several countries separated by ';' — split them into lists of names."""
    return series.fillna("").astype(str).str.split(";").apply(lambda parts: [p.strip() for p in parts if p.strip()])


def filter_mask(evidence: pd.DataFrame, filters: Filters) -> pd.Series:
    mask = pd.Series(True, index=evidence.index)
    for name, column in CHOICE_COLUMNS.items():
        chosen = getattr(filters, name)
        if chosen:
            values = evidence[column]
            mask &= values.astype("object").isin(list(chosen)).fillna(False).astype(bool)
    if filters.countries:
        wanted = set(filters.countries)
        mask &= country_tokens(evidence["country"]).apply(lambda names: bool(wanted.intersection(names)))
    if filters.year_from is not None:
        mask &= (evidence["year"] >= filters.year_from).fillna(False)
    if filters.year_to is not None:
        mask &= (evidence["year"] <= filters.year_to).fillna(False)
    if filters.min_patients:
        mask &= (evidence["n_patients"] >= filters.min_patients).fillna(False)
    if filters.text.strip():
        needle = filters.text.strip().casefold()
        hits = pd.Series(False, index=evidence.index)
        for column in TEXT_COLUMNS:
            hits |= evidence[column].fillna("").astype(str).str.casefold().str.contains(needle, regex=False)
        mask &= hits
    if filters.tier != "all":
        # every tier but "all" shows only the newest report of each cohort, so no patient is counted twice
        mask &= evidence["is_current"].astype(bool)
    if filters.tier == "trials":
        mask &= evidence["is_trial"].astype(bool)
    if filters.tier == "no_case_reports":
        mask &= evidence["design"].astype("object") != "case_report"
    if filters.study_ids:
        mask &= evidence["study_id"].isin(list(filters.study_ids))
    return mask.astype(bool)


def best_available_only(evidence: pd.DataFrame) -> pd.DataFrame:
    """Keep, for each disease × therapy class, only rows at the best (lowest) evidence level present there."""
    if evidence.empty:
        return evidence
    keys = [evidence["disease"].astype("object"), evidence["therapy_class"].astype("object")]
    best = evidence["evidence_level"].groupby(keys, dropna=False).transform("min")
    return evidence[(evidence["evidence_level"] == best).fillna(False).astype(bool)]


def filter_evidence(evidence: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Rows of the evidence table that satisfy every filter; same columns and order as the input."""
    view = evidence[filter_mask(evidence, filters)]
    return best_available_only(view) if filters.tier == "best" else view


def facet_counts(evidence: pd.DataFrame, filters: Filters, name: str) -> dict:
    """Studies per value of one filter, under all the other filters (so each option shows what it would add)."""
    column = CHOICE_COLUMNS[name]
    view = filter_evidence(evidence, filters.without(name))
    counts = view.groupby(view[column].astype("object"), dropna=True)["study_id"].nunique()
    return counts.to_dict()


def studies_in(view: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """Rows of the one-row-per-study table for the studies present in a filtered evidence view."""
    return studies[studies["study_id"].isin(view["study_id"].unique())]


# Evidence tiers, one click away. Every tier except "all" keeps only the newest report of each cohort.
TIERS = ("newest", "best", "trials", "no_case_reports", "all")
