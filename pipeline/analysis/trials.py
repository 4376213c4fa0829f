"""Read a comparison back from storage as one tidy table: a row per trial."""

from __future__ import annotations

import optuna
import pandas as pd

COLUMNS = [
    "study_name", "sampler", "seed", "number", "state", "value", "val_accuracy",
    "epochs_run", "train_seconds", "duration_s", "end_reason",
]


def comparison_studies(storage: str | optuna.storages.BaseStorage, study: str) -> list[optuna.study.StudySummary]:
    """The Optuna studies that belong to study script ``study``, found by their user attrs (not names)."""
    summaries = optuna.get_all_study_summaries(storage, include_best_trial=False)
    return [s for s in summaries if s.user_attrs.get("study") == study]


def load_trials(storage: str | optuna.storages.BaseStorage, study_names: list[str]) -> pd.DataFrame:
    """One row per trial of the named studies, with the arm (sampler, seed) taken from study user attrs."""
    rows = []
    for name in study_names:
        study = optuna.load_study(study_name=name, storage=storage)
        sampler, seed = study.user_attrs.get("sampler"), study.user_attrs.get("seed")
        for t in study.get_trials(deepcopy=False):
            duration = t.duration.total_seconds() if t.duration is not None else None
            rows.append(
                {
                    "study_name": name,
                    "sampler": sampler,
                    "seed": seed,
                    "number": t.number,
                    "state": t.state.name,
                    "value": t.value,
                    "val_accuracy": t.user_attrs.get("val_accuracy"),
                    "epochs_run": t.user_attrs.get("epochs_run", 0),
                    "train_seconds": t.user_attrs.get("train_seconds"),
                    "duration_s": duration,
                    "end_reason": t.user_attrs.get("end_reason"),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)
