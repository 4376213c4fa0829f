"""The driver: create every study of a comparison, then run each (seed, sampler) arm to its budget.

All studies are created (and any stored configuration checked) before the first trial runs, so a
refused resume changes nothing and parallel readers never see a half-made file.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import optuna
import torch

from pipeline import __version__
from pipeline.config import Arm, StudySpec
from pipeline.dashboard import artifact_store, with_trial_views, write_notes
from pipeline.data import RawData, load_raw, make_splits
from pipeline.errors import UsageError
from pipeline.objective import Objective
from pipeline.pruners import make_pruner
from pipeline.samplers import make_sampler
from pipeline.storage import open_storage, redact

FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


@dataclass(frozen=True)
class RunOptions:
    storage_url: str
    device: torch.device
    data_dir: Path = Path("data")
    download: bool = True


@dataclass(frozen=True)
class ArmProgress:
    """What the driver tells its caller after each finished trial."""

    arm: Arm
    trial: optuna.trial.FrozenTrial
    finished: int  # finished trials of this arm so far
    budget: int
    best_value: float | None = None  # set once the arm reaches its budget


def run_arms(
    spec: StudySpec,
    arms: list[Arm],
    options: RunOptions,
    *,
    on_start: Callable[[int], None] = lambda remaining: None,
    on_trial: Callable[[ArmProgress], None] = lambda progress: None,
) -> None:
    """Run ``arms`` of ``spec`` until each study has ``spec.trials`` finished (complete + pruned) trials.

    Re-running resumes: finished studies are left alone, unfinished ones continue.
    """
    raw = load_raw(spec.dataset, options.data_dir, download=options.download)  # missing data: stop before writing
    storage = open_storage(options.storage_url)
    refuse_changed_configs(storage, arms, options.storage_url)
    remaining = {arm.study_name: spec.trials - count_finished(create_study(storage, arm, spec, raw)) for arm in arms}
    write_notes(storage, options.storage_url, spec.name)  # optuna-dashboard shows each study's config from now on
    store = artifact_store(options.storage_url)
    on_start(sum(max(0, n) for n in remaining.values()))
    for seed, seed_arms in groupby(arms, key=lambda arm: arm.seed):
        todo = [arm for arm in seed_arms if remaining[arm.study_name] > 0]
        if not todo:
            continue
        data = make_splits(raw, seed=seed, val_fraction=spec.val_fraction, device=options.device)
        for arm in todo:
            study = optuna.load_study(
                study_name=arm.study_name,
                storage=storage,
                sampler=make_sampler(arm.sampler, arm.sampler_settings),  # storage keeps neither:
                pruner=make_pruner(arm.pruner, arm.pruner_settings),  # rebuild both from the config
            )
            objective = Objective(spec.objective, data, epochs=spec.epochs, seed=arm.seed)
            done = spec.trials - remaining[arm.study_name]

            def report(study: optuna.Study, trial: optuna.trial.FrozenTrial, arm: Arm = arm) -> None:
                nonlocal done
                if trial.state in FINISHED:
                    done += 1
                best = best_value(study) if done == spec.trials else None
                on_trial(ArmProgress(arm, trial, done, spec.trials, best))

            run = with_trial_views(objective, store) if store is not None else objective  # + learning curves
            study.optimize(run, n_trials=remaining[arm.study_name], callbacks=[report])
    write_notes(storage, options.storage_url, spec.name)  # now with the verdict, once every arm is done


def refuse_changed_configs(storage: optuna.storages.BaseStorage, arms: list[Arm], url: str) -> None:
    """A stored study with our name must have been made by the same configuration."""
    stored = {s.study_name: s.user_attrs for s in optuna.get_all_study_summaries(storage, include_best_trial=False)}
    for arm in arms:
        attrs = stored.get(arm.study_name)
        if attrs is None:
            continue
        if "config" not in attrs:
            raise UsageError(
                f"study {arm.study_name!r} in {redact(url)} was not made by this pipeline; pass another --storage"
            )
        differences = arm.differences(attrs["config"])
        if differences:
            raise UsageError(
                f"study {arm.study_name!r} in {redact(url)} was run with another configuration "
                f"({'; '.join(differences)}); rerun with the stored settings or pass another --storage"
            )


def create_study(storage: optuna.storages.BaseStorage, arm: Arm, spec: StudySpec, raw: RawData) -> optuna.Study:
    """Create the study (or load it), storing everything needed to reproduce or resume it."""
    study = optuna.create_study(storage=storage, study_name=arm.study_name, direction="minimize", load_if_exists=True)
    stored_budget = study.user_attrs.get("trials", 0)
    if stored_budget >= spec.trials:
        return study  # made before with this config (checked); a smaller --trials runs nothing
    n_val = math.ceil(len(raw.train_y) * spec.val_fraction)  # as scikit-learn's train_test_split rounds
    attrs = {
        "study": arm.study,
        "sampler": arm.sampler,
        "sampler_settings": arm.sampler_settings,
        "seed": arm.seed,
        "pruner": arm.pruner,
        "pruner_settings": arm.pruner_settings,
        "dataset": arm.dataset,
        "objective": arm.objective,
        "epochs": arm.epochs,
        "trials": spec.trials,  # the budget of finished trials; may grow on a later run
        "split_sizes": {"train": len(raw.train_y) - n_val, "val": n_val, "test (unused while tuning)": len(raw.test_y)},
        "config": arm.to_dict(),
        "config_hash": arm.config_hash,
        "versions": versions(),
    }
    for key, value in attrs.items():
        if study.user_attrs.get(key) != value:
            study.set_user_attr(key, value)
    return study


def best_value(study: optuna.Study) -> float | None:
    """The best COMPLETE value (Optuna's ``best_value`` raises when there is none)."""
    try:
        return study.best_value
    except ValueError:
        return None


def count_finished(study: optuna.Study) -> int:
    return len(study.get_trials(deepcopy=False, states=FINISHED))


def versions() -> dict[str, str]:
    return {
        "pipeline": __version__,
        "python": platform.python_version(),
        "optuna": optuna.__version__,
        "torch": torch.__version__,
    }
