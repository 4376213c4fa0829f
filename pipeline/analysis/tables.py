"""Read a comparison back from storage as tidy tables: a row per trial, and a row per trial and epoch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import optuna
import pandas as pd

from pipeline.errors import UsageError
from pipeline.storage import Storage as StorageHandle
from pipeline.trial_states import train_losses

COLUMNS = [
    "study_name",
    "sampler",
    "seed",
    "number",
    "state",
    "value",
    "val_metric",
    "n_params",
    "epochs_run",
    "train_seconds",
    "duration_s",
    "end_reason",
    "stopped_early",
    "datetime_start",
    "datetime_complete",
    "cum_epochs",
    "cum_seconds",
    "budget",
    "max_epochs",
]  # then one ``params_<name>`` column per hyperparameter, as in Optuna's trials_dataframe()
EPOCH_COLUMNS = ["study_name", "sampler", "seed", "number", "state", "step", "epoch", "val_loss", "train_loss"]

Storage = str | StorageHandle | optuna.storages.BaseStorage  # a URL, our handle, or an opened Optuna storage


def opened(storage: Storage) -> optuna.storages.BaseStorage:
    """The Optuna storage behind any of the three (a handle opens once per process)."""
    if isinstance(storage, str):
        storage = StorageHandle(storage)
    return storage.open() if isinstance(storage, StorageHandle) else storage


STUDY_ATTRS = [
    "sampler",
    "seed",
    "trials",
    "epochs",
    "dataset",
    "objective",
    "pruner",
    "pruner_settings",
    "sampler_settings",
    "split_sizes",
    "config_hash",
    "versions",
    "task",
    "time_budget",
]


@dataclass(frozen=True)
class Tables:
    """A comparison as data: ``studies`` (one row per Optuna study, from its user attrs), ``trials``
    (one row per trial) and ``epochs`` (one row per reported epoch); ``handles`` are the loaded Optuna
    studies by name, for callers that read or write more (importances, notes) without loading again."""

    studies: pd.DataFrame
    trials: pd.DataFrame
    epochs: pd.DataFrame
    handles: dict[str, optuna.Study]


def comparison_studies(storage: Storage, study: str) -> list[optuna.study.StudySummary]:
    """The Optuna studies that belong to study script ``study``, found by their user attrs (not names)."""
    summaries = optuna.get_all_study_summaries(opened(storage), include_best_trial=False)
    return [s for s in summaries if s.user_attrs.get("study") == study]


def study_names(storage: Storage, study: str, *, where: str) -> list[str]:
    """Names of ``study``'s Optuna studies in ``storage``, or a ``UsageError`` saying what is there."""
    names = [s.study_name for s in comparison_studies(storage, study)]
    if not names:
        summaries = optuna.get_all_study_summaries(opened(storage), include_best_trial=False)
        present = sorted({s.user_attrs["study"] for s in summaries if "study" in s.user_attrs})
        there = f"it holds: {', '.join(present)}" if present else "it holds no comparison"
        raise UsageError(f"no studies of {study!r} in {where} ({there}); run 'tune compare {study}' first")
    return names


def load_trials(storage: Storage, study_names: list[str]) -> pd.DataFrame:
    """One row per trial of the named studies, with the arm (sampler, seed) taken from study user attrs.

    ``cum_epochs`` and ``cum_seconds`` are the epochs trained and trial seconds spent in the study up to
    and including each trial (trial-number order): the compute-fair axes once pruning is on. Seconds are
    trial durations, which include the sampler's own time but not pauses between resumed runs.
    """
    return load_tables(storage, study_names).trials


def load_tables(storage: Storage, study_names: list[str]) -> Tables:
    """Both tables in one pass over storage."""
    storage = opened(storage)
    study_rows, trial_rows, epoch_rows, handles = [], [], [], {}
    for name in study_names:
        study = handles[name] = optuna.load_study(study_name=name, storage=storage)
        attrs = study.user_attrs
        study_rows.append({"study_name": name, **{key: attrs.get(key) for key in STUDY_ATTRS}})
        arm = {"study_name": name, "sampler": attrs.get("sampler"), "seed": attrs.get("seed")}
        for t in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number):
            trial_rows.append({**arm, **trial_row(t), "budget": attrs.get("trials"), "max_epochs": attrs.get("epochs")})
            epoch_rows.extend({**arm, "number": t.number, "state": t.state.name, **e} for e in epoch_records(t))
    params = sorted({key for row in trial_rows for key in row if key.startswith("params_")})
    trials = pd.DataFrame(trial_rows, columns=COLUMNS + params)
    if len(trials):
        # Columns of running trials are all None: make them numbers, or cumsum refuses the object dtype.
        for column in ("epochs_run", "duration_s", "train_seconds", "value", "val_metric"):
            trials[column] = pd.to_numeric(trials[column], errors="coerce").astype(float)
        by_study = trials.groupby("study_name", sort=False)
        trials["cum_epochs"] = by_study.epochs_run.cumsum()
        trials["cum_seconds"] = trials.duration_s.fillna(0.0).groupby(trials.study_name, sort=False).cumsum()
    studies = pd.DataFrame(study_rows, columns=["study_name", *STUDY_ATTRS])
    return Tables(
        studies=studies, trials=trials, epochs=pd.DataFrame(epoch_rows, columns=EPOCH_COLUMNS), handles=handles
    )


def trial_row(t: optuna.trial.FrozenTrial) -> dict:
    return {
        "number": t.number,
        "state": t.state.name,
        "value": t.value,
        "val_metric": t.user_attrs.get("val_accuracy", t.user_attrs.get("val_r2")),  # accuracy, or R² (regression)
        "n_params": t.user_attrs.get("n_params"),
        "epochs_run": t.user_attrs.get("epochs_run", len(t.intermediate_values)),
        "train_seconds": t.user_attrs.get("train_seconds"),
        "duration_s": t.duration.total_seconds() if t.duration is not None else None,
        "end_reason": t.user_attrs.get("end_reason"),
        "stopped_early": t.user_attrs.get("stopped_early") is not None,  # COMPLETE before its last epoch
        "datetime_start": t.datetime_start,
        "datetime_complete": t.datetime_complete,
        **{f"params_{k}": v for k, v in t.params.items()},
    }


def epoch_records(t: optuna.trial.FrozenTrial) -> list[dict]:
    """Per reported epoch: the intermediate value (validation loss) and, when stored, the training loss."""
    train = train_losses(t)
    return [
        {
            "step": step,
            "epoch": step + 1,  # epochs trained so far: the objective reports step = 0-based epoch index
            "val_loss": value,
            "train_loss": train[step] if step < len(train) else np.nan,
        }
        for step, value in sorted(t.intermediate_values.items())
    ]
