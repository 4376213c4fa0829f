"""Analysis: storage → pandas. Returns data only; printing and plotting live elsewhere.

``analyze(storage, study)`` runs everything below and returns an :class:`Analysis`; the modules hold
the single steps: trials (loading), curves (best-so-far and aggregates), stats (paired tests, speedups),
regret (area under the normalized curve), summary (per-seed bests, pruning, verdict), importance,
learning_curves.
"""

from pipeline.analysis.comparison import Analysis, analyze
from pipeline.analysis.summary import best_per_study, pruning_table, sampler_table, verdict
from pipeline.analysis.trials import comparison_studies, load_tables, load_trials

__all__ = [
    "Analysis", "analyze", "best_per_study", "comparison_studies", "load_tables", "load_trials",
    "pruning_table", "sampler_table", "verdict",
]
