"""The ClinicalTrials.gov API v2 importer: NEW / CHANGED / GONE, dry run by default, refusal of bad or partial files.

Fixtures (tests/fixtures/ctgov_v2_*.json) are made by hand in the registry's documented export shape, with made-up
NCT numbers (NCT99…) so they never collide with a real registration.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

from evidence.__main__ import main
from evidence.paths import DATA_DIR
from evidence.trials.ctgov import ImportRefused, import_export, read_export, short_endpoint
from evidence.trials.schema import trial_vocabulary
from evidence.trials.store import load_trial_records, validate_trials

FIXTURES = Path(__file__).parent / "fixtures"
BASE, UPDATE = FIXTURES / "ctgov_v2_base.json", FIXTURES / "ctgov_v2_update.json"
SNAPSHOT = "2026-08-30"


def checksum(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture()
def data_dir(tmp_path) -> Path:
    """A data folder with the real vocabulary, no studies and an empty trial table."""
    root = tmp_path / "data"
    (root / "studies").mkdir(parents=True)
    for name in ("vocabulary.yaml", "RELEASES.yaml"):
        shutil.copy(DATA_DIR / name, root / name)
    (root / "trials.yaml").write_text("trials: []\n", encoding="utf-8")
    return root


def run(*args) -> int:
    return main(["trials", "import", *map(str, args)])


def imported(data_dir: Path, fixture: Path = BASE, *extra) -> int:
    return run(fixture, "--data-dir", data_dir, "--snapshot-date", SNAPSHOT, "--write", *extra)


def test_a_dry_run_reports_new_trials_and_writes_nothing(data_dir, capsys):
    before = checksum(data_dir)
    assert run(BASE, "--data-dir", data_dir, "--snapshot-date", SNAPSHOT) == 0
    out = capsys.readouterr().out
    assert "NEW (3):" in out and "NCT99000001" in out and "CHANGED (0):" in out and "GONE (0):" in out
    assert "dry run: nothing written" in out
    assert checksum(data_dir) == before


def test_write_then_validate_then_reimport_reports_no_change(data_dir, capsys):
    mode = (data_dir / "trials.yaml").stat().st_mode & 0o777
    assert imported(data_dir) == 0
    assert (data_dir / "trials.yaml").stat().st_mode & 0o777 == mode  # the rewrite keeps the file's permissions
    assert not list(data_dir.glob(".trials-*"))  # no temporary file left behind
    trials, problems = validate_trials(data_dir / "trials.yaml", trial_vocabulary(data_dir / "vocabulary.yaml"))
    assert not problems and [t.id for t in trials] == ["NCT99000001", "NCT99000002", "NCT99000003"]
    assert main(["validate", str(data_dir)]) == 0
    written = (data_dir / "trials.yaml").read_text(encoding="utf-8")
    capsys.readouterr()
    assert imported(data_dir) == 0  # the same export again
    out = capsys.readouterr().out
    assert "NEW (0):" in out and "CHANGED (0):" in out and "unchanged: 3" in out and "nothing to write" in out
    assert (data_dir / "trials.yaml").read_text(encoding="utf-8") == written


def test_imported_records_carry_registry_facts_and_the_atlas_classification(data_dir):
    imported(data_dir)
    trials = {t.id: t for t in load_trial_records(data_dir / "trials.yaml", trial_vocabulary(data_dir / "vocabulary.yaml"))}
    a, b, c = trials["NCT99000001"], trials["NCT99000002"], trials["NCT99000003"]
    assert (a.status, a.phases, a.start_date, a.primary_completion_date, a.enrolment, a.enrolment_type) == (
        "recruiting", ["phase1"], "2025-01-15", "2026-06", 12, "estimated")
    assert a.interventions == ["Autologous anti-CD19 CAR-T cells", "Fludarabine", "Cyclophosphamide"]
    assert (a.therapy_classes, a.targets, a.cell_source, a.diseases, a.age_group) == (["car_t"], ["cd19"], "autologous", ["sle"], "adult")
    assert (a.sponsor_class, a.countries, a.registry_url) == ("academic", ["Germany"], "https://clinicaltrials.gov/study/NCT99000001")
    assert a.snapshot_date == dt.date(2026, 8, 30) and a.listed_by == "registry_import"
    assert (b.targets, b.cell_source, b.sponsor_class, b.secondary_ids) == (["cd19_bcma"], "allogeneic", "industry", ["2025-001234-56"])
    assert b.diseases == ["ssc", "iim"]
    assert (c.therapy_classes, c.targets, c.cell_source, c.age_group) == (["msc"], ["none"], "allogeneic", "both")


def test_an_update_reports_new_changed_field_by_field_and_withdrawn(data_dir, capsys):
    imported(data_dir)
    capsys.readouterr()
    before = checksum(data_dir)
    assert run(UPDATE, "--data-dir", data_dir, "--snapshot-date", "2026-09-15") == 0
    out = capsys.readouterr().out
    assert "NEW (1):" in out and "NCT99000004" in out and "in_vivo_car" in out
    assert "CHANGED (2):" in out
    assert "status: not_yet_recruiting -> recruiting" in out and "enrolment: 12 -> 18" in out
    assert "last_update_date: 2026-05-01 -> 2026-07-30" in out
    assert "GONE (1):" in out and "NCT99000003: withdrawn (was recruiting)" in out
    assert "absent" not in out  # the file does not claim to be complete
    assert checksum(data_dir) == before


def test_complete_flag_reports_absent_trials_but_never_deletes_them(data_dir, capsys):
    imported(data_dir)
    capsys.readouterr()
    assert run(UPDATE, "--data-dir", data_dir, "--snapshot-date", "2026-09-15", "--complete", "--write") == 0
    out = capsys.readouterr().out
    assert "NCT99000001: absent from the complete export" in out and "GONE (2):" in out
    trials = {t.id: t for t in load_trial_records(data_dir / "trials.yaml", trial_vocabulary(data_dir / "vocabulary.yaml"))}
    assert set(trials) == {"NCT99000001", "NCT99000002", "NCT99000003", "NCT99000004"}
    assert trials["NCT99000003"].status == "withdrawn" and trials["NCT99000003"].snapshot_date == dt.date(2026, 9, 15)
    assert trials["NCT99000001"].snapshot_date == dt.date(2026, 8, 30)  # untouched
    assert trials["NCT99000002"].enrolment == 18
    assert main(["validate", str(data_dir)]) == 0


def test_curator_classification_survives_an_update(data_dir):
    imported(data_dir)
    path = data_dir / "trials.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in raw["trials"]:
        if item["id"] == "NCT99000002":
            item.update(classified_by="curator", targets=["cd19"], classification_note="curator: test override read on a company page")
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    vocab = trial_vocabulary(data_dir / "vocabulary.yaml")
    report, table = import_export(UPDATE, load_trial_records(path, vocab), dt.date(2026, 9, 15), vocab=vocab)
    assert [(name, before, after) for name, before, after in report.rule_hints[0][1]] == [("targets", ["cd19"], ["cd19_bcma"])]
    updated = {t.id: t for t in table}["NCT99000002"]
    assert updated.targets == ["cd19"] and updated.status == "recruiting"


@pytest.mark.parametrize("fixture, message", [
    ("ctgov_v2_not_json.json", "not JSON"),
    ("ctgov_v2_wrong_shape.json", "wrong shape"),
    ("ctgov_v2_page.json", "nextPageToken"),
    ("ctgov_v2_partial_total.json", "totalCount says 7"),
    ("ctgov_v2_missing_nct.json", "nctId is missing"),
])
def test_bad_or_partial_files_are_refused_and_data_is_untouched(fixture, message, capsys):
    before = checksum(DATA_DIR)
    assert run(FIXTURES / fixture, "--data-dir", DATA_DIR, "--write") == 2
    err = capsys.readouterr().err
    assert err.startswith("refused: ") and message in err and "nothing was written" in err
    assert checksum(DATA_DIR) == before


def test_an_empty_export_and_a_missing_file_are_refused(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text('{"studies": []}', encoding="utf-8")
    with pytest.raises(ImportRefused, match="no studies"):
        read_export(empty)
    with pytest.raises(ImportRefused, match="cannot read"):
        read_export(tmp_path / "absent.json")


def test_a_study_with_an_invalid_field_refuses_the_whole_file(tmp_path, data_dir):
    text = UPDATE.read_text(encoding="utf-8").replace('"PHASE1"', '"PHASE_ONE"', 1)
    broken = tmp_path / "broken.json"
    broken.write_text(text, encoding="utf-8")
    before = checksum(data_dir)
    assert run(broken, "--data-dir", data_dir, "--write") == 2
    assert checksum(data_dir) == before


def test_endpoint_titles_are_kept_short():
    assert short_endpoint("Incidence of DLT") == "Incidence of DLT"
    long = "Incidence and severity of adverse events " * 8
    assert len(short_endpoint(long)) <= 160 and short_endpoint(long).endswith("…")
