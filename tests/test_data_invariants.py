"""Invariants over the whole curated table (not fixtures): provenance, identifiers, targets, no patient counted twice."""

from __future__ import annotations

import re

from evidence.filters import Filters, filter_evidence
from evidence.summary import COHORT_KEY
from evidence.validate import validate_folder

ENGINEERED = {"car_t", "car_nk", "caar_t", "car_treg"}


def test_every_study_has_a_citable_identity(atlas):
    """A DOI or PMID; a congress abstract may instead be cited by its meeting and abstract number."""
    studies = atlas.studies
    identified = studies["doi"].notna() | studies["pmid"].notna()
    abstract = (studies["publication_type"].astype("object") == "congress_abstract") & studies["meeting"].notna() & studies["abstract_number"].notna()
    assert (identified | abstract).all(), list(studies.loc[~(identified | abstract), "study_id"])


def test_every_engineered_cell_study_has_a_target(atlas):
    engineered = atlas.studies[atlas.studies["therapy_class"].astype("object").isin(ENGINEERED)]
    assert len(engineered) > 0 and (engineered["target"].astype("object") != "none").all()


def test_every_number_carries_an_https_source_and_a_note():
    for study in validate_folder().studies:
        facts = [cohort.n_patients for cohort in study.cohorts] + [o for c in study.cohorts for o in c.outcomes]
        facts += [f for f in (study.safety, study.follow_up_months) if f is not None]
        for fact in facts:
            assert fact.source_url.startswith("https://"), study.id
            assert len(fact.source_note) >= 10, study.id


def test_no_source_is_an_ip_address_mirror(atlas):
    urls = list(atlas.evidence["source_url"].dropna()) + list(atlas.evidence["n_source_url"].dropna()) + list(atlas.safety["safety_source_url"].dropna())
    assert not [u for u in urls if re.match(r"https?://\d+\.\d+\.\d+\.\d+", u)]


def test_the_default_view_counts_no_patient_twice(atlas):
    view = filter_evidence(atlas.evidence, Filters())
    superseded = {old for chain in atlas.studies["supersedes"].dropna() for old in chain.split("; ") if old}
    assert superseded, "the curated data holds at least one superseded report"
    assert not set(view["study_id"]) & superseded
    cohorts = view.drop_duplicates(subset=COHORT_KEY)
    assert not cohorts.duplicated(subset=COHORT_KEY).any()


def test_blank_safety_is_not_zero(atlas):
    """Blank means not reported: at least one study leaves a count blank while reporting others."""
    safety = atlas.safety
    counts = safety[["crs_any", "icans_any", "serious_infections", "deaths"]]
    assert counts.isna().any(axis=None) and counts.notna().any(axis=None)


def test_coverage_spans_therapy_classes_and_diseases(atlas):
    assert {"car_t", "msc", "hsct"} <= set(atlas.studies["therapy_class"].astype("object"))
    assert atlas.evidence["disease"].nunique() >= 8
    assert len(atlas.pipeline) >= 10
