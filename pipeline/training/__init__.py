"""Training: plain PyTorch (no optuna) — optimizer, schedule, and an epoch-at-a-time loop."""

from pipeline.training.early_stopping import EarlyStopping
from pipeline.training.loop import Diverged, EpochResult, Training, evaluate, fit, train_epoch
from pipeline.training.params import OPTIMIZERS, SCHEDULES, TrainingParams

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "Diverged",
    "EarlyStopping",
    "EpochResult",
    "Training",
    "TrainingParams",
    "evaluate",
    "fit",
    "train_epoch",
]
