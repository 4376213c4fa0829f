"""Analysis: storage → pandas. Returns data only; printing and plotting live elsewhere."""

from pipeline.analysis.summary import best_per_study, sampler_table, verdict
from pipeline.analysis.trials import comparison_studies, load_trials

__all__ = ["best_per_study", "comparison_studies", "load_trials", "sampler_table", "verdict"]
