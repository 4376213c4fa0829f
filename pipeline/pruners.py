"""Pruners by name, with settings from the study script or ``--pruner NAME:key=value,...``."""

from __future__ import annotations

import inspect
from typing import Any

import optuna

from pipeline.errors import UsageError, choices_error

PRUNERS: dict[str, type[optuna.pruners.BasePruner]] = {
    "median": optuna.pruners.MedianPruner,
    "none": optuna.pruners.NopPruner,
    "percentile": optuna.pruners.PercentilePruner,
    "successive_halving": optuna.pruners.SuccessiveHalvingPruner,
    "hyperband": optuna.pruners.HyperbandPruner,
}
# Written out so the stored settings say what ran. Steps are epochs (the objective reports step=epoch).
DEFAULTS: dict[str, dict[str, Any]] = {
    "median": {"n_startup_trials": 5, "n_warmup_steps": 2, "interval_steps": 1},
    "none": {},
    "percentile": {"percentile": 25.0, "n_startup_trials": 5, "n_warmup_steps": 2, "interval_steps": 1},
    "successive_halving": {"min_resource": 1, "reduction_factor": 3, "min_early_stopping_rate": 0},
    "hyperband": {"min_resource": 1, "reduction_factor": 3},  # max_resource: the study's epochs
}


def pruner_settings(name: str, overrides: dict[str, Any], *, epochs: int) -> dict[str, Any]:
    """Defaults for ``name`` updated with ``overrides``; unknown keys are refused by name."""
    if name not in PRUNERS:
        raise choices_error("pruner", name, tuple(PRUNERS))
    allowed = [p for p in inspect.signature(PRUNERS[name]).parameters if p != "bootstrap_count"]
    unknown = sorted(set(overrides) - set(allowed))
    if unknown:
        raise UsageError(
            f"unknown setting {unknown[0]!r} for pruner {name!r} (allowed: {', '.join(allowed) or 'none'})"
        )
    settings = {**DEFAULTS[name], **overrides}
    if name == "hyperband":
        settings.setdefault("max_resource", epochs)
    make_pruner(name, settings)  # refuse bad values now, before anything is stored
    return settings


def make_pruner(name: str, settings: dict[str, Any]) -> optuna.pruners.BasePruner:
    try:
        return PRUNERS[name](**settings)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"bad setting for pruner {name!r}: {exc}") from None


def parse_pruner(text: str) -> tuple[str, dict[str, Any]]:
    """``"median:n_warmup_steps=3,n_startup_trials=5"`` → ``("median", {...})``; numbers become numbers."""
    name, _, rest = text.partition(":")
    settings: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"bad pruner setting {item!r} (write NAME:key=value,key=value)")
        settings[key.strip()] = _number(value.strip())
    return name.strip(), settings


def _number(value: str) -> Any:
    for convert in (int, float):
        try:
            return convert(value)
        except ValueError:
            pass
    return value
