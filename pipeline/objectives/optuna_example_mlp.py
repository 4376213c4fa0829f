"""Objective module: the search space of Optuna's official PyTorch example (``pytorch_simple.py``).

1–3 hidden layers of 4–128 units, each with its own dropout in [0.2, 0.5]; Adam, RMSprop or plain SGD;
learning rate in [1e-5, 1e-1] (log); batch size fixed at 128. The example trains on a small subset;
our studies use it on the full dataset.
"""

from dataclasses import dataclass
from math import prod

import optuna
from torch import nn

from pipeline.models import MLP
from pipeline.training import TrainingParams

BATCH_SIZE = 128


@dataclass(frozen=True)
class ExampleMLPParams:
    training: TrainingParams
    units: tuple[int, ...]
    dropouts: tuple[float, ...]


def suggest(trial: optuna.Trial) -> ExampleMLPParams:
    n_layers = trial.suggest_int("n_layers", 1, 3)
    units, dropouts = [], []
    for i in range(n_layers):
        units.append(trial.suggest_int(f"n_units_l{i}", 4, 128))
        dropouts.append(trial.suggest_float(f"dropout_l{i}", 0.2, 0.5))
    optimizer = trial.suggest_categorical("optimizer", ("Adam", "RMSprop", "SGD"))
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    return ExampleMLPParams(
        training=TrainingParams(lr=lr, batch_size=BATCH_SIZE, optimizer=optimizer.lower()),
        units=tuple(units),
        dropouts=tuple(dropouts),
    )


def build(params: ExampleMLPParams, input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    return MLP(in_features=prod(input_shape), n_classes=n_classes, hidden=params.units, dropout=params.dropouts)
