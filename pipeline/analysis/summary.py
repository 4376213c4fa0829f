"""Per-study bests, the per-sampler table over seeds, and a plain verdict against a baseline sampler.

Only COMPLETE trials compete for "best": a pruned trial's value is an intermediate one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def best_per_study(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per (sampler, seed): best value and its validation accuracy, pruned share, epochs, time."""
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
                "finished": len(finished),
                "pruned_fraction": (finished.state == "PRUNED").mean() if len(finished) else np.nan,
                "epochs_run": int(group.epochs_run.sum()),
                "wall_seconds": float(group.duration_s.fillna(0).sum()),
            }
        )
    return pd.DataFrame(rows)


def sampler_table(best: pd.DataFrame) -> pd.DataFrame:
    """Per sampler, over seeds: median and quartiles of best value and its accuracy, and the costs."""

    def quartiles(column: str) -> pd.DataFrame:
        q = best.groupby("sampler")[column].quantile([0.25, 0.5, 0.75]).unstack()
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


def verdict(best: pd.DataFrame, *, baseline: str = "random") -> list[str]:
    """One sentence per sampler against ``baseline``: median best values, relative change, paired wins."""
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
        wins, losses = int((paired[sampler] < paired[baseline]).sum()), int((paired[sampler] > paired[baseline]).sum())
        better = "better than" if ours < theirs else "worse than" if ours > theirs else "level with"
        lines.append(
            f"{sampler} did {better} {baseline}: median best validation loss {ours:.4g} vs {theirs:.4g} "
            f"({abs(change):.1%} {'lower' if change < 0 else 'higher'}); "
            f"{sampler} won {wins}, lost {losses}, tied {len(paired) - wins - losses} of {len(paired)} paired seeds"
        )
    return lines
