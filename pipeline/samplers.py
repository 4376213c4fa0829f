"""Samplers by name, with every setting written out so a comparison states exactly what it compared.

Optuna 5 changed TPE's defaults (multivariate on, constant liar on); we pass each value explicitly
and store the dict on the study, so a resumed study rebuilds the very same sampler.
"""

from __future__ import annotations

import warnings
from typing import Any

import optuna

from pipeline.errors import UsageError, choices_error

SAMPLERS = ("random", "tpe", "qmc", "cmaes", "gp")


def sampler_settings(name: str, seed: int) -> dict[str, Any]:
    """The keyword arguments for sampler ``name``, seed included."""
    if name == "random":
        return {"seed": seed}
    if name == "tpe":
        return {
            "n_startup_trials": 10,  # random trials before TPE models anything
            "n_ei_candidates": 24,
            "multivariate": True,  # joint density over parameters (Optuna 5's default, written out)
            "group": True,  # model define-by-run subspaces (momentum only for SGD) separately
            "constant_liar": True,  # only matters with parallel workers; Optuna 5's default
            "seed": seed,
        }
    if name == "qmc":
        return {"qmc_type": "sobol", "scramble": True, "seed": seed}
    if name == "cmaes":
        return {"n_startup_trials": 1, "seed": seed}
    if name == "gp":
        return {"n_startup_trials": 10, "seed": seed}
    raise choices_error("sampler", name, SAMPLERS)


def make_sampler(name: str, settings: dict[str, Any]) -> optuna.samplers.BaseSampler:
    classes = {
        "random": optuna.samplers.RandomSampler,
        "tpe": optuna.samplers.TPESampler,
        "qmc": optuna.samplers.QMCSampler,
        "cmaes": optuna.samplers.CmaEsSampler,
        "gp": optuna.samplers.GPSampler,
    }
    if name not in classes:
        raise choices_error("sampler", name, SAMPLERS)
    if name == "cmaes":
        _require("cmaes", "cmaes")
    with warnings.catch_warnings():
        # TPE's `group` is "experimental" in Optuna 5; we chose it knowingly and record it.
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return classes[name](**settings)


def _require(module: str, package: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise UsageError(f"this sampler needs the package {package!r}: .venv/bin/pip install {package}")
