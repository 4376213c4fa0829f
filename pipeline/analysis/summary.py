"""Per-study bests, the per-sampler table over seeds, the pruning table and each sampler's best trial.

Only COMPLETE trials compete for "best": a pruned trial's value is an intermediate one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.trial_states import FINISHED_NAMES

BEST_COLUMNS = [
    "sampler",
    "seed",
    "best_value",
    "best_val_metric",
    "best_number",
    "finished",
    "pruned",
    "pruned_fraction",
    "epochs_run",
    "wall_seconds",
]


def best_per_study(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per (sampler, seed): best value, its trial and accuracy, pruned share, epochs, time."""
    rows = []
    for (sampler, seed), group in trials.groupby(["sampler", "seed"], sort=True):
        complete = group[group.state == "COMPLETE"]
        finished = group[group.state.isin(FINISHED_NAMES)]
        best = complete.loc[complete.value.idxmin()] if len(complete) else None
        rows.append(
            {
                "sampler": sampler,
                "seed": seed,
                "best_value": best.value if best is not None else np.nan,
                "best_val_metric": best.val_metric if best is not None else np.nan,
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
            quartiles("best_val_metric"),
            best.groupby("sampler").pruned_fraction.mean(),
            best.groupby("sampler").epochs_run.median().rename("epochs_run_median"),
            best.groupby("sampler").wall_seconds.median().rename("wall_seconds_median"),
        ],
        axis=1,
    )
    return table.reset_index()


def pruning_table(best: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    """Per sampler, summed over seeds: pruned share of finished trials, and epochs trained against the
    no-pruning budget (every finished trial trained for the study's full ``max_epochs``). What was saved is
    split by who saved it: the pruner (PRUNED trials) and early stopping (COMPLETE trials that stopped
    before their last epoch), each as a share of that budget (``saved_by_pruning``,
    ``saved_by_early_stopping``; together ``epochs_saved``)."""
    max_epochs = trials.groupby(["sampler", "seed"]).max_epochs.max().rename("max_epochs")
    per_seed = best.join(max_epochs, on=["sampler", "seed"])
    per_seed["no_pruning_epochs"] = per_seed.finished * per_seed.max_epochs
    table = per_seed.groupby("sampler", sort=True).agg(
        seeds=("seed", "nunique"),
        finished=("finished", "sum"),
        pruned=("pruned", "sum"),
        epochs_run=("epochs_run", "sum"),
        no_pruning_epochs=("no_pruning_epochs", "sum"),
    )
    table["pruned_fraction"] = table.pruned / table.finished.where(table.finished > 0)
    table["epochs_saved"] = 1 - table.epochs_run / table.no_pruning_epochs.where(table.no_pruning_epochs > 0)
    finished = trials[trials.state.isin(FINISHED_NAMES)]
    saved = (finished.max_epochs - finished.epochs_run).clip(lower=0)
    early = finished.state.eq("COMPLETE") & finished.stopped_early.fillna(False).astype(bool)
    budget = table.no_pruning_epochs.where(table.no_pruning_epochs > 0)
    table["stopped_early"] = early.groupby(finished.sampler).sum().reindex(table.index, fill_value=0)
    for column, mask in (("saved_by_pruning", finished.state.eq("PRUNED")), ("saved_by_early_stopping", early)):
        table[column] = saved.where(mask, 0).groupby(finished.sampler).sum().reindex(table.index, fill_value=0) / budget
    return table.reset_index()


def best_trials(trials: pd.DataFrame) -> pd.DataFrame:
    """Per sampler, its best COMPLETE trial over all seeds: where it is (study, trial number), its value and
    accuracy, epochs and hyperparameters (``params``: a dict). The configuration to retrain."""
    complete = trials[trials.state == "COMPLETE"].dropna(subset=["value"])
    params = [c for c in trials.columns if c.startswith("params_")]
    rows = []
    for sampler, group in complete.groupby("sampler", sort=True):
        best = group.loc[group.value.idxmin()]
        rows.append(
            {
                "sampler": sampler,
                "study_name": best.study_name,
                "seed": best.seed,
                "number": int(best.number),
                "value": float(best.value),
                "val_metric": best.val_metric,
                "epochs_run": best.epochs_run,
                "params": {c.removeprefix("params_"): _plain(best[c]) for c in params if not _missing(best[c])},
            }
        )
    return pd.DataFrame(rows, columns=BEST_TRIAL_COLUMNS)


BEST_TRIAL_COLUMNS = ["sampler", "study_name", "seed", "number", "value", "val_metric", "epochs_run", "params"]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def distinct_values(trials: pd.DataFrame) -> pd.DataFrame:
    """How many distinct values of each hyperparameter each sampler tried: one row per parameter, one column
    per sampler, the median over its seeds of the distinct values among a study's finished trials. The grid
    tries k values of each parameter it varies and 1 of the rest; random search a new value of every
    continuous parameter in every trial — why grid search loses as dimensions grow."""
    params = [c for c in trials.columns if c.startswith("params_")]
    finished = trials[trials.state.isin(FINISHED_NAMES)]
    if finished.empty or not params:
        return pd.DataFrame(columns=["param"])
    per_study = finished.groupby(["sampler", "seed"])[params].nunique()
    table = per_study.groupby(level="sampler").median().T
    table.index = [name.removeprefix("params_") for name in table.index]
    trials_row = finished.groupby(["sampler", "seed"]).size().groupby(level="sampler").median()
    table = pd.concat([table, trials_row.to_frame("(finished trials)").T])
    return table.rename_axis("param").reset_index().rename_axis(columns=None)
