"""One number per run for the whole curve: the area under the normalized best-so-far (regret) curve.

Normalized regret maps the best-so-far onto [0, 1] with the same scale for every arm: 0 is the best value
any arm found, 1 the worst of the arms' first results. Its mean over trials 1..budget rewards finding
good values early, not only at the end; lower is better.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analysis.anytime import aggregate


def normalized_regret(aligned_trials: pd.DataFrame, *, budget: int) -> pd.DataFrame:
    """:func:`~pipeline.analysis.anytime.align` (``trial`` axis) rescaled to regret in [0, 1], rows 1..budget.

    Before an arm's first complete trial its regret is 1 (it has nothing yet); an arm that never completed
    a trial stays at 1. When every value is the same, regret is 0 wherever there is a value.
    """
    grid = pd.Index(np.arange(1, budget + 1, dtype=float), name=aligned_trials.index.name)
    best = aligned_trials.reindex(grid, method="ffill") if len(aligned_trials) else aligned_trials.reindex(grid)
    firsts = aligned_trials.apply(lambda column: column.dropna().iloc[0] if column.notna().any() else np.nan)
    lowest, worst_first = np.nanmin(aligned_trials.to_numpy(float), initial=np.inf), firsts.max()
    span = worst_first - lowest
    if not np.isfinite(lowest) or not span > 0:
        return best.notna().astype(float).rsub(1.0)  # no spread: 0 where there is a value, 1 where not
    return ((best - lowest) / span).fillna(1.0)


def regret_auc(aligned_trials: pd.DataFrame, *, budget: int) -> pd.DataFrame:
    """Per arm (sampler, seed): ``auc``, the mean normalized regret over trials 1..budget."""
    regret = normalized_regret(aligned_trials, budget=budget)
    auc = regret.mean(axis=0).rename("auc").reset_index()
    return auc[["sampler", "seed", "auc"]]


def auc_summary(auc: pd.DataFrame, *, rng: int = 0) -> pd.DataFrame:
    """Per sampler over seeds: median and quartiles of the AUC, and its IQM with a bootstrap 95% CI."""
    wide = auc.set_index(["sampler", "seed"]).auc.to_frame().T.rename_axis("x")
    return aggregate(wide, rng=rng).drop(columns="x")
