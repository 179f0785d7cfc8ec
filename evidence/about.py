"""Texts for the About page that live with the data: the curation log and the release history."""

from __future__ import annotations

import pandas as pd

from evidence.paths import DATA_DIR, RELEASES_FILE
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
