"""The filters a reader sets, as one frozen record, and the pure pandas that applies them (all filters AND together)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np
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
    # keep only numbers read in the article itself: applied to the atlas (evidence.provenance.article_only),
    # not to the rows, so rows stay and weaker-graded values go blank
    article_only: bool = False
    # leave out studies whose overall risk of bias is high (evidence.appraisal.without_high_risk), applied to the atlas
    exclude_high_risk: bool = False
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


def year_bounds(evidence: pd.DataFrame) -> tuple[int, int]:
    """(first, last) publication year in the table; (2000, 2026) when it has none."""
    years = evidence["year"].dropna()
    return (int(years.min()), int(years.max())) if len(years) else (2000, 2026)


def _field_masks(evidence: pd.DataFrame, filters: Filters) -> dict[str, pd.Series]:
    """One boolean mask per active restriction, keyed by filter field (choice fields by their own name)."""
    masks: dict[str, pd.Series] = {}
    for name, column in CHOICE_COLUMNS.items():
        chosen = getattr(filters, name)
        if chosen:
            # isin works on the categorical codes directly: no per-row conversion of a million cells
            masks[name] = pd.Series(evidence[column].isin(list(chosen)), index=evidence.index).fillna(False).astype(bool)
    if filters.countries:
        wanted = set(filters.countries)
        masks["countries"] = country_tokens(evidence["country"]).apply(lambda names: bool(wanted.intersection(names)))
    if filters.year_from is not None:
        masks["year_from"] = (evidence["year"] >= filters.year_from).fillna(False).astype(bool)
    if filters.year_to is not None:
        masks["year_to"] = (evidence["year"] <= filters.year_to).fillna(False).astype(bool)
    if filters.min_patients:
        masks["min_patients"] = (evidence["n_patients"] >= filters.min_patients).fillna(False).astype(bool)
    if filters.text.strip():
        masks["text"] = _text_mask(evidence, filters.text.strip().casefold())
    if filters.tier != "all":
        # every tier but "all" shows only the newest report of each cohort, so no patient is counted twice
        masks["tier"] = evidence["is_current"].astype(bool)
        if filters.tier == "trials":
            masks["tier"] &= evidence["is_trial"].astype(bool)
        if filters.tier == "no_case_reports":
            masks["tier"] &= (evidence["design"] != "case_report").fillna(True).astype(bool)
    if filters.study_ids:
        masks["study_ids"] = evidence["study_id"].isin(list(filters.study_ids))
    return masks


def _text_mask(evidence: pd.DataFrame, needle: str) -> pd.Series:
    """Case-insensitive substring over title, product, author and journal; each distinct text is searched once."""
    hits = pd.Series(False, index=evidence.index)
    for column in TEXT_COLUMNS:
        values = evidence[column].astype("object").fillna("")
        found = {text: needle in text.casefold() for text in values.unique()}
        hits |= values.map(found).astype(bool)
    return hits


def _combine(masks, index) -> pd.Series:
    mask = pd.Series(True, index=index)
    for part in masks:
        mask &= part
    return mask


def filter_mask(evidence: pd.DataFrame, filters: Filters) -> pd.Series:
    return _combine(_field_masks(evidence, filters).values(), evidence.index)


def _at_best_level(evidence: pd.DataFrame) -> pd.Series:
    """True where a row sits at the best (lowest) evidence level present in its disease × therapy class."""
    keys = [evidence["disease"].astype("object"), evidence["therapy_class"].astype("object")]
    best = evidence["evidence_level"].groupby(keys, dropna=False).transform("min")
    return (evidence["evidence_level"] == best).fillna(False).astype(bool)


def best_available_only(evidence: pd.DataFrame) -> pd.DataFrame:
    """Keep, for each disease × therapy class, only rows at the best (lowest) evidence level present there."""
    if evidence.empty:
        return evidence
    return evidence[_at_best_level(evidence)]


def filter_evidence(evidence: pd.DataFrame, filters: Filters, columns: list[str] | None = None) -> pd.DataFrame:
    """Rows of the evidence table that satisfy every filter, in input order; all columns, or only `columns`.

    Asking for the columns a caller reads matters on large tables: a matrix reads 17 of the ~85 columns, and
    copying the other (mostly text) columns of a million rows took 90% of the filter's time (bench/RESULTS.md).
    """
    mask = filter_mask(evidence, filters).to_numpy()
    if filters.tier == "best" and mask.any():
        kept = np.flatnonzero(mask)
        mask = np.zeros(len(evidence), dtype=bool)
        mask[kept[_at_best_level(evidence.iloc[kept][["disease", "therapy_class", "evidence_level"]]).to_numpy()]] = True
    if columns is None:
        return evidence[mask]
    return evidence.loc[mask, [column for column in columns if column in evidence.columns]]


def facet_counts(evidence: pd.DataFrame, filters: Filters, name: str) -> dict:
    """Studies per value of one filter, under all the other filters (so each option shows what it would add)."""
    return facet_counts_all(evidence, filters, [name])[name]


def facet_counts_all(evidence: pd.DataFrame, filters: Filters, names) -> dict[str, dict]:
    """facet_counts for several filters at once, computing each restriction's mask only once."""
    masks = _field_masks(evidence, filters)
    counts = {}
    for name in names:
        view = evidence[_combine([m for key, m in masks.items() if key != name], evidence.index)]
        if filters.tier == "best":
            view = best_available_only(view)
        column = CHOICE_COLUMNS[name]
        counts[name] = view.groupby(view[column].astype("object"), dropna=True)["study_id"].nunique().to_dict()
    return counts


def studies_in(view: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """Rows of the one-row-per-study table for the studies present in a filtered evidence view."""
    return studies[studies["study_id"].isin(view["study_id"].unique())]


# Evidence tiers, one click away. Every tier except "all" keeps only the newest report of each cohort.
TIERS = ("newest", "best", "trials", "no_case_reports", "all")
