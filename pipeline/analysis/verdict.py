"""The verdict: one sentence per sampler against the baseline, led by what the paired design supports.

Seed k of every arm trains on the same split with the same initializations, so the comparison the
experiment is built for is seed by seed: the per-seed paired differences of the final best validation
loss, their win / tie / loss counts, their median with a bootstrap 95% CI, and the Wilcoxon signed-rank
test. The bottom line follows that test (p < 0.05 or not); everything else qualifies it.

Every place a person reads a verdict — the terminal, the HTML report, the study notes in
optuna-dashboard, the notebook — prints :attr:`Verdict.text` from :func:`verdicts`, computed from the
same trials table, so they cannot disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.analysis.anytime import align, best_so_far
from pipeline.analysis.stats import Budget, budget_for, compare_pairs, count, paired_table, speedup
from pipeline.trial_states import FINISHED_NAMES

ALPHA = 0.05
POWER = 0.8
WILCOXON_EFFICIENCY = 3 / math.pi  # asymptotic relative efficiency of Wilcoxon vs the paired t-test
MIN_SEEDS_FOR_SIGNIFICANCE = 6  # the exact two-sided test's smallest p, 2 / 2^n, is below 0.05 from n = 6
N_RESAMPLES = 2000


@dataclass(frozen=True)
class Verdict:
    """One sampler against the baseline at full budget. ``text`` is what every view prints."""

    sampler: str
    baseline: str
    n_pairs: int
    wins: int  # seeds where the sampler's final best was lower
    ties: int
    losses: int
    median_difference: float  # median over seeds of (sampler − baseline) final best; negative: sampler better
    ci_low: float  # bootstrap 95% CI of that median (NaN with fewer than 3 seeds)
    ci_high: float
    p_value: float  # Wilcoxon signed-rank, two-sided; NaN when every seed tied
    smallest_p: float  # the lowest p possible with this many untied seeds
    identical: bool  # both arms ran the very same trials on every seed: tied by design
    seeds_needed: int | None  # seeds for an 80% chance of p < 0.05 at the observed effect size
    bottom_line: str
    text: str

    @property
    def significant(self) -> bool:
        return bool(self.p_value < ALPHA)

    def __str__(self) -> str:
        return self.text


def verdicts(
    trials: pd.DataFrame, *, baseline: str, budget: Budget, speedups: pd.DataFrame | None = None
) -> list[Verdict]:
    """A :class:`Verdict` per sampler other than ``baseline``, from :func:`~pipeline.analysis.tables.load_trials`.

    ``speedups`` is :func:`~pipeline.analysis.stats.speedup` of the same trials when already computed.
    """
    samplers = sorted(set(trials.sampler)) if len(trials) else []
    if baseline not in samplers or len(samplers) < 2:
        return []
    curves = best_so_far(trials)
    aligned = align(curves, "trial")
    speedups = speedup(curves, baseline=baseline) if speedups is None else speedups
    return [
        one_verdict(trials, aligned, speedups, sampler=s, baseline=baseline, budget=budget)
        for s in samplers
        if s != baseline
    ]


def paired_differences(aligned_trials: pd.DataFrame, *, baseline: str, budget: Budget) -> pd.DataFrame:
    """Every sampler's per-seed pairs at full budget, stacked: the table each verdict is computed from.

    Columns: sampler, baseline, seed, best (the sampler's final best on that seed), baseline_best and
    difference (best − baseline_best: negative where the sampler won).
    """
    columns = ["sampler", "baseline", "seed", "best", "baseline_best", "difference"]
    samplers = dict.fromkeys(aligned_trials.columns.get_level_values("sampler")) if len(aligned_trials.columns) else {}
    frames = []
    for sampler in (s for s in samplers if s != baseline and baseline in samplers):
        pairs = paired_table(aligned_trials, sampler=sampler, baseline=baseline, budget=budget)
        frames.append(
            pairs.rename(columns={sampler: "best", baseline: "baseline_best"}).assign(
                sampler=sampler, baseline=baseline
            )
        )
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def one_verdict(
    trials: pd.DataFrame, aligned: pd.DataFrame, speedups: pd.DataFrame, *, sampler: str, baseline: str, budget: Budget
) -> Verdict:
    budget = budget_for(budget, sampler, baseline)
    pairs = paired_table(aligned, sampler=sampler, baseline=baseline, budget=budget)
    result = compare_pairs(pairs[sampler], pairs[baseline])
    differences = pairs.difference.to_numpy(float)
    low, high = median_ci(differences)
    identical = identical_arms(trials, sampler, baseline)
    needed = None if identical or result["p_value"] < ALPHA else seeds_needed(differences)
    fields = dict(
        sampler=sampler,
        baseline=baseline,
        n_pairs=result["n_pairs"],
        wins=result["wins"],
        ties=result["ties"],
        losses=result["losses"],
        median_difference=result["median_difference"],
        ci_low=low,
        ci_high=high,
        p_value=result["p_value"],
        smallest_p=result["smallest_p"],
        identical=identical,
        seeds_needed=needed,
    )
    bottom = bottom_line(**fields, direction=signed_rank_sum(differences))
    details = (
        []
        if identical or not result["n_pairs"]
        else detail_phrases(
            pairs, speedups[(speedups.sampler == sampler) & (speedups.axis == "trial")], budget=budget, **fields
        )
    )
    return Verdict(**fields, bottom_line=bottom, text="; ".join([bottom, *details]))


def bottom_line(
    *,
    sampler: str,
    baseline: str,
    n_pairs: int,
    wins: int,
    ties: int,
    losses: int,
    p_value: float,
    identical: bool,
    direction: float = 0.0,
    **_,
) -> str:
    """``tpe vs random: better on 9 of 10 seeds, Wilcoxon p = 0.006`` and the like: the paired result in words.

    ``direction`` is the signed-rank sum of the differences (negative: the sampler's losses were lower), which
    is what the Wilcoxon test weighs — not the bare win / loss counts."""
    who = f"{sampler} vs {baseline}"
    if n_pairs == 0:
        return f"{who}: no seed where both completed a trial, nothing to compare"
    seeds = count(n_pairs, "seed")
    if identical:
        return (
            f"{who}: tied by design, identical trials on all {seeds} ({sampler} never sampled differently, "
            f"e.g. TPE still in its random startup trials); no speedup"
        )
    if np.isnan(p_value):
        return f"{who}: no difference, every one of the {seeds} tied"
    if p_value < ALPHA:
        side, n = ("better", wins) if direction < 0 else ("worse", losses)
        return f"{who}: {side} on {n} of {seeds}, Wilcoxon p = {p_value:.2g}"
    return (
        f"{who}: no significant difference at {seeds} (lower best validation loss on {wins}, higher on "
        f"{losses}, tied on {ties}; Wilcoxon p = {p_value:.2g})"
    )


def detail_phrases(
    pairs: pd.DataFrame,
    trial_speedup: pd.DataFrame,
    *,
    budget: int,
    sampler: str,
    baseline: str,
    median_difference: float,
    ci_low: float,
    ci_high: float,
    smallest_p: float,
    seeds_needed: int | None,
    ties: int,
    n_pairs: int,
    **_,
) -> list[str]:
    reference = float(pairs[baseline].median())
    relative = f" ({median_difference / abs(reference):+.1%} of {baseline}'s median best)" if reference else ""
    interval = f" [95% CI {signed(ci_low)} to {signed(ci_high)}]" if np.isfinite(ci_low) else ""
    phrases = [f"median paired difference in best validation loss {signed(median_difference)}{relative}{interval}"]
    if smallest_p > ALPHA:
        phrases.append(f"with {count(n_pairs - ties, 'untied seed')} p cannot go below {smallest_p:.3g}")
    if seeds_needed is not None and seeds_needed > n_pairs:
        phrases.append(f"a difference this size needs about {seeds_needed} seeds for an 80% chance of p < 0.05")
    phrases.append(speedup_phrase(trial_speedup, sampler=sampler, baseline=baseline, budget=budget))
    return phrases


def signed(value: float) -> str:
    """``-0.0152``, ``+0.013``, ``0``."""
    return "0" if value == 0 else f"{value:+.3g}"


def speedup_phrase(row: pd.DataFrame, *, sampler: str, baseline: str, budget: int) -> str:
    if row.empty:
        return "no speedup: no baseline result to aim at"
    r = row.iloc[0]
    target = f"{baseline}'s median final best ({r.target:.4g})"
    if not r.reached:
        return f"{sampler}'s median best-so-far never reached {target} within {budget} trials"
    low = "not reached" if r.ci_low == 0 else f"{r.ci_low:.2g}×"
    interval = f" [95% CI {low} to {r.ci_high:.2g}×]" if np.isfinite(r.ci_high) else ""
    return (
        f"median best-so-far reached {target} after {r.needed:.0f} trials for {sampler}, "
        f"{r.baseline_needed:.0f} for {baseline}: {r.speedup:.2g}× as fast{interval}"
    )


def signed_rank_sum(differences: np.ndarray) -> float:
    """W+ − W− over the non-zero differences, ranked by size (ties share ranks), as Wilcoxon ranks them."""
    nonzero = differences[differences != 0]
    if not len(nonzero):
        return 0.0
    ranks = stats.rankdata(np.abs(nonzero))
    return float(ranks[nonzero > 0].sum() - ranks[nonzero < 0].sum())


def median_ci(differences: np.ndarray, *, rng: int = 0) -> tuple[float, float]:
    """Percentile bootstrap 95% CI of the median over seeds; NaN with fewer than 3 seeds."""
    if len(differences) < 3:
        return np.nan, np.nan
    draws = np.random.default_rng(rng).integers(0, len(differences), (N_RESAMPLES, len(differences)))
    medians = np.median(differences[draws], axis=1)
    low, high = np.quantile(medians, [0.025, 0.975])
    return float(low), float(high)


def seeds_needed(differences: np.ndarray) -> int | None:
    """Seeds for an 80% chance that a two-sided Wilcoxon test gives p < 0.05, at the observed effect size.

    The paired t-test's normal approximation, n = ((z_{1-α/2} + z_{power}) / d)², with d the mean difference
    over its standard deviation, divided by Wilcoxon's efficiency (3/π); never fewer than the 6 untied seeds
    the exact test needs. None when no difference was observed (more seeds would not show one).
    """
    if len(differences) < 2:
        return None
    spread = float(np.std(differences, ddof=1))
    mean = float(np.mean(differences))
    if mean == 0:
        return None
    if spread == 0:
        return MIN_SEEDS_FOR_SIGNIFICANCE  # every seed moved the same way by the same amount
    effect = abs(mean) / spread
    z = stats.norm.ppf(1 - ALPHA / 2) + stats.norm.ppf(POWER)
    return max(MIN_SEEDS_FOR_SIGNIFICANCE, math.ceil((z / effect) ** 2 / WILCOXON_EFFICIENCY))


def identical_arms(trials: pd.DataFrame, sampler: str, baseline: str) -> bool:
    """Whether, on every seed both ran, the two arms' finished trials had the same parameters and results."""
    finished = trials[trials.state.isin(FINISHED_NAMES)]
    columns = ["number", "state", "value", *sorted(c for c in trials.columns if c.startswith("params_"))]
    ours, theirs = finished[finished.sampler == sampler], finished[finished.sampler == baseline]
    seeds = sorted(set(ours.seed) & set(theirs.seed))
    if not seeds:
        return False
    for seed in seeds:
        a = ours[ours.seed == seed][columns].reset_index(drop=True)
        b = theirs[theirs.seed == seed][columns].reset_index(drop=True)
        if not a.equals(b):
            return False
    return True
