"""Pruners by name, with settings from the study script or ``--pruner NAME:key=value,...``."""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np
import optuna

from pipeline.errors import UsageError, choices_error
from pipeline.settings import expected_type, matches, parse_settings
from pipeline.trial_states import val_metrics


class MedianAccuracyPruner(optuna.pruners.BasePruner):
    """Prune a trial whose validation accuracy after an epoch is below the median accuracy of the complete
    trials after the same epoch — the pruner of our own that README 'Write your own pruner' walks through.

    Startup and warm-up work as MedianPruner's: no pruning before ``n_startup_trials`` trials are COMPLETE,
    nor before ``n_warmup_steps`` epochs, and a check every ``interval_steps`` epochs after that. Its input is
    not the trial's value (the validation loss, which Optuna's pruners read) but the accuracy the objective
    stores per epoch (the ``val_metric`` system attr; R² for regression, also higher-is-better). A trial
    without one at this epoch is never pruned, and a trial is only measured against trials that have one.
    """

    reads_metric = True  # the objective stores the validation metric before each check (run/trial.py)

    def __init__(self, n_startup_trials: int = 5, n_warmup_steps: int = 0, interval_steps: int = 1) -> None:
        if n_startup_trials < 0 or n_warmup_steps < 0 or interval_steps < 1:
            raise ValueError(
                "n_startup_trials and n_warmup_steps must be >= 0 and interval_steps >= 1, got "
                f"{n_startup_trials}, {n_warmup_steps}, {interval_steps}"
            )
        self.n_startup_trials = n_startup_trials
        self.n_warmup_steps = n_warmup_steps
        self.interval_steps = interval_steps

    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        step = trial.last_step
        if step is None or step < self.n_warmup_steps or (step - self.n_warmup_steps) % self.interval_steps:
            return False
        others = self.others_at(study, step)
        mine = val_metrics(trial)
        return bool(others) and step < len(mine) and mine[step] < float(np.median(others))

    def others_at(self, study: optuna.Study, step: int) -> list[float]:
        """The accuracies of the complete trials after epoch ``step + 1``; none before startup ends."""
        complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        if len(complete) < self.n_startup_trials:
            return []
        return [m[step] for m in map(val_metrics, complete) if step < len(m)]


class PatientMedianPruner(optuna.pruners.PatientPruner):
    """Optuna's PatientPruner around a MedianPruner: the median's verdict counts only once the trial's last
    ``patience + 1`` losses are all worse (by more than ``min_delta``) than its best before them."""

    def __init__(
        self,
        patience: int = 1,
        min_delta: float = 0.0,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 2,
        interval_steps: int = 1,
    ) -> None:
        median = optuna.pruners.MedianPruner(n_startup_trials, n_warmup_steps, interval_steps)
        super().__init__(median, patience, min_delta)


PRUNERS: dict[str, type[optuna.pruners.BasePruner]] = {
    "median": optuna.pruners.MedianPruner,
    "median-accuracy": MedianAccuracyPruner,
    "none": optuna.pruners.NopPruner,
    "patient": PatientMedianPruner,
    "percentile": optuna.pruners.PercentilePruner,
    "successive_halving": optuna.pruners.SuccessiveHalvingPruner,
    "hyperband": optuna.pruners.HyperbandPruner,
    "wilcoxon": optuna.pruners.WilcoxonPruner,
}
# Written out so the stored settings say what ran. Steps are epochs (the objective reports step=epoch).
DEFAULTS: dict[str, dict[str, Any]] = {
    "median": {"n_startup_trials": 5, "n_warmup_steps": 2, "interval_steps": 1},
    "median-accuracy": {"n_startup_trials": 5, "n_warmup_steps": 2, "interval_steps": 1},
    "none": {},
    "patient": {"patience": 1, "min_delta": 0.0, "n_startup_trials": 5, "n_warmup_steps": 2, "interval_steps": 1},
    "percentile": {"percentile": 25.0, "n_startup_trials": 5, "n_warmup_steps": 2, "interval_steps": 1},
    "successive_halving": {"min_resource": 1, "reduction_factor": 3, "min_early_stopping_rate": 0},
    "hyperband": {"min_resource": 1, "reduction_factor": 3},  # max_resource: the study's epochs
    "wilcoxon": {"p_threshold": 0.1, "n_startup_steps": 2},
}

# Settings whose type the signature's default does not show.
DECLARED_TYPES = {"max_resource": "an integer or 'auto'"}


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
    for key, value in overrides.items():
        expected = expected_type(PRUNERS[name], key, DECLARED_TYPES)
        if expected is not None and not matches(value, expected):
            raise UsageError(f"pruner {name!r} setting {key}={value!r}: expected {expected}")
    settings = {**DEFAULTS[name], **overrides}
    if name == "hyperband":
        settings.setdefault("max_resource", epochs)
    if name == "hyperband":
        _check_hyperband(settings)
    make_pruner(name, settings)  # refuse bad values now, before anything is stored
    return settings


def _check_hyperband(settings: dict[str, Any]) -> None:
    """HyperbandPruner accepts these and fails at the first trial's pruning check: refuse them here."""
    low, factor, high = settings["min_resource"], settings["reduction_factor"], settings["max_resource"]
    if low < 1:
        raise UsageError(f"pruner 'hyperband' setting min_resource={low}: expected an integer >= 1 (epochs)")
    if factor < 2:
        raise UsageError(f"pruner 'hyperband' setting reduction_factor={factor}: expected an integer >= 2")
    if high != "auto" and high < low:
        raise UsageError(
            f"pruner 'hyperband' setting max_resource={high}: expected 'auto' or an integer >= min_resource ({low})"
        )


def make_pruner(name: str, settings: dict[str, Any]) -> optuna.pruners.BasePruner:
    try:
        with warnings.catch_warnings():  # patient and wilcoxon are "experimental" in Optuna: known, and chosen
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return PRUNERS[name](**settings)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"bad setting for pruner {name!r}: {exc}") from None


def first_prunable_step(name: str, settings: dict[str, Any]) -> int:
    """The first step (epoch) at which pruner ``name`` can answer "prune": the end of its warmup.
    Median, median-accuracy and percentile pruners say no before ``n_warmup_steps`` whatever the other trials did."""
    warmed = ("median", "median-accuracy", "percentile", "patient")
    return int(settings.get("n_warmup_steps", 0)) if name in warmed else 0


def reads_metric(name: str) -> bool:
    """Whether pruner ``name`` reads the validation metric per epoch (the objective then stores it each epoch)."""
    return getattr(PRUNERS[name], "reads_metric", False)


def parse_pruner(text: str) -> tuple[str, dict[str, Any]]:
    """``"median:n_warmup_steps=3,n_startup_trials=5"`` → ``("median", {...})``; numbers become numbers."""
    return parse_settings(text, what="pruner")


def explain_pruning(study: optuna.Study, *, step: int, values: list[float], metrics: list[float] = ()) -> str:
    """Why a trial that reported ``values`` (one per epoch) was just pruned at ``step``, for its ``end_reason``.

    Epochs are counted from 1 in what people read (``step`` 0 is "after epoch 1"), as everywhere else.

    For the median and percentile pruners this names the threshold, computed as they compute it: the
    percentile, over COMPLETE trials, of their validation losses at this step, against this trial's best
    loss so far. For :class:`MedianAccuracyPruner`, ``metrics`` (the accuracy per epoch) against its median.
    """
    pruner = study.pruner
    if isinstance(pruner, MedianAccuracyPruner):
        others = pruner.others_at(study, step)
        return (
            f"pruned after epoch {step + 1}: validation accuracy {metrics[-1]:.4g} is below the median "
            f"{float(np.median(others)):.4g} of {len(others)} complete trials after epoch {step + 1}"
            if metrics and others
            else f"pruned after epoch {step + 1} by MedianAccuracyPruner"
        )
    if not isinstance(pruner, optuna.pruners.PercentilePruner):
        return f"pruned after epoch {step + 1} by {type(pruner).__name__}: validation loss {values[-1]:.4g}"
    # MedianPruner is PercentilePruner(50); Optuna keeps the percentile private.
    percentile = 50.0 if isinstance(pruner, optuna.pruners.MedianPruner) else pruner._percentile
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    at_step = [t.intermediate_values[step] for t in complete if step in t.intermediate_values]
    maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
    best = max(values) if maximize else min(values)
    if not at_step:  # pruned for a NaN loss before any comparison: say what we know
        return f"pruned after epoch {step + 1}: validation loss {values[-1]:.4g}"
    threshold = float(np.nanpercentile(at_step, 100 - percentile if maximize else percentile))
    name = "median" if percentile == 50 else f"{percentile:g}th percentile"
    return (
        f"pruned after epoch {step + 1}: best validation loss so far {best:.4g} is {'below' if maximize else 'above'} "
        f"the {name} {threshold:.4g} of {len(at_step)} complete trials after epoch {step + 1}"
    )
