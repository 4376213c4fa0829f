"""Objective module: a small convolutional network with tuned blocks, channels, head width and dropout."""

from dataclasses import dataclass
from math import log2

import optuna
from torch import nn

from pipeline.models import ACTIVATIONS, CNN
from pipeline.objectives import training_space
from pipeline.objectives.training_space import suggest_training
from pipeline.training import TrainingParams

MAX_BLOCKS = 3  # 8×8 digits → 1×1 after three 2×2 poolings
# Every parameter's default, and the grid arm's grid: 3 learning rates × 3 batch sizes × 3 channel counts.
DEFAULTS = {
    **training_space.DEFAULTS,
    "n_blocks": 2,
    "channels": 32,
    "hidden": 128,
    "dropout": 0.25,
    "activation": "relu",
}
GRID = {"lr": [1e-3, 3e-3, 1e-2], "batch_size": [32, 64, 128], "channels": [16, 32, 64]}


@dataclass(frozen=True)
class CNNParams:
    training: TrainingParams
    n_blocks: int  # conv blocks, each halving the image side
    channels: int  # of the first block; doubles every block
    hidden: int  # units of the fully connected layer
    dropout: float
    activation: str


def suggest(trial: optuna.Trial) -> CNNParams:
    return CNNParams(
        training=suggest_training(trial),
        n_blocks=trial.suggest_int("n_blocks", 1, MAX_BLOCKS),
        channels=trial.suggest_categorical("channels", (16, 32, 64)),
        hidden=trial.suggest_int("hidden", 32, 256, log=True),
        dropout=trial.suggest_float("dropout", 0.0, 0.5),
        activation=trial.suggest_categorical("activation", tuple(ACTIVATIONS)),
    )


def build(params: CNNParams, input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    channels, height, width = input_shape
    return CNN(
        in_channels=channels,
        image_size=(height, width),
        n_classes=n_classes,
        n_blocks=min(params.n_blocks, int(log2(min(height, width)))),
        channels=params.channels,
        hidden=params.hidden,
        dropout=params.dropout,
        act=params.activation,
    )
