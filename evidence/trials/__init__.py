"""The trial landscape: registered trials of cell therapies in autoimmune disease (data/trials.yaml).

Registry facts plus the atlas's own classification (evidence.trials.rules). Trials are never counted as patients
and never feed remission or safety figures: they only show what is being tested, where, by whom, and whether a
published report in the atlas links to them.
"""

from evidence.trials.rules import classify
from evidence.trials.schema import Trial, trial_vocabulary
from evidence.trials.store import load_trial_records, validate_trials
from evidence.trials.table import (
    TrialTables, filter_trials, load_trial_tables, load_trials, target_disease_counts,
)
from evidence.trials.links import link_table, study_registrations, study_trials, trial_flags

__all__ = [
    "Trial", "TrialTables", "classify", "filter_trials", "link_table", "load_trial_records", "load_trial_tables",
    "load_trials", "study_registrations", "study_trials", "target_disease_counts", "trial_flags", "trial_vocabulary",
    "validate_trials",
]
