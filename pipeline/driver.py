"""The driver: create every study of a comparison, then run each (seed, sampler) arm to its budget.

``prepare`` creates all studies (checking any stored configuration) before the first trial runs, holding
the storage's gate: a refused resume changes nothing, workers started together never race on a new file,
and readers never see a half-made one. ``run_worker`` then runs trials — in this process, or in each of
N worker processes (see workers.py) — claiming every trial under the gate, so each study ends with
exactly its budget of finished (complete + pruned) trials.
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
from pipeline.errors import TrialCrashed, UsageError
from pipeline.gate import Gate, gate_for
from pipeline.objective import Objective, TrialFailed
from pipeline.pruners import first_prunable_step, make_pruner
from pipeline.recovery import WorkerId, recover_stale_trials
from pipeline.samplers import make_sampler
from pipeline.storage import open_storage, redact, storage_file

FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
CLAIMED = (*FINISHED, optuna.trial.TrialState.RUNNING)
MAX_FAILURES_IN_A_ROW = 5  # trials that could not run at all (out of memory): stop instead of looping


class RunStopped(Exception):
    """The run cannot usefully go on (e.g. every trial runs out of memory). Finished trials are kept."""


@dataclass(frozen=True)
class RunOptions:
    storage_url: str
    device: torch.device
    data_dir: Path = Path("data")
    download: bool = True


@dataclass(frozen=True)
class ArmProgress:
    """What the driver tells its caller after each trial of an arm ends."""

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
    """Run ``arms`` of ``spec`` in this process until each study has ``spec.trials`` finished trials.

    Re-running resumes: finished studies are left alone, unfinished ones continue, and trials left
    RUNNING by a killed process are failed and retried (recovery.py).
    """
    raw, remaining = prepare(spec, arms, options)
    on_start(sum(remaining.values()))
    run_worker(spec, arms, options, raw=raw, worker_index=0, workers=1, on_trial=on_trial)
    finish(spec, options)


def prepare(spec: StudySpec, arms: list[Arm], options: RunOptions) -> tuple[RawData, dict[str, int]]:
    """Check the data and the stored configurations, create every study; returns the data and, per
    study name, how many finished trials it still needs."""
    raw = load_raw(spec.dataset, options.data_dir, download=options.download)  # missing data: stop before writing
    url = options.storage_url
    with gate_for(storage_file(url), url):  # creating a new file's schema races with other processes
        storage = open_storage(url)
        refuse_changed_configs(storage, arms, url)
        studies = {arm.study_name: create_study(storage, arm, spec, raw) for arm in arms}
        remaining = {name: max(0, spec.trials - count_finished(study)) for name, study in studies.items()}
    write_notes(storage, url, spec.name)  # optuna-dashboard shows each study's config from now on
    return raw, remaining


def finish(spec: StudySpec, options: RunOptions) -> None:
    write_notes(open_storage(options.storage_url), options.storage_url, spec.name)  # with the verdict once all are done


def run_worker(
    spec: StudySpec,
    arms: list[Arm],
    options: RunOptions,
    *,
    raw: RawData,
    worker_index: int,
    workers: int,
    on_trial: Callable[[ArmProgress], None] = lambda progress: None,
) -> None:
    """Run trials of every arm, seed by seed, until each study has its budget (shared with other workers).

    Every worker builds the arm's sampler with the arm's seed: trial n draws from its own stream
    (samplers.TrialStreams), so workers, resumes and independent processes never repeat one another's
    draws, and a one-worker run is reproducible. Each trial records its worker in its ``worker`` user attr.
    """
    url = options.storage_url
    storage = open_storage(url, heartbeat=True)
    gate = gate_for(storage_file(url), url)
    store = artifact_store(url)
    for seed, seed_arms in groupby(arms, key=lambda arm: arm.seed):
        data = None
        for arm in seed_arms:
            study = optuna.load_study(
                study_name=arm.study_name,
                storage=storage,  # storage keeps neither sampler nor pruner: rebuild both from the config
                sampler=make_sampler(arm.sampler, arm.sampler_settings),
                pruner=make_pruner(arm.pruner, arm.pruner_settings),
            )
            if count_finished(study) >= spec.trials:
                continue
            if data is None:
                data = make_splits(raw, seed=seed, val_fraction=spec.val_fraction, device=options.device)
            objective = Objective(spec.objective, data, epochs=spec.epochs, seed=arm.seed,
                                  prune_from=first_prunable_step(arm.pruner, arm.pruner_settings))
            run = with_trial_views(objective, store) if store is not None else objective  # + learning curves
            worker = WorkerId.this_process(worker_index, workers)
            run_arm(study, arm, run, budget=spec.trials, gate=gate, worker=worker, on_trial=on_trial)


def run_arm(
    study: optuna.Study,
    arm: Arm,
    objective: Callable[[optuna.Trial], float],
    *,
    budget: int,
    gate: Gate,
    worker: WorkerId,
    on_trial: Callable[[ArmProgress], None],
) -> None:
    """Claim and run one trial at a time until the study has ``budget`` finished or running trials.

    Under the gate: recover stale trials, count, and create the trial (inside ``optimize``); the trial
    records its worker and releases the gate before training. Optuna's ``MaxTrialsCallback`` would count
    after the fact and overshoot with several workers.
    """
    done = count_finished(study)
    last: dict = {}

    def started(trial: optuna.Trial) -> float:
        trial.set_user_attr("worker", worker.to_attr())
        gate.release()  # the trial exists and names its worker: others may count it now
        try:
            return objective(trial)
        except (optuna.TrialPruned, TrialFailed):
            raise
        except Exception as exc:
            raise TrialCrashed(study.study_name, trial.number, trial.params, exc) from exc

    def ended(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        nonlocal done
        done += trial.state in FINISHED
        last.update(state=trial.state, reason=trial.user_attrs.get("end_reason"))
        on_trial(ArmProgress(arm, trial, done, budget, best_value(study) if done >= budget else None))

    failures = 0
    while True:
        gate.acquire()
        try:
            recover_stale_trials(study)
            if len(study.get_trials(deepcopy=False, states=CLAIMED)) >= budget:
                return
            study.optimize(started, n_trials=1, catch=(TrialFailed,), callbacks=[ended])
        finally:
            gate.release()  # a no-op once the trial released it
        failures = failures + 1 if last.get("state") == optuna.trial.TrialState.FAIL else 0
        if failures >= MAX_FAILURES_IN_A_ROW:
            raise RunStopped(
                f"{failures} trials of {study.study_name} in a row could not run (the last: {last.get('reason')}); "
                "finished trials are kept — shrink the search space or the batch size, then rerun"
            )


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
        "sampling": "per-trial streams: trial n samples with seeds.sampler_seed(seed, n), its model with seeds.torch_seed(seed, n)",
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
