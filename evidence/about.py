"""Texts for the About page that live with the data: the curation log and the release history."""

from __future__ import annotations

import pandas as pd

from evidence.display import grade_marks
from evidence.load import Atlas
from evidence.paths import DATA_DIR, RELEASES_FILE
from evidence.provenance import grade_counts
from evidence.yaml_source import read_yaml

CURATION_HEADING = "## Curation log"


def curation_log(readme=DATA_DIR / "README.md") -> str:
    """The 'Curation log' section of data/README.md (our own file, so safe to show as Markdown)."""
    text = readme.read_text(encoding="utf-8")
    if CURATION_HEADING not in text:
        return ""
    section = text.split(CURATION_HEADING, 1)[1]
    return section.split("\n## ", 1)[0].strip()


def releases(path=RELEASES_FILE) -> pd.DataFrame:
    """Columns: version, checked, summary; newest first."""
    return pd.DataFrame(read_yaml(path)["releases"], columns=["version", "checked", "summary"]).astype(str)


def grade_table(atlas: Atlas, lang: str = "en") -> pd.DataFrame:
    """One row per provenance grade: its mark, name, definition, how many numbers of the table carry it, and their share."""
    counts = grade_counts(atlas)
    total = sum(counts.values()) or 1
    marks = grade_marks(atlas.vocabulary)
    return pd.DataFrame([
        {"mark": marks[grade] or "—", "grade": term.label(lang), "definition": term.definition_in(lang),
         "numbers": counts.get(grade, 0), "share": counts.get(grade, 0) / total}
        for grade, term in atlas.vocabulary.terms["grades"].items()
    ])
