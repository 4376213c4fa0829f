"""Analysis: storage → pandas. Returns data only; printing and plotting live elsewhere.

``analyze(storage, study)`` runs everything below and returns an :class:`Analysis`; the modules hold
the single steps: trials (loading), curves (best-so-far and aggregates), stats (paired tests, speedups),
regret (area under the normalized curve), summary (per-seed bests, pruning, best trials), verdict (the
paired bottom line every view prints), importance, learning_curves.
"""

from pipeline.analysis.comparison import Analysis, analyze
from pipeline.analysis.summary import best_per_study, best_trials, pruning_table, sampler_table
from pipeline.analysis.tables import comparison_studies, load_tables, load_trials
from pipeline.analysis.verdict import Verdict, verdicts

__all__ = [
    "Analysis",
    "Verdict",
    "analyze",
    "best_per_study",
    "best_trials",
    "comparison_studies",
    "load_tables",
    "load_trials",
    "pruning_table",
    "sampler_table",
    "verdicts",
]
