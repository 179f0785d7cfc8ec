"""Command line: `python -m evidence validate [DATA_DIR]`, `python -m evidence export [filters] -o FILE` and
`python -m evidence trials import FILE [--write] [--complete]` / `python -m evidence trials links`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evidence.paths import DATA_DIR


def _validate(args) -> int:
    from evidence.validate import validate_folder, validate_pipeline, validate_releases, validate_vocabulary_file
    from evidence.vocabulary import load_vocabulary

    data_dir = Path(args.data_dir)
    # every file the app reads: the vocabulary first (the rest is checked against it), then the release log
    basics = validate_vocabulary_file(data_dir / "vocabulary.yaml")
    if basics:
        for problem in sorted(basics):
            print(problem)
        print(f"{len(basics)} problem(s) in {data_dir / 'vocabulary.yaml'}; the other files are checked once it is valid", file=sys.stderr)
        return 1
    vocab = load_vocabulary(data_dir / "vocabulary.yaml")
    release_problems = validate_releases(data_dir / "RELEASES.yaml")
    report = validate_folder(data_dir / "studies", vocab)
    pipeline, pipeline_problems = validate_pipeline(data_dir / "pipeline.yaml", vocab) if (data_dir / "pipeline.yaml").exists() else ([], [])
    trials, trial_problems = _validate_trials(data_dir)
    problems = sorted(report.problems + pipeline_problems + trial_problems + release_problems)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {data_dir}", file=sys.stderr)
        return 1
    trial_text = f" and {len(trials)} trials" if (data_dir / "trials.yaml").exists() else ""
    print(f"OK: {len(report.studies)} studies{',' if trial_text else ' and'} {len(pipeline)} pipeline entries{trial_text} valid in {data_dir}")
    return 0


def _validate_trials(data_dir: Path):
    """The trial table (data/trials.yaml), when the data folder has one; problems read file:line: trial: field: message."""
    from evidence.problems import Problem
    from evidence.trials.schema import trial_vocabulary
    from evidence.trials.store import validate_trials

    path = data_dir / "trials.yaml"
    if not path.exists():
        return [], []
    try:
        vocab = trial_vocabulary(data_dir / "vocabulary.yaml")
    except Exception as error:
        return [], [Problem("vocabulary.yaml", None, "", "-", f"trial categories cannot be read: {error}")]
    return validate_trials(path, vocab)


# export option -> (vocabulary category, Filters field)
EXPORT_CHOICES = {"disease": ("diseases", "diseases"), "therapy_class": ("therapy_classes", "therapy_classes"),
                  "target": ("targets", "targets"), "measure": ("outcome_measures", "outcome_measures")}


class UsageError(Exception):
    """A CLI value that means nothing here; the message lists the valid choices."""


def _resolve_choices(args, vocab) -> dict[str, tuple[str, ...]]:
    """Every --disease/--therapy-class/--target/--measure value as a vocabulary id: ids, English and Chinese labels
    all work, case-insensitively; an unknown value stops the export with the list of valid choices."""
    chosen = {}
    for option, (category, field) in EXPORT_CHOICES.items():
        ids = []
        for value in getattr(args, option) or ():
            term_id = vocab.resolve(category, value)
            if term_id is None:
                flag = "--" + option.replace("_", "-")
                raise UsageError(f"{flag} '{value}' is not a known value. Choose one of: {vocab.choices_text(category)}")
            ids.append(term_id)
        chosen[field] = tuple(dict.fromkeys(ids))
    return chosen


def _export(args) -> int:
    from evidence.export import export_file
    from evidence.filters import Filters
    from evidence.load import load_atlas
    from evidence.provenance import article_only

    atlas = load_atlas(Path(args.data_dir))
    try:
        chosen = _resolve_choices(args, atlas.vocabulary)
    except UsageError as error:
        print(f"export: {error}", file=sys.stderr)
        return 2
    filters = Filters(
        **chosen,
        year_from=args.year_from,
        year_to=args.year_to,
        text=args.text or "",
        tier="all" if args.all_reports else "newest",
        article_only=args.article_only,
    )
    if args.article_only:
        atlas = article_only(atlas)
    from evidence.filters import filter_evidence

    if filter_evidence(atlas.evidence, filters).empty and not args.allow_empty:
        print(f"export: no evidence row matches these filters ({filters.active()}); nothing written. "
              "Use --allow-empty to write an empty file anyway.", file=sys.stderr)
        return 1
    rows = export_file(atlas, filters, args.format, Path(args.output), lang=args.lang)
    print(f"wrote {rows} evidence rows to {args.output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evidence", description="RheumCell Atlas data tools")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check every study file; exit 1 listing problems as file:line: study: field: message")
    validate.add_argument("data_dir", nargs="?", default=str(DATA_DIR))
    export = commands.add_parser("export", help="write the filtered evidence table")
    export.add_argument("--data-dir", default=str(DATA_DIR))
    export.add_argument("--disease", action="append", help="disease: id, English or Chinese label (repeatable), e.g. sle, SLE, 系统性红斑狼疮")
    export.add_argument("--therapy-class", action="append", help="therapy class: id or label (repeatable), e.g. car_t, CAR-T")
    export.add_argument("--target", action="append", help="target: id or label (repeatable), e.g. cd19, CD19")
    export.add_argument("--measure", action="append", help="outcome measure: id or label (repeatable), e.g. doris_remission")
    export.add_argument("--year-from", type=int)
    export.add_argument("--year-to", type=int)
    export.add_argument("--text", help="free text over title, product, author, journal")
    export.add_argument("--all-reports", action="store_true", help="include reports superseded by a newer one")
    export.add_argument("--article-only", action="store_true", help="only numbers read in the article itself: weaker-graded values are left blank")
    export.add_argument("--allow-empty", action="store_true", help="write the file even when no row matches (otherwise exit 1)")
    export.add_argument("--format", choices=["csv", "xlsx", "bib", "ris"], default="csv")
    export.add_argument("--lang", choices=["en", "zh"], default="en")
    export.add_argument("-o", "--output", required=True)
    from evidence.trials.cli import add_parser as add_trials_parser, run as run_trials

    add_trials_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "trials":
        return run_trials(args)
    return _validate(args) if args.command == "validate" else _export(args)


if __name__ == "__main__":
    sys.exit(main())
