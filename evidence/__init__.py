"""RheumCell Atlas domain logic: load, validate, filter, aggregate, pool and export the evidence. No Streamlit here."""

from evidence.load import (
    Atlas,
    data_fingerprint,
    load_atlas,
    load_evidence,
    load_safety,
    load_studies,
)
from evidence.problems import DataValidationError, Problem
from evidence.vocabulary import Vocabulary, load_vocabulary

__all__ = [
    "Atlas", "DataValidationError", "Problem", "Vocabulary", "data_fingerprint", "load_atlas",
    "load_evidence", "load_safety", "load_studies", "load_vocabulary",
]
