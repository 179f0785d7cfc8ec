"""Loading the curated data: validate every file, then build the tables. Strict: bad data raises, listing every problem."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evidence.paths import DATA_DIR, RELEASES_FILE
from evidence.problems import DataValidationError
from evidence.schema import PipelineEntry
from evidence.tables import build_tables
from evidence.validate import validate_folder, validate_pipeline, validate_releases, validate_vocabulary_file
from evidence.vocabulary import Vocabulary, load_vocabulary
from evidence.yaml_source import read_yaml


@dataclass(frozen=True)
class Release:
    version: str
    checked: dt.date
    summary: str


@dataclass(frozen=True)
class Atlas:
    """Everything the app shows, validated: the four tables, the pipeline, the vocabulary and the release."""

    evidence: pd.DataFrame
    studies: pd.DataFrame
    safety: pd.DataFrame
    cohorts: pd.DataFrame
    pipeline: pd.DataFrame
    vocabulary: Vocabulary
    release: Release


def data_fingerprint(data_dir: Path = DATA_DIR) -> tuple:
    """Names, sizes and modification times of every data file: a cache key that changes when a curator edits.
    (Every page run asks, so it stats each file once, from os.scandir, instead of twice through pathlib.)"""
    return tuple(sorted(_yaml_stats(str(data_dir), ""), key=lambda item: item[0].split("/")))  # pathlib's order


def _yaml_stats(folder: str, prefix: str):
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir():
                yield from _yaml_stats(entry.path, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".yaml"):
                stat = entry.stat()
                yield f"{prefix}{entry.name}", stat.st_size, stat.st_mtime_ns


def load_release(path: Path = RELEASES_FILE) -> Release:
    newest = read_yaml(path)["releases"][0]
    checked = newest["checked"]
    return Release(str(newest["version"]), checked if isinstance(checked, dt.date) else dt.date.fromisoformat(str(checked)), str(newest.get("summary", "")))


def pipeline_frame(entries: list[PipelineEntry]) -> pd.DataFrame:
    rows = [
        {**entry.model_dump(), "diseases": "; ".join(entry.diseases), "nct_ids": "; ".join(entry.nct_ids)}
        for entry in entries
    ]
    columns = list(PipelineEntry.model_fields)
    return pd.DataFrame(rows, columns=columns)


def load_atlas(data_dir: Path = DATA_DIR) -> Atlas:
    """Validate and load everything under `data_dir`; raises DataValidationError listing every problem."""
    # the vocabulary and the release log first: everything else is read through them
    basics = validate_vocabulary_file(data_dir / "vocabulary.yaml") + validate_releases(data_dir / "RELEASES.yaml")
    if basics:
        raise DataValidationError(basics)
    vocab = load_vocabulary(data_dir / "vocabulary.yaml")
    report = validate_folder(data_dir / "studies", vocab)
    pipeline, pipeline_problems = validate_pipeline(data_dir / "pipeline.yaml", vocab)
    problems = report.problems + pipeline_problems
    if problems:
        raise DataValidationError(problems)
    tables = build_tables(report.studies, report.files, vocab)
    return Atlas(**tables, pipeline=pipeline_frame(pipeline), vocabulary=vocab, release=load_release(data_dir / "RELEASES.yaml"))


def load_evidence(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The flat evidence table: one row per study × disease cohort × outcome measure × timepoint."""
    return load_atlas(data_dir).evidence


def load_studies(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """One row per study (citation, design, therapy, follow-up, overlap links)."""
    return load_atlas(data_dir).studies


def load_safety(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """One row per study that reports safety: CRS, ICANS, serious infections, deaths and the safety population."""
    return load_atlas(data_dir).safety
