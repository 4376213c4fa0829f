"""What a study script declares (``StudySpec``) and what one Optuna study runs (``Arm``)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from types import ModuleType
from typing import Any

from pipeline.choices import MAX_SEEDS
from pipeline.data import DATASETS, dataset_name
from pipeline.errors import UsageError, choices_error
from pipeline.objectives import grid_of, grid_size
from pipeline.pruners import pruner_settings
from pipeline.samplers import SAMPLERS, STREAMS, check_sampler_options, require, sampler_settings

OVERRIDDEN = (
    "trials",
    "epochs",
    "seeds",
    "samplers",
    "pruner",
    "pruner_settings",
    "sampler_options",
    "val_fraction",
    "early_stopping",
    "lr_range",
)


@dataclass(frozen=True)
class StudySpec:
    """A study: which objective module on which data, for how long, compared how.

    ``trials`` is the budget of finished (complete + pruned) trials per sampler and seed — except for the
    grid sampler, whose budget is its grid's size (:meth:`budget`); ``seeds`` is how many paired seeds
    (0, 1, …) each sampler runs.
    """

    name: str
    dataset: str | Callable[[], Any]  # a built-in name, or a function returning the data (data/custom.py)
    objective: ModuleType  # an objective module: suggest(trial) and build(params, input_shape, n_classes)
    epochs: int
    trials: int
    seeds: int = 5
    samplers: tuple[str, ...] = ("random", "tpe")
    pruner: str = "median"
    pruner_settings: dict[str, Any] = field(default_factory=dict)  # over pruners.DEFAULTS
    sampler_options: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # per sampler, over samplers.REGISTRY defaults
    val_fraction: float = 0.2  # of the training set, stratified, seeded by the study seed
    # {"patience": epochs without improvement, "min_delta": what counts as one (default 0)}: see training/
    early_stopping: dict[str, Any] | None = None
    lr_range: tuple[float, float] | None = None  # the learning rate's search range (default 1e-5 to 1e-1)

    def __post_init__(self) -> None:
        if isinstance(self.dataset, str) and self.dataset not in DATASETS:
            raise choices_error("dataset", self.dataset, DATASETS)
        if not isinstance(self.dataset, str) and not callable(self.dataset):
            raise UsageError(
                f"dataset must be a built-in name ({', '.join(DATASETS)}) or a function returning the data, "
                f"got {type(self.dataset).__name__}; see README 'Tune your own model on your own data'"
            )
        for sampler in self.samplers:
            if sampler not in SAMPLERS:
                raise choices_error("sampler", sampler, SAMPLERS)
            require(sampler)  # its package, before any study is made for it
        if "grid" in self.samplers:
            grid_of(self.objective)  # declared, or a UsageError saying how
        repeated = sorted({s for s in self.samplers if self.samplers.count(s) > 1})
        if repeated:
            raise UsageError(f"sampler {repeated[0]!r} is named twice in samplers; name each sampler once")
        for sampler, options in self.sampler_options.items():
            if sampler not in self.samplers:
                raise UsageError(
                    f"sampler options for {sampler!r}, which this comparison does not run "
                    f"(samplers: {', '.join(self.samplers)})"
                )
            check_sampler_options(sampler, options)
        for what in ("epochs", "trials", "seeds"):
            value = getattr(self, what)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UsageError(f"{what} must be a positive integer, got {value!r}")
        if self.seeds > MAX_SEEDS:
            raise UsageError(
                f"seeds must be at most {MAX_SEEDS}, got {self.seeds} (each seed is one study per sampler; 5-20 "
                "paired seeds answer which sampler is better, see README 'How to read the verdict')"
            )
        if not 0 < self.val_fraction < 1:
            raise UsageError(f"val_fraction must be between 0 and 1, got {self.val_fraction!r}")
        missing = [f for f in ("suggest", "build") if not callable(getattr(self.objective, f, None))]
        if missing:
            name = getattr(self.objective, "__name__", repr(self.objective))
            raise UsageError(
                f"objective {name!r} lacks {' and '.join(f + '()' for f in missing)}; see README 'Add your "
                "own objective and study'"
            )
        pruner_settings(self.pruner, self.pruner_settings, epochs=self.epochs)  # validates
        if self.early_stopping is not None:
            check_early_stopping(self.early_stopping, epochs=self.epochs)
        if self.lr_range is not None:
            check_lr_range(self.lr_range)

    def arms(self) -> list[Arm]:
        """Every (seed, sampler) pair, seed-major so an interrupted comparison stays paired."""
        return [self.arm(sampler, seed) for seed in range(self.seeds) for sampler in self.samplers]

    def overrides(self) -> dict[str, Any]:
        """The fields a command line can change (``OVERRIDDEN``), as JSON values: with the study script they
        rebuild this spec anywhere — in a worker process (run/work.py), or on another host (``tune worker``)."""
        return json.loads(json.dumps({key: getattr(self, key) for key in OVERRIDDEN}))

    def budget(self, sampler: str) -> int:
        """Finished trials the study of ``sampler`` runs: ``trials``, or for the grid every point of its grid."""
        return grid_size(self.objective) if sampler == "grid" else self.trials

    def arm(self, sampler: str, seed: int) -> Arm:
        return Arm(
            study=self.name,
            dataset=dataset_name(self.dataset),
            objective=self.objective.__name__,
            epochs=self.epochs,
            val_fraction=self.val_fraction,
            pruner=self.pruner,
            pruner_settings=pruner_settings(self.pruner, self.pruner_settings, epochs=self.epochs),
            sampler=sampler,
            sampler_settings=sampler_settings(
                sampler,
                seed,
                {**self.sampler_options.get(sampler, {}), "search_space": grid_of(self.objective)}
                if sampler == "grid"
                else self.sampler_options.get(sampler),
            ),
            seed=seed,
            early_stopping=None if self.early_stopping is None else {"min_delta": 0.0, **self.early_stopping},
            lr_range=None if self.lr_range is None else [float(v) for v in self.lr_range],
        )


def check_lr_range(low_high: Any) -> None:
    ok = isinstance(low_high, (tuple, list)) and len(low_high) == 2
    ok = ok and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in low_high)
    if not ok or not 0 < low_high[0] < low_high[1]:
        raise UsageError(f"lr_range must be (low, high) with 0 < low < high, got {low_high!r}")


def check_early_stopping(settings: Any, *, epochs: int) -> None:
    """``{"patience": N, "min_delta": x}``: N a whole number of epochs below ``epochs``, x >= 0."""
    if not isinstance(settings, dict) or set(settings) - {"patience", "min_delta"} or "patience" not in settings:
        raise UsageError(
            f"early_stopping must be {{'patience': N}} or {{'patience': N, 'min_delta': x}}, got {settings!r}"
        )
    patience, min_delta = settings["patience"], settings.get("min_delta", 0.0)
    if isinstance(patience, bool) or not isinstance(patience, int) or not 1 <= patience < epochs:
        raise UsageError(
            f"early stopping patience must be a whole number of epochs from 1 to {epochs - 1} (below the "
            f"{epochs} epochs a trial trains), got {patience!r}"
        )
    if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)) or not min_delta >= 0:
        raise UsageError(f"early stopping min_delta must be a number >= 0 (a loss difference), got {min_delta!r}")


@dataclass(frozen=True)
class Arm:
    """Everything that decides one Optuna study's results. Stored on the study; a resume must match it.

    The trial budget is not part of it: raising ``--trials`` on an existing study extends it.
    """

    study: str
    dataset: str
    objective: str
    epochs: int
    val_fraction: float
    pruner: str
    pruner_settings: dict[str, Any]
    sampler: str
    sampler_settings: dict[str, Any]
    seed: int
    sampling: str = STREAMS  # trial n samples with seeds.sampler_seed(seed, n): see samplers.TrialStreams
    early_stopping: dict[str, Any] | None = None  # {"patience", "min_delta"}, or None: trials run every epoch
    lr_range: list[float] | None = None  # [low, high] of the learning rate, or None: training_space.LR_RANGE

    @property
    def study_name(self) -> str:
        return f"{self.study}-{self.sampler}-seed{self.seed}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON round trip (what storage gives back). Settings added since studies were first stored are
        left out while unset, so those studies keep their configuration and its hash."""
        fields = asdict(self)
        for added in ("early_stopping", "lr_range"):
            if fields[added] is None:
                del fields[added]
        return json.loads(json.dumps(fields))

    @property
    def config_hash(self) -> str:
        text = json.dumps(self.to_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def differences(self, stored: dict[str, Any]) -> list[str]:
        """``["epochs: stored 15, asked 5", ...]`` against a stored ``to_dict()``."""
        ours = self.to_dict()
        return [
            f"{key}: stored {stored.get(key)!r}, asked {ours.get(key)!r}"
            for key in sorted(set(ours) | set(stored))
            if stored.get(key) != ours.get(key)
        ]


def with_overrides(spec: StudySpec, overrides: dict[str, Any]) -> StudySpec:
    """``spec`` with :meth:`StudySpec.overrides` applied (JSON lists back to the tuples the fields hold)."""
    fixed = dict(overrides)
    for key in ("samplers", "lr_range"):
        if fixed.get(key) is not None:
            fixed[key] = tuple(fixed[key])
    return dataclasses.replace(spec, **fixed)
