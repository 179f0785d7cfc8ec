"""`python -m evidence trials import FILE [--write] [--complete]` and `python -m evidence trials links`."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from evidence.problems import DataValidationError


def add_parser(commands) -> None:
    trials = commands.add_parser("trials", help="the trial table: import a ClinicalTrials.gov export, list links to studies")
    sub = trials.add_subparsers(dest="trials_command", required=True)
    imp = sub.add_parser("import", help="compare a ClinicalTrials.gov API v2 JSON export with data/trials.yaml (writes only with --write)")
    imp.add_argument("file", help="a ClinicalTrials.gov API v2 JSON export: {\"studies\": [...]} with every page merged")
    imp.add_argument("--write", action="store_true", help="apply NEW and CHANGED entries to the trial table")
    imp.add_argument("--complete", action="store_true",
                     help="the file is the whole result of the registry query: report registry-listed trials absent from it as GONE")
    imp.add_argument("--snapshot-date", type=dt.date.fromisoformat, default=None, help="date the export was read (default today)")
    imp.add_argument("--listed-by", choices=["registry_import", "reference_list"], default="registry_import",
                     help="how new entries came to the table (default registry_import)")
    imp.add_argument("--data-dir", default=None)
    reclass = sub.add_parser("reclassify", help="re-apply the classification rules to rule-classified entries (after a rules change)")
    reclass.add_argument("--write", action="store_true", help="write the re-classified table")
    reclass.add_argument("--data-dir", default=None)
    links = sub.add_parser("links", help="per trial: linked atlas studies; completed trials with no study in the atlas")
    links.add_argument("--data-dir", default=None)


def run(args) -> int:
    from evidence.paths import DATA_DIR

    data_dir = Path(args.data_dir) if args.data_dir else DATA_DIR
    if args.trials_command == "import":
        return _import(args, data_dir)
    if args.trials_command == "reclassify":
        return _reclassify(args, data_dir)
    return _links(data_dir)


def _reclassify(args, data_dir: Path) -> int:
    from evidence.trials.ctgov import _show, reclassify
    from evidence.trials.schema import trial_vocabulary
    from evidence.trials.store import load_trial_records, write_trials

    vocab = trial_vocabulary(data_dir / "vocabulary.yaml")
    try:
        table = load_trial_records(data_dir / "trials.yaml", vocab)
    except DataValidationError as error:
        print(f"refused: the trial table does not validate:\n{error}", file=sys.stderr)
        return 2
    changes, updated = reclassify(table, vocab)
    print(f"{len(changes)} of {len(table)} entries would change:")
    for trial, diffs in changes:
        print(f"  {trial.id}")
        for name, before, after in diffs:
            if name != "classification_note":
                print(f"    {name}: {_show(before)} -> {_show(after)}")
    if args.write and changes:
        write_trials(updated, data_dir / "trials.yaml", vocab)
        print(f"wrote {data_dir / 'trials.yaml'}")
    elif changes:
        print("dry run: nothing written (add --write)")
    return 0


def _import(args, data_dir: Path) -> int:
    from evidence.trials.ctgov import ImportRefused, import_export
    from evidence.trials.schema import trial_vocabulary
    from evidence.trials.store import load_trial_records, write_trials

    path = data_dir / "trials.yaml"
    try:
        vocab = trial_vocabulary(data_dir / "vocabulary.yaml")
        table = load_trial_records(path, vocab) if path.exists() else []
    except DataValidationError as error:
        print(f"refused: the current trial table does not validate; fix it first:\n{error}", file=sys.stderr)
        return 2
    snapshot = args.snapshot_date or dt.date.today()
    try:
        report, updated = import_export(Path(args.file), table, snapshot, complete=args.complete, listed_by=args.listed_by, vocab=vocab)
    except ImportRefused as error:
        print(f"refused: {args.file}: {error}\nnothing was written", file=sys.stderr)
        return 2
    print(f"{args.file}: {len(report.new) + len(report.changed) + report.unchanged} registrations read (snapshot {snapshot.isoformat()})")
    print("\n".join(report.lines()))
    if not args.write:
        print("dry run: nothing written (add --write to apply NEW and CHANGED)")
        return 0
    if not report.has_changes:
        print(f"nothing to write: {path} already matches the export")
        return 0
    try:
        write_trials(updated, path, vocab)
    except DataValidationError as error:
        print(f"refused: the updated table would not validate; nothing was written:\n{error}", file=sys.stderr)
        return 2
    print(f"wrote {path} ({len(updated)} trials)")
    return 0


def _links(data_dir: Path) -> int:
    from evidence.trials.table import load_trial_tables
    from evidence.trials.links import study_registrations, study_trials
    from evidence.trials.store import load_trial_records
    from evidence.trials.schema import trial_vocabulary

    tables = load_trial_tables(data_dir)
    frame = tables.trials
    linked = frame[frame["n_linked_studies"] > 0]
    print(f"{len(frame)} trials; {len(linked)} linked to atlas studies:")
    for row in linked.itertuples():
        print(f"  {row.trial_id}: {row.linked_studies}")
    missing = frame[frame["no_results_in_atlas"]]
    print(f"no_results_in_atlas ({len(missing)}): completed, or primary completion over a year before the snapshot, with no atlas study")
    for row in missing.itertuples():
        print(f"  {row.trial_id} [{row.status}] {row.title or ''}")
    per_study = study_trials(load_trial_records(data_dir / "trials.yaml", trial_vocabulary(data_dir / "vocabulary.yaml")),
                             study_registrations(data_dir / "studies"))
    absent = per_study[per_study["missing_from_trial_table"] != ""]
    if len(absent):
        print(f"registrations cited by studies but not in the trial table ({len(absent)} studies):")
        for row in absent.itertuples():
            print(f"  {row.study_id}: {row.missing_from_trial_table}")
    return 0
