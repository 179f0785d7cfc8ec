"""Where the curated data live: from this file's location (never the working directory), or, for a curator
trying a copy of the data, the folder named by RHEUMCELL_DATA_DIR."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("RHEUMCELL_DATA_DIR") or PROJECT_ROOT / "data").resolve()
STUDIES_DIR = DATA_DIR / "studies"
VOCABULARY_FILE = DATA_DIR / "vocabulary.yaml"
PIPELINE_FILE = DATA_DIR / "pipeline.yaml"
RELEASES_FILE = DATA_DIR / "RELEASES.yaml"
TRIALS_FILE = DATA_DIR / "trials.yaml"  # the trial landscape (registry records, classified by evidence/trials)
