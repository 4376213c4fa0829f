"""Objective module: a multi-layer perceptron with tuned depth, width, dropout and activation."""

from dataclasses import dataclass
from math import prod

import optuna
from torch import nn

from pipeline.models import ACTIVATIONS, MLP
from pipeline.objectives import training_space
from pipeline.objectives.training_space import suggest_training
from pipeline.training import TrainingParams

# Every parameter's default, and the grid the grid arm searches: 3 learning rates × 3 batch sizes × 3
# widths = 27 trials, everything else at its default.
DEFAULTS = {**training_space.DEFAULTS, "depth": 2, "width": 64, "dropout": 0.1, "activation": "relu"}
GRID = {"lr": [1e-3, 3e-3, 1e-2], "batch_size": [32, 64, 128], "width": [32, 64, 128]}


@dataclass(frozen=True)
class MLPParams:
    training: TrainingParams
    depth: int  # hidden layers
    width: int  # units per hidden layer
    dropout: float
    activation: str


def suggest(trial: optuna.Trial) -> MLPParams:
    return MLPParams(
        training=suggest_training(trial),
        depth=trial.suggest_int("depth", 1, 3),
        width=trial.suggest_int("width", 16, 256, log=True),
        dropout=trial.suggest_float("dropout", 0.0, 0.5),
        activation=trial.suggest_categorical("activation", tuple(ACTIVATIONS)),
    )


def build(params: MLPParams, input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    return MLP(
        in_features=prod(input_shape),
        n_classes=n_classes,
        hidden=[params.width] * params.depth,
        dropout=params.dropout,
        act=params.activation,
    )
