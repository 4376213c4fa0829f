"""Anytime performance: best-so-far curves per arm on three budget axes, aligned, then aggregated per sampler.

An arm is one (sampler, seed) study. Its best-so-far is the lowest COMPLETE value among its finished
trials so far (a pruned trial's value is an intermediate one, so it never counts as a result). The three
axes are the ways a budget can be spent: finished trials, epochs trained (the compute-fair axis once
pruning is on) and trial seconds.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.trial_states import FINISHED_NAMES

AXES = {"trial": "trials finished", "epochs": "epochs trained", "seconds": "trial seconds"}
CURVE_COLUMNS = ["sampler", "seed", "number", "state", "trial", "epochs", "seconds", "value", "best"]
STAT_COLUMNS = ["n_seeds", "median", "q1", "q3", "iqm", "iqm_low", "iqm_high"]
CONFIDENCE = 0.95
N_RESAMPLES = 2000


def best_so_far(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per finished trial of each arm, in trial order, with its position on every axis.

    ``trial`` counts finished trials (1, 2, …: the budget's unit), ``epochs`` and ``seconds`` are what the
    study had consumed by the end of that trial, ``value`` is the trial's value when COMPLETE (else NaN),
    and ``best`` the lowest such value so far (NaN until the arm's first complete trial).
    """
    finished = trials[trials.state.isin(FINISHED_NAMES)].sort_values(["sampler", "seed", "number"])
    arms = [finished.sampler, finished.seed]
    value = finished.value.where(finished.state == "COMPLETE").astype(float)
    curves = pd.DataFrame(
        {
            "sampler": finished.sampler,
            "seed": finished.seed,
            "number": finished.number,
            "state": finished.state,
            "trial": finished.groupby(["sampler", "seed"]).cumcount() + 1,
            "epochs": finished.cum_epochs.astype(float),
            "seconds": finished.cum_seconds.astype(float),
            "value": value,
            # fmin skips NaN, so a pruned trial carries the best so far forward
            "best": value.groupby(arms).transform(lambda v: np.fmin.accumulate(v.to_numpy())),
        },
        columns=CURVE_COLUMNS,
    )
    return curves.reset_index(drop=True)


def align(curves: pd.DataFrame, axis: str) -> pd.DataFrame:
    """Every arm's best-so-far on one shared grid of ``axis``: index = grid, columns = (sampler, seed).

    The grid is the union of all arms' points, so the step functions are exact there. At a grid point an
    arm shows its best among trials finished by then: NaN before its first result, and its final best
    after its last trial (an arm that spent less has stopped; what it found stands).
    """
    if axis not in AXES:
        raise ValueError(f"unknown axis {axis!r} (choose from: {', '.join(AXES)})")
    grid = np.unique(curves[axis].to_numpy(float))
    columns = {}
    for arm, points in curves.groupby(["sampler", "seed"], sort=True):
        position = np.searchsorted(points[axis].to_numpy(float), grid, side="right") - 1
        best = points.best.to_numpy(float)
        columns[arm] = np.where(position >= 0, best[np.maximum(position, 0)], np.nan)
    aligned = pd.DataFrame(columns, index=pd.Index(grid, name=axis))
    aligned.columns = pd.MultiIndex.from_tuples(list(columns), names=["sampler", "seed"])
    return aligned


def iqm(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Interquartile mean: the mean of the middle half (``scipy.stats.trim_mean`` cutting 25% per side)."""
    return stats.trim_mean(values, 0.25, axis=axis)


def aggregate(aligned: pd.DataFrame, *, rng: int = 0) -> pd.DataFrame:
    """Per sampler at every grid point: median, quartiles, and the IQM with a bootstrap 95% CI over seeds.

    Seeds whose arm never completed a trial are left out. A point is summarized only once every other
    seed has a result there, so a curve never mixes different sets of seeds. With one seed there is no
    confidence interval (NaN).
    """
    x = aligned.index.name or "x"
    frames = []
    for sampler, block in aligned.T.groupby(level="sampler", sort=True):
        values = block.T.dropna(axis=1, how="all").to_numpy(float)  # points × seeds
        summary = pd.DataFrame(summarize(values, rng=rng), columns=STAT_COLUMNS)
        summary.insert(0, x, aligned.index.to_numpy())
        summary.insert(0, "sampler", sampler)
        frames.append(summary)
    if not frames:
        return pd.DataFrame(columns=["sampler", x, *STAT_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def summarize(values: np.ndarray, *, rng: int = 0) -> dict[str, np.ndarray]:
    """Column-wise statistics of a points × seeds matrix, NaN at points where some seed has no value."""
    points, seeds = values.shape
    out = {name: np.full(points, np.nan) for name in STAT_COLUMNS}
    out["n_seeds"] = (~np.isnan(values)).sum(axis=1)
    full = out["n_seeds"] == seeds if seeds else np.zeros(points, bool)
    if not full.any():
        return out
    rows = values[full]
    out["median"][full] = np.median(rows, axis=1)
    out["q1"][full], out["q3"][full] = np.quantile(rows, [0.25, 0.75], axis=1)
    out["iqm"][full] = iqm(rows)
    if seeds >= 2:
        with warnings.catch_warnings():  # identical values at a point: the interval is that value, no news
            warnings.simplefilter("ignore", stats.DegenerateDataWarning)
            interval = stats.bootstrap(
                (rows,),
                iqm,
                axis=-1,
                vectorized=True,
                n_resamples=N_RESAMPLES,
                confidence_level=CONFIDENCE,
                method="percentile",
                rng=np.random.default_rng(rng),
            ).confidence_interval
        out["iqm_low"][full], out["iqm_high"][full] = interval.low, interval.high
    return out


def anytime(curves: pd.DataFrame, *, rng: int = 0) -> pd.DataFrame:
    """:func:`aggregate` on every axis, stacked: columns ``axis``, ``sampler``, ``x`` and the statistics."""
    frames = []
    for axis in AXES:
        frame = aggregate(align(curves, axis), rng=rng).rename(columns={axis: "x"})
        frame.insert(0, "axis", axis)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def final_best(curves: pd.DataFrame) -> pd.DataFrame:
    """Per arm: its last point on every axis (what it spent) and its final best-so-far."""
    last = curves.groupby(["sampler", "seed"], sort=True).tail(1)
    return last[["sampler", "seed", "trial", "epochs", "seconds", "best"]].reset_index(drop=True)
