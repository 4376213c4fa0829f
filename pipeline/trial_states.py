"""Which trial states count for what, defined once (as Optuna states, and as the names tables hold); and
where a trial keeps its per-epoch training losses."""

from __future__ import annotations

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


def train_losses(trial: FrozenTrial) -> list[float]:
    return list(trial.system_attrs.get(TRAIN_LOSS) or trial.user_attrs.get(TRAIN_LOSS) or [])


def val_metrics(trial: FrozenTrial) -> list[float]:
    return list(trial.system_attrs.get(VAL_METRIC) or [])


def val_losses(trial: FrozenTrial) -> list[float]:
    """The validation loss after each epoch, in epoch order."""
    return [trial.intermediate_values[step] for step in sorted(trial.intermediate_values)]
