"""The trial landscape: registered trials of cell therapies in autoimmune disease (data/trials.yaml).

Registry facts plus the atlas's own classification (evidence.trials.rules). Trials are never counted as patients
and never feed remission or safety figures: they only show what is being tested, where, by whom, and whether a
published report in the atlas links to them.
"""
