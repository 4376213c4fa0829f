"""Which trial states count for what, defined once (as Optuna states, and as the names tables hold); and
where a trial keeps its per-epoch training losses."""

from __future__ import annotations

from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)  # count toward a study's budget
CLAIMED = (*FINISHED, TrialState.RUNNING)  # what the gate counts before starting another trial
FINISHED_NAMES = tuple(state.name for state in FINISHED)  # in analysis tables: "COMPLETE", "PRUNED"

# A trial's training loss and validation metric per epoch are system attrs, not user attrs: optuna-dashboard
# prints every user attr on one unwrapped line, and a list of 20 floats made a trial's page 4,000 px wide. Its
# validation losses are its intermediate values. Trials stored before this kept their training and validation
# losses as user attrs; readers accept those too.
TRAIN_LOSS = "train_loss"
VAL_METRIC = "val_metric"  # accuracy, or R² for regression: what pruners.MedianAccuracyPruner reads


def store_epochs(trial: optuna.Trial | optuna.trial.FixedTrial, key: str, values: list[float]) -> None:
    """Set system attr ``key`` (TRAIN_LOSS or VAL_METRIC) to one value per epoch (nothing on a FixedTrial)."""
    if isinstance(trial, optuna.Trial):  # Optuna 5 dropped Trial.set_system_attr; its storage still has it
        trial.storage.set_trial_system_attr(trial._trial_id, key, values)


def store_attrs(trial: optuna.Trial, user: dict[str, Any], system: dict[str, Any] | None = None) -> None:
    """Set a running trial's ``user`` attrs and ``system`` attrs (e.g. TRAIN_LOSS) together.

    On a database (SQLite, PostgreSQL) they are written in one transaction: Optuna commits each
    ``set_user_attr`` on its own, and on SQLite every commit is a round trip of a few milliseconds. Elsewhere
    (the journal file appends one record per attr anyway, memory) one call each. Readers count a trial once it
    has ended, and its end (``tell``) comes after.
    """
    system = system or {}
    backend = getattr(trial.storage, "_backend", trial.storage)  # Optuna wraps an RDBStorage in a cache
    if isinstance(backend, optuna.storages.RDBStorage):
        from optuna.storages._rdb import models
        from optuna.storages._rdb.storage import _create_scoped_session
        from sqlalchemy.exc import IntegrityError

        writes = [(models.TrialUserAttributeModel, k, v) for k, v in user.items()]
        writes += [(models.TrialSystemAttributeModel, k, v) for k, v in system.items()]
        try:
            with _create_scoped_session(backend.scoped_session) as session:
                for model, key, value in writes:
                    backend._set_trial_attr_without_commit(session, model, trial._trial_id, key, value)
            trial._cached_frozen_trial.user_attrs.update(user)  # what Trial.set_user_attr keeps: trial.user_attrs
            return
        except IntegrityError:  # another process wrote one of these keys meanwhile: one at a time, as Optuna does
            pass
    for key, value in user.items():
        trial.set_user_attr(key, value)
    for key, value in system.items():
        trial.storage.set_trial_system_attr(trial._trial_id, key, value)


def train_losses(trial: FrozenTrial) -> list[float]:
    return list(trial.system_attrs.get(TRAIN_LOSS) or trial.user_attrs.get(TRAIN_LOSS) or [])


def val_metrics(trial: FrozenTrial) -> list[float]:
    return list(trial.system_attrs.get(VAL_METRIC) or [])


def val_losses(trial: FrozenTrial) -> list[float]:
    """The validation loss after each epoch, in epoch order."""
    return [trial.intermediate_values[step] for step in sorted(trial.intermediate_values)]
