"""Per-study bests, the per-sampler table over seeds, and a plain verdict against a baseline sampler.

Only COMPLETE trials compete for "best": a pruned trial's value is an intermediate one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analysis.stats import count, paired_counts

BEST_COLUMNS = [
    "sampler", "seed", "best_value", "best_val_accuracy", "best_number", "finished", "pruned",
    "pruned_fraction", "epochs_run", "wall_seconds",
]


def best_per_study(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per (sampler, seed): best value, its trial and accuracy, pruned share, epochs, time."""
    rows = []
    for (sampler, seed), group in trials.groupby(["sampler", "seed"], sort=True):
        complete = group[group.state == "COMPLETE"]
        finished = group[group.state.isin(["COMPLETE", "PRUNED"])]
        best = complete.loc[complete.value.idxmin()] if len(complete) else None
        rows.append(
            {
                "sampler": sampler,
                "seed": seed,
                "best_value": best.value if best is not None else np.nan,
                "best_val_accuracy": best.val_accuracy if best is not None else np.nan,
                "best_number": best.number if best is not None else np.nan,
                "finished": len(finished),
                "pruned": int((finished.state == "PRUNED").sum()),
                "pruned_fraction": (finished.state == "PRUNED").mean() if len(finished) else np.nan,
                "epochs_run": int(group.epochs_run.sum()),
                "wall_seconds": float(group.duration_s.fillna(0).sum()),
            }
        )
    frame = pd.DataFrame(rows, columns=BEST_COLUMNS)
    return frame if rows else frame.astype({c: float for c in BEST_COLUMNS[2:]})  # so statistics of none work


def sampler_table(best: pd.DataFrame) -> pd.DataFrame:
    """Per sampler, over seeds: median and quartiles of best value and its accuracy, and the costs."""

    def quartiles(column: str) -> pd.DataFrame:
        q = best.groupby("sampler")[column].quantile([0.25, 0.5, 0.75]).unstack().reindex(columns=[0.25, 0.5, 0.75])
        return q.set_axis([f"{column}_q1", f"{column}_median", f"{column}_q3"], axis=1)

    table = pd.concat(
        [
            best.groupby("sampler").seed.nunique().rename("seeds"),
            quartiles("best_value"),
            quartiles("best_val_accuracy"),
            best.groupby("sampler").pruned_fraction.mean(),
            best.groupby("sampler").epochs_run.median().rename("epochs_run_median"),
            best.groupby("sampler").wall_seconds.median().rename("wall_seconds_median"),
        ],
        axis=1,
    )
    return table.reset_index()


def pruning_table(best: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    """Per sampler, summed over seeds: pruned share of finished trials, and epochs trained against the
    no-pruning budget (every finished trial trained for the study's full ``max_epochs``)."""
    max_epochs = trials.groupby(["sampler", "seed"]).max_epochs.max().rename("max_epochs")
    per_seed = best.join(max_epochs, on=["sampler", "seed"])
    per_seed["no_pruning_epochs"] = per_seed.finished * per_seed.max_epochs
    table = per_seed.groupby("sampler", sort=True).agg(
        seeds=("seed", "nunique"), finished=("finished", "sum"), pruned=("pruned", "sum"),
        epochs_run=("epochs_run", "sum"), no_pruning_epochs=("no_pruning_epochs", "sum"),
    )
    table["pruned_fraction"] = table.pruned / table.finished.where(table.finished > 0)
    table["epochs_saved"] = 1 - table.epochs_run / table.no_pruning_epochs.where(table.no_pruning_epochs > 0)
    return table.reset_index()


def verdict(
    best: pd.DataFrame,
    *,
    baseline: str = "random",
    speedup: pd.DataFrame | None = None,
    tests: pd.DataFrame | None = None,
) -> list[str]:
    """One line per sampler against ``baseline``, from the per-seed bests of :func:`best_per_study`.

    Given the :func:`~pipeline.analysis.stats.speedup` and :func:`~pipeline.analysis.stats.paired_tests`
    tables, the line opens with how soon the sampler reached the baseline's final best and the Wilcoxon
    p-value at full budget; then win / tie / loss counts over paired seeds and the median best values.
    """
    if baseline not in set(best.sampler):
        return [f"no {baseline!r} arm to compare against"]
    pivot = best.pivot(index="seed", columns="sampler", values="best_value")
    lines = []
    for sampler in [s for s in pivot.columns if s != baseline]:
        paired = pivot[[sampler, baseline]].dropna()
        if paired.empty:
            lines.append(f"{sampler}: no seed where both {sampler} and {baseline} completed a trial")
            continue
        ours, theirs = paired[sampler].median(), paired[baseline].median()
        change = (ours - theirs) / abs(theirs) if theirs else np.nan
        wins, ties, losses = paired_counts(paired[sampler], paired[baseline])
        better = "better than" if ours < theirs else "worse than" if ours > theirs else "level with"
        parts = [f"{sampler} did {better} {baseline}"]
        if speedup is not None and tests is not None:
            parts = [reach_phrase(speedup, sampler, baseline), p_phrase(tests, sampler)]
        parts.append(f"W/T/L {wins}/{ties}/{losses} (paired seeds: {len(paired)})")
        direction = "lower" if change < 0 else "higher"
        parts.append(
            f"median best validation loss {ours:.4g} for both" if ours == theirs
            else f"median best validation loss {ours:.4g} vs {theirs:.4g} ({abs(change):.1%} {direction})"
        )
        lines.append("; ".join(parts))
    return lines


def reach_phrase(speedup: pd.DataFrame, sampler: str, baseline: str) -> str:
    rows = speedup[speedup.sampler == sampler].set_index("axis")
    if "trial" not in rows.index:
        return f"{sampler}: no {baseline} result to measure a speedup against"
    trial = rows.loc["trial"]
    if not trial.reached:
        return f"{sampler} did not reach {baseline}'s final best ({trial.target:.4g}) within its budget"
    phrase = (
        f"{sampler} reached {baseline}'s final best ({trial.target:.4g}) in {trial.needed:.0f} trials, "
        f"{times(trial.speedup)}"
    )
    epochs = rows.loc["epochs"]
    return phrase + (f" ({times(epochs.speedup)} in epochs)" if epochs.reached else " (not reached in epochs)")


def times(speedup: float) -> str:
    """``2.5× faster`` / ``1.3× slower``."""
    if not np.isfinite(speedup) or speedup <= 0:
        return "speedup undefined"
    return f"{speedup:.1f}× faster" if speedup >= 1 else f"{1 / speedup:.1f}× slower"


def p_phrase(tests: pd.DataFrame, sampler: str) -> str:
    full = tests[(tests.sampler == sampler) & (tests.fraction == 1.0)]
    if full.empty:
        return "no test at full budget"
    row = full.iloc[0]
    if np.isnan(row.p_value):
        return f"no Wilcoxon test at full budget ({row.note})"
    floor = f" (with {count(row.n_pairs - row.ties, 'untied seed')} it cannot go below {row.smallest_p:.3g})"
    return f"Wilcoxon p = {row.p_value:.3g} at full budget" + (floor if row.smallest_p > 0.05 else "")
