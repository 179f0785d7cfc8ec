"""Shared fixtures: the real atlas, and a tiny hand-made data folder whose numbers the tests can compute by hand."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import app_test as app_test_module

from evidence import load_atlas
from evidence.paths import DATA_DIR

URL = "https://pubmed.ncbi.nlm.nih.gov/1/"
NOTE = "Test fixture: abstract, results."
SECONDARY_URL = "https://example.org/journal-club/cd19-ext"
SECONDARY_NOTE = "Test fixture: count stated in a journal-club summary. Secondary: Example journal club."


def provenance(grade="article"):
    """The provenance fields of one number at `grade` (a secondary one names its source and where it was read)."""
    if grade == "secondary":
        return {"source_url": URL, "grade": grade, "read_at": SECONDARY_URL, "source_note": SECONDARY_NOTE}
    return {"source_url": URL, "grade": grade, "source_note": NOTE}


def fact(value, grade="article"):
    return {"value": value, **provenance(grade)}


def outcome(measure, responders, evaluated, months=6, grade="article", **extra):
    return {"measure": measure, "timepoint_months": months, "responders": responders, "evaluated": evaluated,
            **provenance(grade), **extra}


def study(study_id, *, year=2023, therapy_class="car_t", target="cd19", tissue=None, cell_source="autologous",
          design="case_series", cohorts=None, supersedes=(), safety=None, mechanisms=("b_cell_depletion",), title=None):
    """A valid study record; override what a test needs."""
    engineered = therapy_class in {"car_t", "car_nk", "caar_t", "car_treg"}
    return {
        "id": study_id,
        "citation": {"first_author": "Tester A", "year": year, "title": title or f"Study {study_id}", "journal": "Test J",
                     "doi": f"10.1000/{study_id}", "pmid": None, "nct_ids": [], "country": "Germany"},
        "design": design,
        "therapy": {"therapy_class": therapy_class, "product": f"Product {study_id}", "target": target if engineered else "none",
                    "cell_source": cell_source, "tissue_source": tissue, "engineering": "lentiviral" if engineered else "none",
                    "mechanisms": list(mechanisms)},
        "follow_up_months": {"value": 12, "kind": "median", **provenance()},
        "supersedes": list(supersedes),
        "cohorts": cohorts or [{"disease": "sle", "subtype": None, "n_patients": fact(5), "outcomes": [outcome("doris_remission", 5, 5)]}],
        "safety": safety,
    }


def write_data_dir(root: Path, studies: list[dict]) -> Path:
    """A data folder with the real vocabulary, pipeline and releases, and the given study records."""
    (root / "studies").mkdir(parents=True, exist_ok=True)
    for name in ("vocabulary.yaml", "pipeline.yaml", "RELEASES.yaml", "README.md"):
        shutil.copy(DATA_DIR / name, root / name)
    for record in studies:
        (root / "studies" / f"{record['id']}.yaml").write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def tiny_studies() -> list[dict]:
    """Four studies with numbers chosen so every aggregate can be computed by hand (see test_matrices.py)."""
    safety = {"n_patients": 5, "crs_any": 3, "crs_grade3plus": 0, "icans_any": 0, "icans_grade3plus": 0,
              "serious_infections": None, "deaths": 0, **provenance()}
    return [
        # an early CD19 series of 3 SLE patients, later re-reported in full by 'cd19-ext'
        study("cd19-early", year=2021, cohorts=[{"disease": "sle", "subtype": None, "n_patients": fact(3),
                                                 "outcomes": [outcome("doris_remission", 3, 3, months=3)]}]),
        # the extension: 5 SLE (incl. the 3 above) and 2 SSc; its 12-month count was read only in a secondary text
        study("cd19-ext", year=2024, supersedes=["cd19-early"], safety=safety, mechanisms=("b_cell_depletion", "immune_reset"), cohorts=[
            {"disease": "sle", "subtype": "lupus_nephritis", "n_patients": fact(5),
             "outcomes": [outcome("doris_remission", 4, 5, months=3), outcome("doris_remission", 5, 5, months=12, grade="secondary")]},
            {"disease": "ssc", "subtype": None, "n_patients": fact(2), "outcomes": []},
        ]),
        # a BCMA-CD19 phase 1 in SLE with 0 responders on DORIS (a real zero, not a gap)
        study("compound", year=2024, target="cd19_bcma", design="phase1", cohorts=[
            {"disease": "sle", "subtype": None, "n_patients": fact(4), "outcomes": [outcome("doris_remission", 0, 4)]}]),
        # an umbilical-cord MSC randomised trial in SLE, SRI-4 only (so DORIS is "no data" for MSC)
        study("msc-rct", year=2019, therapy_class="msc", tissue="umbilical_cord", cell_source="allogeneic", design="rct",
              mechanisms=("paracrine_immunomodulation",), cohorts=[
                  {"disease": "sle", "subtype": None, "n_patients": fact(20), "outcomes": [outcome("sri4", 12, 18)]}]),
    ]


@pytest.fixture(scope="session")
def atlas():
    return load_atlas()


@pytest.fixture()
def tiny_dir(tmp_path) -> Path:
    return write_data_dir(tmp_path / "data", copy.deepcopy(tiny_studies()))


@pytest.fixture()
def tiny_atlas(tiny_dir):
    return load_atlas(tiny_dir)


class _NavigationPagesManager(PagesManager):
    """PagesManager for AppTest runs of an app that routes with st.navigation.

    AppTest (Streamlit 1.67) resets `PagesManager.uses_pages_directory` before every run, and because our
    pages live in a folder named `pages/` the flag then flips back to the legacy "pages directory" mode: a
    rerun executes the page file alone, skipping app.py and its shared sidebar. `streamlit run` keeps the
    flag False after the first st.navigation call, so this restores what the real server does.
    """

    def __init__(self, *args, **kwargs):
        PagesManager.uses_pages_directory = False
        super().__init__(*args, **kwargs)


@pytest.fixture(autouse=True)
def _apptest_uses_navigation(monkeypatch):
    monkeypatch.setattr(app_test_module, "PagesManager", _NavigationPagesManager)
