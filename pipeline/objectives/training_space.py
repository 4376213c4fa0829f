"""The training hyperparameters every objective module tunes first, shared so they mean the same everywhere."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import optuna

from pipeline.training import SCHEDULES, TrainingParams

BATCH_SIZES = (32, 64, 128, 256)
LR_RANGE = (1e-5, 1e-1)  # the learning rate's search range, unless a study narrows it (--lr-range)
_lr_range: ContextVar[tuple[float, float]] = ContextVar("lr_range", default=LR_RANGE)


@contextmanager
def lr_range(low_high: tuple[float, float] | None) -> Iterator[None]:
    """Within it, :func:`suggest_training` searches the learning rate in ``low_high`` (None: ``LR_RANGE``).
    The objective sets it around ``suggest``, so objective modules keep one signature."""
    token = _lr_range.set(tuple(low_high) if low_high else LR_RANGE)
    try:
        yield
    finally:
        _lr_range.reset(token)


# Where the grid arm holds what it does not vary, and what lr-find trains (objectives.defaults_of).
DEFAULTS = {"lr": 1e-3, "batch_size": 64, "optimizer": "adam", "weight_decay": 1e-5, "schedule": "none"}


def suggest_training(trial: optuna.Trial, *, batch_sizes: tuple[int, ...] = BATCH_SIZES) -> TrainingParams:
    """Learning rate and weight decay on log scales, batch size among powers of two, the optimizer
    (momentum only for SGD: define-by-run), and a learning-rate schedule stepped once per epoch."""
    low, high = _lr_range.get()
    lr = trial.suggest_float("lr", low, high, log=True)
    batch_size = trial.suggest_categorical("batch_size", batch_sizes)
    optimizer = trial.suggest_categorical("optimizer", ("sgd", "adam", "adamw"))
    momentum = trial.suggest_float("momentum", 0.5, 0.99) if optimizer == "sgd" else 0.0
    weight_decay = trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True)
    schedule = trial.suggest_categorical("schedule", SCHEDULES)
    return TrainingParams(
        lr=lr,
        batch_size=batch_size,
        optimizer=optimizer,
        momentum=momentum,
        weight_decay=weight_decay,
        schedule=schedule,
    )
