"""Is one sampler better than the baseline, and by how much? Paired-seed tests and speedups.

Seeds pair the arms: seed k of every sampler trains on the same split with the same initializations, so
the fair comparison is seed by seed (Wilcoxon signed-rank, win / tie / loss counts), not pooled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.analysis.anytime import AXES, align
from pipeline.choices import (
    BASELINE,  # the sampler every other one is measured against, unless a command says otherwise
)

FRACTIONS = (0.25, 0.5, 1.0)
TEST_COLUMNS = [
    "sampler",
    "baseline",
    "fraction",
    "trial",
    "n_pairs",
    "wins",
    "ties",
    "losses",
    "median_difference",
    "statistic",
    "p_value",
    "smallest_p",
    "note",
]
SPEEDUP_COLUMNS = [
    "sampler",
    "baseline",
    "axis",
    "seeds",
    "target",
    "needed",
    "baseline_needed",
    "speedup",
    "ci_low",
    "ci_high",
    "reached",
]


def count(n: int, thing: str) -> str:
    """``1 paired seed``, ``2 paired seeds``."""
    return f"{n} {thing}{'' if n == 1 else 's'}"


def paired_counts(ours: pd.Series, theirs: pd.Series) -> tuple[int, int, int]:
    """(wins, ties, losses) of ``ours`` against ``theirs``, seed by seed; lower values win."""
    difference = ours.to_numpy(float) - theirs.to_numpy(float)
    return int((difference < 0).sum()), int((difference == 0).sum()), int((difference > 0).sum())


Budget = int | Mapping[str, int]  # one trial budget, or one per sampler (the grid arm runs its whole grid)


def budget_for(budget: Budget, sampler: str, baseline: str) -> int:
    """The budget a pair of arms is judged at: the larger of the two (the other's best stays as it ended)."""
    if isinstance(budget, Mapping):
        return max(int(budget.get(sampler, 0)), int(budget.get(baseline, 0)))
    return int(budget)


def sampler_budgets(trials: pd.DataFrame) -> dict[str, int]:
    """Each sampler's trial budget (the largest stored on its studies)."""
    known = trials.dropna(subset=["budget"])
    return {sampler: int(b) for sampler, b in known.groupby("sampler").budget.max().items()}


def paired_tests(
    aligned_trials: pd.DataFrame, *, budget: Budget, baseline: str = BASELINE, fractions: tuple[float, ...] = FRACTIONS
) -> pd.DataFrame:
    """Each sampler against ``baseline`` at fractions of the trial budget, on seeds where both have a result.

    ``aligned_trials`` is :func:`~pipeline.analysis.anytime.align` on the ``trial`` axis. At fraction f the
    arms are compared after ``ceil(f × budget)`` finished trials (with a budget per sampler, the pair's
    :func:`budget_for`). ``median_difference`` is the median of
    (sampler − baseline) best values: negative means the sampler found lower losses. The Wilcoxon
    signed-rank test is two-sided and drops tied seeds; ``smallest_p`` is the lowest p its exact form can
    give with that many untied seeds (2 / 2^n), which tells whether a significant result was even possible.
    """
    samplers = list(dict.fromkeys(aligned_trials.columns.get_level_values("sampler")))
    rows = []
    if baseline not in samplers:
        return pd.DataFrame(rows, columns=TEST_COLUMNS)
    for fraction in fractions:
        for sampler in (s for s in samplers if s != baseline):
            trial = max(1, math.ceil(fraction * budget_for(budget, sampler, baseline)))
            reached = aligned_trials[aligned_trials.index <= trial]
            at = reached.iloc[-1] if len(reached) else pd.Series(np.nan, index=aligned_trials.columns)
            pairs = pd.DataFrame({"ours": at[sampler], "theirs": at[baseline]}).dropna()
            rows.append(
                {
                    "sampler": sampler,
                    "baseline": baseline,
                    "fraction": fraction,
                    "trial": trial,
                    **compare_pairs(pairs.ours, pairs.theirs),
                }
            )
    return pd.DataFrame(rows, columns=TEST_COLUMNS)


def compare_pairs(ours: pd.Series, theirs: pd.Series) -> dict:
    """Counts, median difference and the Wilcoxon test for paired results; degenerate cases say why."""
    wins, ties, losses = paired_counts(ours, theirs)
    n = len(ours)
    result = {
        "n_pairs": n,
        "wins": wins,
        "ties": ties,
        "losses": losses,
        "median_difference": np.nan,
        "statistic": np.nan,
        "p_value": np.nan,
        "smallest_p": np.nan,
        "note": "",
    }
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


def paired_table(aligned_trials: pd.DataFrame, *, sampler: str, baseline: str, budget: Budget) -> pd.DataFrame:
    """Per seed where both arms have a complete trial: each arm's best after ``budget`` finished trials and
    their difference (sampler − baseline; negative: the sampler found a lower loss). The verdict's data."""
    reached = aligned_trials[aligned_trials.index <= max(1, budget_for(budget, sampler, baseline))]
    if reached.empty or sampler not in aligned_trials.columns.get_level_values("sampler"):
        return pd.DataFrame(columns=["seed", sampler, baseline, "difference"])
    at = reached.iloc[-1]
    pairs = pd.DataFrame({sampler: at[sampler], baseline: at[baseline]}).dropna()
    pairs["difference"] = pairs[sampler] - pairs[baseline]
    return pairs.rename_axis("seed").reset_index()


def speedup(curves: pd.DataFrame, *, baseline: str = BASELINE, resamples: int = 1000, rng: int = 0) -> pd.DataFrame:
    """How much sooner each sampler reaches the baseline's median final best, both arms measured the same way.

    On every axis, over the seeds both arms ran (each with a complete trial): the target is the median of
    the baseline's final bests; ``needed`` and ``baseline_needed`` are the first points where the sampler's
    and the baseline's median best-so-far curves are at or below it; ``speedup = baseline_needed / needed``.
    An arm identical to the baseline therefore scores exactly 1×. ``ci_low`` / ``ci_high`` are a percentile
    bootstrap 95% interval over seeds resampled in pairs (a resample where the sampler misses the target
    counts as speedup 0: "not reached"). Not reached at all: ``reached`` is False and the speedup NaN.
    """
    rows = []
    for axis in AXES:
        aligned = align(curves, axis) if len(curves) else pd.DataFrame()
        if aligned.empty or baseline not in aligned.columns.get_level_values("sampler"):
            continue
        x = aligned.index.to_numpy(float)
        for sampler in (s for s in dict.fromkeys(aligned.columns.get_level_values("sampler")) if s != baseline):
            theirs, ours = aligned[baseline].dropna(axis=1, how="all"), aligned[sampler].dropna(axis=1, how="all")
            seeds = sorted(set(theirs.columns) & set(ours.columns))
            if not seeds:
                continue
            base, other = theirs[seeds].to_numpy(float), ours[seeds].to_numpy(float)
            target, base_at, other_at = _reach(base[:, None, :], other[:, None, :], x)
            draws = np.random.default_rng(rng).integers(0, len(seeds), (resamples, len(seeds)))
            ratios = []
            for chunk in np.array_split(draws, max(1, resamples // 200)):
                _, b, o = _reach(base[:, chunk], other[:, chunk], x)
                ratios.append(np.where(np.isfinite(o), b / o, 0.0))
            ratios = np.concatenate(ratios) if len(seeds) > 1 else np.array([np.nan])
            reached = bool(np.isfinite(other_at[0]))
            low, high = (
                np.quantile(ratios, [0.025, 0.975], method="inverted_cdf") if len(seeds) > 1 else (np.nan, np.nan)
            )
            rows.append(
                {
                    "sampler": sampler,
                    "baseline": baseline,
                    "axis": axis,
                    "seeds": len(seeds),
                    "target": float(target[0]),
                    "needed": float(other_at[0]),
                    "baseline_needed": float(base_at[0]),
                    "speedup": float(base_at[0] / other_at[0]) if reached else np.nan,
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "reached": reached,
                }
            )
    return pd.DataFrame(rows, columns=SPEEDUP_COLUMNS)


def _reach(base: np.ndarray, other: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For curves shaped points × resamples × seeds: the target (baseline's median final best) per resample,
    and where each arm's median curve first reaches it (inf where never)."""
    base_median, other_median = np.median(base, axis=2), np.median(other, axis=2)  # NaN until every seed has one
    target = base_median[-1]
    first = []
    for median in (base_median, other_median):
        hit = median <= target
        first.append(np.where(hit.any(axis=0), x[hit.argmax(axis=0)], np.inf))
    return target, first[0], first[1]
