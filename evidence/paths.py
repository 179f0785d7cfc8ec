"""Where the curated data live, from this file's location (never the working directory)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
STUDIES_DIR = DATA_DIR / "studies"
VOCABULARY_FILE = DATA_DIR / "vocabulary.yaml"
PIPELINE_FILE = DATA_DIR / "pipeline.yaml"
RELEASES_FILE = DATA_DIR / "RELEASES.yaml"
