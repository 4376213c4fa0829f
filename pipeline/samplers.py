"""Samplers by name, with every setting written out so a comparison states exactly what it compared.

Optuna 5 changed TPE's defaults (multivariate on, constant liar on); we pass each value explicitly
and store the dict on the study, so a resumed study rebuilds the very same sampler.

**Sampling streams.** An Optuna sampler takes one seed when it is built, so every new process (a resume,
an extension, a worker, another ``tune compare`` on the same storage) would restart its random generator
and sample the parameter sets it sampled before. :class:`TrialStreams` gives each trial a stream of its
own instead: before trial ``n`` it rebuilds the sampler with the seed ``seeds.sampler_seed(seed, n)``.
Trial ``n`` of a study therefore samples the same way whichever process runs it, and no two trials of a
study share a stream. Random and TPE keep no state of their own between trials, and CMA-ES keeps its
state in the trials, so rebuilding them changes nothing else. GP refits its kernel from scratch each
trial (in one process Optuna would warm-start it from the previous fit): slower, and the same whichever
process runs the trial. QMC keeps the study seed for its scrambled sequence (the sequence's position is
stored in the study) and only its fallback sampler gets the per-trial stream. The grid keeps the study seed
too: trial n evaluates point n of the grid as that seed shuffled it, so every process agrees on the order.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial, TrialState

from pipeline.choices import SAMPLERS as CHOICES
from pipeline.errors import UsageError, choices_error
from pipeline.seeds import sampler_seed
from pipeline.settings import expected_type, matches, parse_settings

STREAMS = "per-trial"  # recorded on every study: how a trial's random draws are seeded (see TrialStreams)


@dataclass(frozen=True)
class SamplerKind:
    """One sampler we can build: its class (imported when needed), its settings, an optional package it needs."""

    cls: Callable[[], type[optuna.samplers.BaseSampler]]
    defaults: dict[str, Any]
    needs: str | None = None


REGISTRY: dict[str, SamplerKind] = {
    "random": SamplerKind(lambda: optuna.samplers.RandomSampler, {}),
    "tpe": SamplerKind(
        lambda: optuna.samplers.TPESampler,
        {
            "n_startup_trials": 10,  # random trials before TPE models anything
            "n_ei_candidates": 24,
            "multivariate": True,  # joint density over parameters (Optuna 5's default, written out)
            "group": True,  # model define-by-run subspaces (momentum only for SGD) separately
            "constant_liar": True,  # only matters with parallel workers; Optuna 5's default
        },
    ),
    "qmc": SamplerKind(lambda: optuna.samplers.QMCSampler, {"qmc_type": "sobol", "scramble": True}),
    "cmaes": SamplerKind(lambda: optuna.samplers.CmaEsSampler, {"n_startup_trials": 1}, needs="cmaes"),
    "gp": SamplerKind(lambda: optuna.samplers.GPSampler, {"n_startup_trials": 10}, needs="scipy"),
    # search_space: the objective module's grid (objectives.grid_of), filled in by StudySpec.arm
    "grid": SamplerKind(lambda: BudgetedGrid, {}),
}
SAMPLERS = CHOICES  # tuple(REGISTRY), spelled out in choices.py for a fast --help
# Settings a command line may change: plain values only (no callables, no other sampler objects).
OPTION_TYPES = (bool, int, float, str, type(None))
NOT_OPTIONS = {"seed", "search_space"}  # seeds: --seeds / --seed and the streams; the grid: the objective module
# Settings whose default is None but which take a plain value; other None-default settings take objects
# (callables, samplers, trials) that a command line cannot give.
PLAIN_WHEN_NONE = {
    "multivariate": "true or false",
    "consider_prior": "true or false",
    "prior_weight": "a number",
    "consider_magic_clip": "true or false",
    "consider_endpoints": "true or false",
    "warn_independent_sampling": "true or false",
    "sigma0": "a number",
    "popsize": "an integer",
    "restart_strategy": None,
}


def sampler_settings(name: str, seed: int, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The keyword arguments for sampler ``name``: its defaults, ``overrides`` on top, and the seed."""
    return {**kind_of(name).defaults, **(overrides or {}), "seed": seed}


def check_sampler_options(name: str, options: dict[str, Any]) -> None:
    """Refuse an unknown setting by name, and a value the sampler itself refuses, before anything is stored."""
    cls = kind_of(name).cls()
    allowed = [p for p in inspect.signature(cls).parameters if p not in NOT_OPTIONS and _plain_default(cls, p)]
    for key, value in options.items():
        if key not in allowed:
            raise UsageError(f"unknown setting {key!r} for sampler {name!r} (allowed: {', '.join(allowed)})")
        expected = expected_type(cls, key, PLAIN_WHEN_NONE)
        if expected is not None and not matches(value, expected):
            raise UsageError(f"sampler {name!r} setting {key}={value!r}: expected {expected}")
    require(name)
    try:
        _build(name, sampler_settings(name, 0, options))
    except (TypeError, ValueError) as exc:
        raise UsageError(f"bad setting for sampler {name!r}: {exc}") from None


def _plain_default(cls: type, parameter: str) -> bool:
    default = inspect.signature(cls).parameters[parameter].default
    if default is None:
        return parameter in PLAIN_WHEN_NONE
    return default is inspect.Parameter.empty or isinstance(default, OPTION_TYPES)


def make_sampler(name: str, settings: dict[str, Any]) -> TrialStreams:
    """Sampler ``name`` with ``settings`` (seed included), drawing a fresh stream for every trial."""
    require(name)
    seed = settings["seed"]
    if name == "qmc":  # the scrambled sequence must stay one sequence: only the fallback sampler is per trial

        def build(trial_seed: int) -> optuna.samplers.BaseSampler:
            fallback = optuna.samplers.RandomSampler(seed=trial_seed)
            return _build(name, {**settings, "independent_sampler": fallback})
    elif name == "grid":  # trial n takes point n of the grid shuffled by the study seed: one shuffle for all

        def build(trial_seed: int) -> optuna.samplers.BaseSampler:
            return _build(name, settings)
    else:

        def build(trial_seed: int) -> optuna.samplers.BaseSampler:
            return _build(name, {**settings, "seed": trial_seed})

    return TrialStreams(build, seed)


def _build(name: str, settings: dict[str, Any]) -> optuna.samplers.BaseSampler:
    with warnings.catch_warnings():
        # TPE's `group` is "experimental" in Optuna 5; we chose it knowingly and record it.
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return kind_of(name).cls()(**settings)


class BudgetedGrid(optuna.samplers.GridSampler):
    """Optuna's GridSampler, minus its ``study.stop()`` once every grid point has been visited: that call only
    works inside ``study.optimize``, and our budget (the grid's size) already ends the study."""

    def after_trial(self, study, trial, state, values) -> None:
        pass


class TrialStreams(optuna.samplers.BaseSampler):
    """A sampler rebuilt before every trial with a seed derived from (study seed, trial number).

    Every other call goes to the sampler built for the current trial. Optuna runs a study's trials one at
    a time in each process (we never use ``n_jobs``), so one current sampler per process is enough.
    """

    def __init__(self, build: Callable[[int], optuna.samplers.BaseSampler], seed: int) -> None:
        self._build = build
        self._seed = seed
        self._current = build(sampler_seed(seed, 0))

    @property
    def current(self) -> optuna.samplers.BaseSampler:
        return self._current

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._current = self._build(sampler_seed(self._seed, trial.number))
        self._current.before_trial(study, trial)

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return self._current.infer_relative_search_space(study, trial)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self._current.sample_relative(study, trial, search_space)

    def sample_independent(
        self, study: optuna.Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        return self._current.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(
        self, study: optuna.Study, trial: FrozenTrial, state: TrialState, values: list[float] | None
    ) -> None:
        self._current.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        """Nothing to do: each trial's stream is fixed by its number (Optuna calls this for ``n_jobs``)."""


def parse_sampler_option(text: str) -> tuple[str, dict[str, Any]]:
    """``"tpe:n_startup_trials=5,multivariate=false"`` → ``("tpe", {...})``, validated."""
    name, settings = parse_settings(text, what="sampler")
    if not settings:
        raise UsageError(f"--sampler-option {text!r} sets nothing (write NAME:key=value,key=value)")
    check_sampler_options(name, settings)
    return name, settings


def kind_of(name: str) -> SamplerKind:
    if name not in REGISTRY:
        raise choices_error("sampler", name, SAMPLERS)
    return REGISTRY[name]


def require(name: str) -> None:
    import importlib.util

    package = kind_of(name).needs
    if package is not None and importlib.util.find_spec(package) is None:
        raise UsageError(f"the {name} sampler needs the package {package!r}: .venv/bin/pip install {package}")
