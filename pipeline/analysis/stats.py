"""Is one sampler better than the baseline, and by how much? Paired-seed tests and speedups.

Seeds pair the arms: seed k of every sampler trains on the same split with the same initializations, so
the fair comparison is seed by seed (Wilcoxon signed-rank, win / tie / loss counts), not pooled.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.analysis.curves import AXES, final_best

FRACTIONS = (0.25, 0.5, 1.0)
TEST_COLUMNS = [
    "sampler", "baseline", "fraction", "trial", "n_pairs", "wins", "ties", "losses",
    "median_difference", "statistic", "p_value", "smallest_p", "note",
]
SPEEDUP_COLUMNS = ["sampler", "baseline", "axis", "target", "needed", "baseline_budget", "speedup", "reached"]


def count(n: int, thing: str) -> str:
    """``1 paired seed``, ``2 paired seeds``."""
    return f"{n} {thing}{'' if n == 1 else 's'}"


def paired_counts(ours: pd.Series, theirs: pd.Series) -> tuple[int, int, int]:
    """(wins, ties, losses) of ``ours`` against ``theirs``, seed by seed; lower values win."""
    difference = ours.to_numpy(float) - theirs.to_numpy(float)
    return int((difference < 0).sum()), int((difference == 0).sum()), int((difference > 0).sum())


def paired_tests(
    aligned_trials: pd.DataFrame, *, budget: int, baseline: str = "random", fractions: tuple[float, ...] = FRACTIONS
) -> pd.DataFrame:
    """Each sampler against ``baseline`` at fractions of the trial budget, on seeds where both have a result.

    ``aligned_trials`` is :func:`~pipeline.analysis.curves.align` on the ``trial`` axis. At fraction f the
    arms are compared after ``ceil(f × budget)`` finished trials. ``median_difference`` is the median of
    (sampler − baseline) best values: negative means the sampler found lower losses. The Wilcoxon
    signed-rank test is two-sided and drops tied seeds; ``smallest_p`` is the lowest p its exact form can
    give with that many untied seeds (2 / 2^n), which tells whether a significant result was even possible.
    """
    samplers = list(dict.fromkeys(aligned_trials.columns.get_level_values("sampler")))
    rows = []
    if baseline not in samplers:
        return pd.DataFrame(rows, columns=TEST_COLUMNS)
    for fraction in fractions:
        trial = max(1, math.ceil(fraction * budget))
        reached = aligned_trials[aligned_trials.index <= trial]
        at = reached.iloc[-1] if len(reached) else pd.Series(np.nan, index=aligned_trials.columns)
        for sampler in (s for s in samplers if s != baseline):
            pairs = pd.DataFrame({"ours": at[sampler], "theirs": at[baseline]}).dropna()
            rows.append({"sampler": sampler, "baseline": baseline, "fraction": fraction, "trial": trial,
                         **compare_pairs(pairs.ours, pairs.theirs)})
    return pd.DataFrame(rows, columns=TEST_COLUMNS)


def compare_pairs(ours: pd.Series, theirs: pd.Series) -> dict:
    """Counts, median difference and the Wilcoxon test for paired results; degenerate cases say why."""
    wins, ties, losses = paired_counts(ours, theirs)
    n = len(ours)
    result = {"n_pairs": n, "wins": wins, "ties": ties, "losses": losses, "median_difference": np.nan,
              "statistic": np.nan, "p_value": np.nan, "smallest_p": np.nan, "note": ""}
    if n == 0:
        return {**result, "note": "no seed where both arms have a complete trial"}
    result["median_difference"] = float(np.median(ours.to_numpy(float) - theirs.to_numpy(float)))
    untied = n - ties
    if untied == 0:
        return {**result, "note": f"{'all ' if n > 1 else ''}{count(n, 'paired seed')} tied: nothing to test"}
    test = stats.wilcoxon(ours.to_numpy(float), theirs.to_numpy(float), alternative="two-sided")
    result.update(statistic=float(test.statistic), p_value=float(test.pvalue), smallest_p=min(1.0, 2 / 2**untied))
    if result["smallest_p"] > 0.05:
        floor = result["smallest_p"]
        result["note"] = f"with {count(untied, 'untied seed')} p cannot go below {floor:.3g}; run more seeds"
    return result


def speedup(curves: pd.DataFrame, anytime: pd.DataFrame, *, baseline: str = "random") -> pd.DataFrame:
    """How much sooner each sampler reaches the baseline's median final best, on every axis.

    The target is the median over the baseline's seeds of their final best. ``needed`` is the first point
    where the sampler's median best-so-far (:func:`~pipeline.analysis.curves.anytime`) is at or below it;
    ``baseline_budget`` is what the baseline spent (median over its seeds: trials, epochs or seconds), and
    ``speedup = baseline_budget / needed``. Not reached: ``reached`` is False and the speedup NaN.
    """
    ends = final_best(curves)
    base = ends[ends.sampler == baseline].dropna(subset=["best"])
    rows = []
    if base.empty:
        return pd.DataFrame(rows, columns=SPEEDUP_COLUMNS)
    target = float(base.best.median())
    for sampler in (s for s in ends.sampler.unique() if s != baseline):
        for axis in AXES:
            curve = anytime[(anytime.axis == axis) & (anytime.sampler == sampler)]
            hits = curve.x[curve["median"] <= target]
            needed = float(hits.iloc[0]) if len(hits) else np.nan
            budget = float(base[axis].median())
            rows.append({"sampler": sampler, "baseline": baseline, "axis": axis, "target": target, "needed": needed,
                         "baseline_budget": budget, "speedup": budget / needed if needed > 0 else np.nan,
                         "reached": bool(len(hits))})
    return pd.DataFrame(rows, columns=SPEEDUP_COLUMNS)
