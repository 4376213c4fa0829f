"""Objective modules: each has ``suggest(trial) -> params`` (the only code that calls ``trial.suggest_*``)
and ``build(params, input_shape, n_classes) -> nn.Module``. ``params.training`` says how to train.

Write your own with the same two functions and pass the module as a study's ``objective``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Protocol

import optuna
from torch import nn

from pipeline.objectives import cnn, mlp, optuna_example_mlp

BUILT_IN: dict[str, ModuleType] = {"mlp": mlp, "cnn": cnn, "optuna_example_mlp": optuna_example_mlp}


class ObjectiveModule(Protocol):
    def suggest(self, trial: optuna.Trial) -> Any: ...

    def build(self, params: Any, input_shape: tuple[int, ...], n_classes: int) -> nn.Module: ...


__all__ = ["BUILT_IN", "ObjectiveModule", "cnn", "mlp", "optuna_example_mlp"]
