"""Objective modules: each has ``suggest(trial) -> params`` (the only code that calls ``trial.suggest_*``)
and ``build(params, input_shape, n_classes) -> nn.Module``. ``params.training`` says how to train.

Write your own with the same two functions and pass the module as a study's ``objective``. Two optional
names serve the grid arm (``--samplers ...,grid``) and ``tune lr-find``: ``DEFAULTS``, every parameter's
default value, and ``GRID``, the few parameters the grid varies with their values.
"""

from __future__ import annotations

from math import prod
from types import ModuleType
from typing import Any, Protocol

import optuna
from torch import nn

from pipeline.errors import UsageError
from pipeline.objectives import cnn, mlp, optuna_example_mlp

BUILT_IN: dict[str, ModuleType] = {"mlp": mlp, "cnn": cnn, "optuna_example_mlp": optuna_example_mlp}


class ObjectiveModule(Protocol):
    def suggest(self, trial: optuna.Trial) -> Any: ...

    def build(self, params: Any, input_shape: tuple[int, ...], n_classes: int) -> nn.Module: ...


def defaults_of(module: ModuleType) -> dict[str, Any]:
    """The module's ``DEFAULTS`` (every parameter it suggests), or a UsageError saying how to declare them."""
    defaults = getattr(module, "DEFAULTS", None)
    if not isinstance(defaults, dict):
        raise UsageError(
            f"objective {_name(module)!r} declares no DEFAULTS: add DEFAULTS = {{parameter: value, ...}} for every "
            "parameter its suggest() asks for (see pipeline/objectives/mlp.py)"
        )
    return dict(defaults)


def grid_of(module: ModuleType) -> dict[str, list]:
    """The grid arm's search space: every default as a one-value list, the module's ``GRID`` over them."""
    grid = getattr(module, "GRID", None)
    if not isinstance(grid, dict) or not grid:
        raise UsageError(
            f"objective {_name(module)!r} declares no GRID for the grid sampler: add GRID = {{parameter: [values], "
            "...}} (and DEFAULTS for the rest; see pipeline/objectives/mlp.py), or leave grid out of --samplers"
        )
    defaults = defaults_of(module)
    unknown = sorted(set(grid) - set(defaults))
    if unknown:
        raise UsageError(f"objective {_name(module)!r}: GRID names {unknown[0]!r}, which DEFAULTS lacks")
    return {name: [value] for name, value in defaults.items()} | {name: list(values) for name, values in grid.items()}


def grid_size(module: ModuleType) -> int:
    return prod(len(values) for values in grid_of(module).values())


def _name(module: ModuleType) -> str:
    return getattr(module, "__name__", repr(module)).rsplit(".", 1)[-1]


__all__ = ["BUILT_IN", "ObjectiveModule", "cnn", "defaults_of", "grid_of", "grid_size", "mlp", "optuna_example_mlp"]
