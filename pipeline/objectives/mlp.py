"""Objective module: a multi-layer perceptron with tuned depth, width, dropout and activation."""

from dataclasses import dataclass
from math import prod

import optuna
from torch import nn

from pipeline.models import ACTIVATIONS, MLP
from pipeline.objectives.training_space import suggest_training
from pipeline.training import TrainingParams


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
