"""The one place the app gets its data: the validated atlas, cached until a data file changes, plus this session's uploads,
and the cached results derived from it (keyed on the data's state, the uploads and the reader's choices)."""

from __future__ import annotations

import hashlib
import uuid

import pandas as pd
import streamlit as st

from components.caching import cache_data, cache_resource

from evidence import Atlas, data_fingerprint, load_atlas
from evidence.compare import (
    COMPARE_COLUMNS,
    PoolMethod,
    caveats,
    comparable_measures,
    compare_therapy,
    comparison_base,
    comparison_table,
    default_therapies,
    leave_one_out,
    therapy_options,
)
from evidence.durability import cumulative_pool, durability_points
from evidence.display import display_rows
from evidence.export import to_bibtex, to_csv_bytes, to_ris, to_xlsx_bytes
from evidence.filters import CHOICE_COLUMNS, Filters, country_tokens, facet_counts_all, filter_evidence, studies_in, year_bounds
from evidence.matrices import (
    MATRIX_COLUMNS,
    mechanism_disease_matrix,
    remission_matrix,
    target_disease_matrix,
    therapy_disease_map,
)
from evidence.outcomes import measures_with_counts
from evidence.paths import DATA_DIR
from evidence.appraisal import without_high_risk
from evidence.provenance import article_only, hidden_by_article_only
from evidence.summary import Summary, summarise, totals_by

UPLOADS_KEY = "uploaded_tables"
RUN_ATLAS_KEY = "_run_atlas"  # (atlas key, atlas shown, full atlas) of the current run, so pages do not rebuild it
ARTICLE_ONLY_KEY = "flt_article_only"  # the sidebar switch "only numbers read in the article itself"
EXCLUDE_HIGH_RISK_KEY = "flt_exclude_high_risk"  # the sidebar switch "exclude studies at high risk of bias"
MATRICES = {"therapy": therapy_disease_map, "target": target_disease_matrix, "mechanism": mechanism_disease_matrix}


@cache_resource(max_entries=4)
def _load_atlas(data_state: str) -> Atlas:
    # Keyed on a digest of the data files' names, sizes and mtimes: an edited YAML reloads without a restart.
    # cache_resource shares one Atlas instead of unpickling a copy on every run (4.3 ms vs 1.1 ms measured);
    # nothing in the app mutates it: every transform returns new frames.
    return load_atlas(DATA_DIR)


def data_state() -> str:
    return hashlib.blake2b(repr(data_fingerprint(DATA_DIR)).encode(), digest_size=8).hexdigest()


def uploaded_tables() -> dict | None:
    return st.session_state.get(UPLOADS_KEY)


def store_uploads(studies: list, file_name: str) -> None:
    st.session_state[UPLOADS_KEY] = {"studies": studies, "file": file_name, "token": uuid.uuid4().hex}


@cache_resource(max_entries=16)
def _variant(key: tuple, _base: Atlas) -> Atlas:
    """The base atlas read another way: key = (data state, uploads token, article_only, exclude_high_risk)."""
    atlas = _base
    if key[3]:
        atlas = without_high_risk(atlas)
    if key[2]:
        atlas = article_only(atlas)
    return atlas


def article_only_on() -> bool:
    return bool(st.session_state.get(ARTICLE_ONLY_KEY, False))


def exclude_high_risk_on() -> bool:
    return bool(st.session_state.get(EXCLUDE_HIGH_RISK_KEY, False))


def prepare_session_atlas() -> Atlas:
    """Called by app.py on every run: the curated atlas with this session's uploads appended (origin = 'uploaded'),
    read the way the reader's two switches ask: only article-read numbers (weaker-graded values blank) and/or
    without the studies at high risk of bias."""
    state = data_state()
    atlas = _load_atlas(state)
    uploads = uploaded_tables()
    if uploads:
        from evidence.uploads import merge_uploads

        atlas = merge_uploads(atlas, uploads)
    base_key = (state, uploads["token"] if uploads else "")
    key = (*base_key, article_only_on(), exclude_high_risk_on())
    shown = _variant(key, atlas) if any(key[2:]) else atlas
    st.session_state[RUN_ATLAS_KEY] = (key, shown, atlas, base_key)
    return shown


def session_atlas() -> Atlas:
    """The atlas of this run as the reader asked for it (prepared by app.py)."""
    return st.session_state[RUN_ATLAS_KEY][1] if RUN_ATLAS_KEY in st.session_state else prepare_session_atlas()


def full_atlas() -> Atlas:
    """Every study and every number whatever its grade (for sensitivity analyses, grade notes and the About page)."""
    if RUN_ATLAS_KEY not in st.session_state:
        prepare_session_atlas()
    return st.session_state[RUN_ATLAS_KEY][2]


def atlas_key() -> tuple:
    """(data state, uploads token, article-only, exclude-high-risk): what every cached result of this session depends on."""
    return st.session_state[RUN_ATLAS_KEY][0]


def atlas_variant(article_only: bool | None = None, exclude_high_risk: bool | None = None) -> tuple[tuple, Atlas]:
    """(key, atlas) of the reader's view with one switch forced (a sensitivity analysis), the others as they are."""
    key, _, base, base_key = st.session_state[RUN_ATLAS_KEY]
    wanted = (*base_key, key[2] if article_only is None else article_only, key[3] if exclude_high_risk is None else exclude_high_risk)
    return wanted, (_variant(wanted, base) if any(wanted[2:]) else base)


def article_only_atlas() -> tuple[tuple, Atlas]:
    """(key, atlas) with only article-read numbers, whatever the switch says."""
    return atlas_variant(article_only=True)


@cache_data(max_entries=8)
def _hidden_count(key: tuple, _atlas: Atlas) -> int:
    return hidden_by_article_only(_atlas)


def hidden_numbers() -> int:
    """How many numbers of the full atlas the article-only switch hides."""
    return _hidden_count(st.session_state[RUN_ATLAS_KEY][3], full_atlas())


@cache_data(max_entries=8)
def _high_risk_count(key: tuple, _atlas: Atlas) -> int:
    return int((_atlas.studies["risk_of_bias"].astype("object") == "high").sum())


def high_risk_studies() -> int:
    """How many studies the exclude-high-risk switch removes."""
    return _high_risk_count(st.session_state[RUN_ATLAS_KEY][3], full_atlas())


# Derived results, cached per (atlas key, arguments). `_atlas` is not hashed: the key stands for it.
@cache_data(max_entries=256)
def _facets(key: tuple, filters: Filters, names: tuple, _atlas: Atlas) -> dict:
    return facet_counts_all(_atlas.evidence, filters, names)


@cache_data(max_entries=128)
def _view(key: tuple, filters: Filters, _atlas: Atlas) -> pd.DataFrame:
    return filter_evidence(_atlas.evidence, filters)


@cache_data(max_entries=128)
def _display(key: tuple, filters: Filters, lang: str, limit: int, _atlas: Atlas) -> pd.DataFrame:
    return display_rows(filter_evidence(_atlas.evidence, filters).head(limit), _atlas.vocabulary, lang)


@cache_data(max_entries=256)
def _matrix(key: tuple, kind: str, filters: Filters, measure: str | None, _atlas: Atlas) -> pd.DataFrame:
    view = filter_evidence(_atlas.evidence, filters, columns=MATRIX_COLUMNS)  # only what the matrices read
    return remission_matrix(view, measure) if kind == "remission" else MATRICES[kind](view)


@cache_resource(max_entries=64)
def _base(key: tuple, disease: str, subtype: str | None, _atlas: Atlas) -> pd.DataFrame:
    # shared and read only. Only the columns a comparison reads: each of its many row filters then copies 18 columns
    # instead of ~85 (copying them was most of a first Compare render: bench/RESULTS.md)
    evidence = _atlas.evidence
    return comparison_base(evidence[[c for c in COMPARE_COLUMNS if c in evidence.columns]], disease, subtype)


@cache_data(max_entries=64)
def _comparison_choices(key: tuple, disease: str, subtype: str | None, groups: tuple, _atlas: Atlas) -> tuple[list, list]:
    base = _base(key, disease, subtype, _atlas)
    options = therapy_options(base)
    chosen = [g for g in groups if g in options] or default_therapies(options)
    return options, comparable_measures(base, chosen, _atlas.vocabulary.unpooled_measures())


# The comparison results below are shared records (cache_resource): the page only reads them, and unpickling every
# therapy's frames for each of the four comparisons of a run was most of the Compare page's rerun (bench/RESULTS.md).
@cache_resource(max_entries=64)
def _comparison(key: tuple, disease: str, subtype: str | None, groups: tuple, measure: str | None, method: PoolMethod, _atlas: Atlas):
    base = _base(key, disease, subtype, _atlas)
    results = [compare_therapy(base, _atlas.safety, group, measure, method) for group in groups]
    return results, comparison_table(results), caveats(results)


@cache_resource(max_entries=64)
def _leave_one_out(key: tuple, disease: str, subtype: str | None, groups: tuple, measure: str, method: PoolMethod, _atlas: Atlas) -> dict:
    results, _, _ = _comparison(key, disease, subtype, groups, measure, method, _atlas)
    return {r.group: leave_one_out(r, method) for r in results if r.pooled is not None and len(r.outcome_rows) > 1}


@cache_resource(max_entries=64)
def _durability(key: tuple, disease: str, subtype: str | None, group: str, measure: str, method: PoolMethod, _atlas: Atlas):
    base = _base(key, disease, subtype, _atlas)
    points, missing = durability_points(base, group, measure)
    return points, missing, cumulative_pool(base, group, measure, method)


@cache_data(max_entries=128)
def _export(key: tuple, extension: str, filters: Filters, lang: str, _atlas: Atlas) -> bytes:
    view = filter_evidence(_atlas.evidence, filters)
    studies = studies_in(view, _atlas.studies)
    if extension == "csv":
        return to_csv_bytes(view, _atlas.vocabulary, lang)
    if extension == "xlsx":
        return to_xlsx_bytes(_atlas, view, filters, lang)
    return (to_bibtex(studies) if extension == "bib" else to_ris(studies)).encode("utf-8")


@cache_resource(max_entries=16)
def _atlas_facts(key: tuple, _atlas: Atlas) -> dict:
    # shared, read only: tuples and frozensets. Recomputing these on every rerun was a tenth of the home page's time.
    evidence = _atlas.evidence
    return {
        "values": {name: frozenset(evidence[column].dropna().astype("object").unique()) for name, column in CHOICE_COLUMNS.items()},
        "years": year_bounds(evidence),
        "countries": tuple(sorted(set(c for names in country_tokens(evidence["country"]) for c in names))),
    }


def atlas_facts() -> dict:
    """What the sidebar offers, per data state: values present per choice filter, (first, last) year, countries."""
    return _atlas_facts(atlas_key(), session_atlas())


@cache_data(max_entries=32)
def _overview(key: tuple, _atlas: Atlas) -> tuple[Summary, pd.DataFrame, pd.DataFrame]:
    newest = filter_evidence(_atlas.evidence, Filters())
    return summarise(newest), totals_by(newest, "therapy_class"), totals_by(newest, "disease")


def overview() -> tuple[Summary, pd.DataFrame, pd.DataFrame]:
    """The whole atlas at a glance (newest report of each cohort): headline counts, totals by therapy class and by disease."""
    return _overview(atlas_key(), session_atlas())


def export_bytes(extension: str, filters: Filters, lang: str) -> bytes:
    """The filtered rows as a csv / xlsx file, or their citations as bib / ris."""
    return _export(atlas_key(), extension, filters, lang, session_atlas())


def facets(filters: Filters, names: tuple) -> dict:
    return _facets(atlas_key(), filters, tuple(names), session_atlas())


def filtered_view(filters: Filters) -> pd.DataFrame:
    """The evidence rows under the reader's filters (columns of the evidence table)."""
    return _view(atlas_key(), filters, session_atlas())


def grid_rows(filters: Filters, lang: str, limit: int) -> pd.DataFrame:
    """The Explorer grid's rows (evidence.display.EXPLORER_COLUMNS) for the filters, at most `limit`."""
    return _display(atlas_key(), filters, lang, limit, session_atlas())


def matrix(kind: str, filters: Filters, measure: str | None = None) -> pd.DataFrame:
    """'therapy', 'target', 'mechanism' or 'remission' (with a measure) matrix of the filtered view."""
    return _matrix(atlas_key(), kind, filters, measure, session_atlas())


@cache_data(max_entries=128)
def _counted_measures(key: tuple, filters: Filters, _atlas: Atlas) -> list[str]:
    return measures_with_counts(filter_evidence(_atlas.evidence, filters))


def counted_measures(filters: Filters) -> list[str]:
    """Outcome measures with responder counts under the filters, most-reported first."""
    return _counted_measures(atlas_key(), filters, session_atlas())


def comparison_choices(disease: str, subtype: str | None, groups: tuple = ()) -> tuple[list, list]:
    """Therapy groups with studies in the disease (most patients first) and the measures the chosen groups report."""
    return _comparison_choices(atlas_key(), disease, subtype, tuple(groups), session_atlas())


def comparison(disease: str, subtype: str | None, groups: tuple, measure: str | None, method: PoolMethod = PoolMethod(),
               article_only: bool | None = None, exclude_high_risk: bool | None = None):
    """(per-therapy results, side-by-side table, caveat records) for the chosen therapies. Forcing `article_only` or
    `exclude_high_risk` computes them on that variant of the reader's view (a sensitivity analysis)."""
    if article_only is None and exclude_high_risk is None:
        return _comparison(atlas_key(), disease, subtype, tuple(groups), measure, method, session_atlas())
    key, atlas = atlas_variant(article_only=article_only, exclude_high_risk=exclude_high_risk)
    return _comparison(key, disease, subtype, tuple(groups), measure, method, atlas)


def leave_one_out_refits(disease: str, subtype: str | None, groups: tuple, measure: str, method: PoolMethod) -> dict:
    """{therapy group: leave-one-out refits} for every pooled therapy with two or more cohorts."""
    return _leave_one_out(atlas_key(), disease, subtype, tuple(groups), measure, method, session_atlas())


def durability(disease: str, subtype: str | None, group: str, measure: str, method: PoolMethod):
    """(points per cohort and timepoint, rows without a month, cumulative pooled estimate by year)."""
    return _durability(atlas_key(), disease, subtype, group, measure, method, session_atlas())


@cache_resource(max_entries=4)
def _trial_tables(state: str):
    # one shared, read-only copy per data state (the Trials page and the Compare page's certainty both read it)
    from evidence.trials.table import load_trial_tables

    return load_trial_tables(DATA_DIR)


def unpublished_trials(group: str, disease: str) -> int | None:
    """Registered trials of this therapy group in this disease whose results are overdue and not in the atlas
    (None when the trial table cannot be read)."""
    try:
        return _unpublished(atlas_key()[0], group, disease)  # the data state app.py computed for this run
    except Exception:  # the trial table is validated on its own; a broken one must not break the Compare page
        return None


@cache_data(max_entries=256)
def _unpublished(state: str, group: str, disease: str) -> int:
    from evidence.trials.table import filter_trials

    tables = _trial_tables(state)
    therapy_class, _, detail = group.partition("|")
    targets = (detail,) if therapy_class in ("car_t", "car_nk", "caar_t", "car_treg") else ()
    ids = filter_trials(tables, diseases=(disease,), therapy_classes=(therapy_class,), targets=targets)
    flagged = tables.trials[tables.trials["trial_id"].isin(ids) & tables.trials["no_results_in_atlas"].fillna(False).astype(bool)]
    return int(len(flagged))

