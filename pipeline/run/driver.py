"""The driver: create every study of a comparison, then run each (seed, sampler) arm to its budget.

``prepare`` creates all studies (checking any stored configuration) before the first trial runs, holding
the storage's gate: a refused resume changes nothing, workers started together never race on a new file,
and readers never see a half-made one. ``run_worker`` then runs trials — in this process, or in each of
N worker processes (run/workers.py) — claiming every trial under the gate (run/claim.py), so each study
ends with exactly its budget of finished (complete + pruned) trials. What the user sees (progress, notes,
report) is the caller's: the driver imports no presentation.
"""

from __future__ import annotations

import math
import platform
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import optuna
import torch

from pipeline import __version__
from pipeline.artifacts import artifact_store
from pipeline.config import Arm, StudySpec
from pipeline.data import RawData, load_raw, make_splits
from pipeline.errors import RunStopped, UsageError
from pipeline.exits import signals_deferred
from pipeline.pruners import first_prunable_step, make_pruner, reads_metric
from pipeline.run.claim import claim_trial
from pipeline.run.gate import Gate, gate_for
from pipeline.run.outcome import run_trial
from pipeline.run.recovery import WorkerId
from pipeline.run.threads import ThreadPolicy
from pipeline.run.trial import Objective
from pipeline.samplers import make_sampler
from pipeline.storage import Storage
from pipeline.training import EarlyStopping
from pipeline.trial_states import FINISHED

SAMPLING_RULE = (
    "per-trial streams: trial n samples with seeds.sampler_seed(seed, n), its model with seeds.torch_seed(seed, n)"
)
METRIC_NAME = "val_loss"  # what a trial's value is: the validation loss after its last epoch
MAX_FAILURES_IN_A_ROW = 5  # trials that could not run at all (out of memory): stop instead of looping
TrialHook = Callable[[Callable[[optuna.Trial], float], Storage], Callable[[optuna.Trial], float]]


@dataclass(frozen=True)
class RunOptions:
    """Where and how trials run. ``storage`` may be given as a URL; it is kept as a :class:`Storage`.

    ``trial_views`` wraps each arm's objective (e.g. ``dashboard.with_trial_views``, which attaches a
    learning curve to every finished trial); None runs the bare objective.
    """

    storage: Storage
    device: torch.device
    data_dir: Path = Path("data")
    download: bool = True
    trial_views: TrialHook | None = None
    timeout: float | None = None  # seconds per study in this run, as Optuna's optimize(timeout=): no new trial after
    checkpoints: str = "auto"  # when trials save their training state for a retry (checkpoints.py)
    threads: int | None = None  # torch threads for every trial; None: chosen per trial (run/threads.py)

    def __post_init__(self) -> None:
        if isinstance(self.storage, str):
            object.__setattr__(self, "storage", Storage(self.storage))


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
    """Run ``arms`` of ``spec`` in this process until each study has its budget of finished trials
    (``spec.budget``: ``spec.trials``, or the grid's size for the grid sampler).

    Re-running resumes: finished studies are left alone, unfinished ones continue, and trials left
    RUNNING by a killed process are failed and retried (run/recovery.py).
    """
    raw, remaining = prepare(spec, arms, options)
    on_start(sum(remaining.values()))
    run_worker(spec, arms, options, raw=raw, worker_index=0, workers=1, on_trial=on_trial)


def prepare(spec: StudySpec, arms: list[Arm], options: RunOptions) -> tuple[RawData, dict[str, int]]:
    """Check the data and the stored configurations, create every study; returns the data and, per
    study name, how many finished trials it still needs.

    Creation is all or nothing for a signal: Ctrl-C or SIGTERM while the studies are being made removes the
    ones this call made (none has a trial yet). After a kill -9 the rerun completes a creation cut short
    (see :func:`refuse_changed_configs`), so it is never refused for good.
    """
    raw = load_raw(spec.dataset, options.data_dir, download=options.download)  # missing data: stop before writing
    options.storage.wait_for_write_lock()
    with gate_for(options.storage):  # creating a new file's schema races with other processes
        storage = options.storage.open()
        before = refuse_changed_configs(storage, arms, options.storage)
        try:
            studies = {arm.study_name: create_study(storage, arm, spec, raw) for arm in arms}
        except KeyboardInterrupt:
            with signals_deferred():
                _remove_new_studies(storage, [arm.study_name for arm in arms if arm.study_name not in before])
            raise
        remaining = {
            arm.study_name: max(0, spec.budget(arm.sampler) - count_finished(studies[arm.study_name])) for arm in arms
        }
    return raw, remaining


def _remove_new_studies(storage: optuna.storages.BaseStorage, names: list[str]) -> None:
    """Delete the studies of ``names`` that exist and have no trial: what an interrupted creation made."""
    existing = {s.study_name: s for s in optuna.get_all_study_summaries(storage, include_best_trial=False)}
    for name in names:
        if name in existing and existing[name].n_trials == 0:
            optuna.delete_study(study_name=name, storage=storage)


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
    storage = options.storage.open(heartbeat=True)
    gate = gate_for(options.storage)
    worker = WorkerId.this_process(worker_index, workers)
    threads = ThreadPolicy(options.threads, workers=workers)
    for seed, seed_arms in groupby(arms, key=lambda arm: arm.seed):
        data = None
        for arm in seed_arms:
            study = optuna.load_study(
                study_name=arm.study_name,
                storage=storage,  # storage keeps neither sampler nor pruner: rebuild both from the config
                sampler=make_sampler(arm.sampler, arm.sampler_settings),
                pruner=make_pruner(arm.pruner, arm.pruner_settings),
            )
            budget = spec.budget(arm.sampler)
            if count_finished(study) >= budget:
                continue
            if data is None:
                data = make_splits(raw, seed=seed, val_fraction=spec.val_fraction, device=options.device)
            objective = Objective(
                spec.objective,
                data,
                epochs=spec.epochs,
                seed=arm.seed,
                prune_from=first_prunable_step(arm.pruner, arm.pruner_settings),
                checkpoint_store=None if options.checkpoints == "off" else artifact_store(options.storage),
                checkpoints=options.checkpoints,
                report_metric=reads_metric(arm.pruner),
                early_stopping=EarlyStopping(**arm.early_stopping) if arm.early_stopping else None,
                lr_range=arm.lr_range,
                threads=threads,
            )
            run = options.trial_views(objective, options.storage) if options.trial_views else objective
            deadline = None if options.timeout is None else time.monotonic() + options.timeout
            run_arm(study, arm, run, budget=budget, gate=gate, worker=worker, on_trial=on_trial, deadline=deadline)
            record_time_budget(study, budget=budget, timeout=options.timeout)


def run_arm(
    study: optuna.Study,
    arm: Arm,
    objective: Callable[[optuna.Trial], float],
    *,
    budget: int,
    gate: Gate,
    worker: WorkerId,
    on_trial: Callable[[ArmProgress], None],
    deadline: float | None = None,
) -> None:
    """Claim and run one trial at a time until the study has ``budget`` finished or running trials, or (a
    ``deadline`` on ``time.monotonic()``) until the time is up: the trial running then finishes."""
    done = count_finished(study)
    failures = 0
    while (deadline is None or time.monotonic() < deadline) and (
        trial := claim_trial(study, gate, budget=budget, worker=worker)
    ) is not None:
        finished = run_trial(study, trial, objective)
        done += finished.state in FINISHED
        on_trial(ArmProgress(arm, finished, done, budget, best_value(study) if done >= budget else None))
        failures = failures + 1 if finished.state == optuna.trial.TrialState.FAIL else 0
        if failures >= MAX_FAILURES_IN_A_ROW:
            raise RunStopped(
                f"{failures} trials of {study.study_name} in a row could not run (the last: "
                f"{finished.user_attrs.get('end_reason')}); finished trials are kept — shrink the search space or "
                "the batch size, then rerun"
            )


def record_time_budget(study: optuna.Study, *, budget: int, timeout: float | None) -> None:
    """Say on the study whether ``--timeout`` ended it short of its trial budget (``time_budget`` user attr):
    the analysis then treats it as done and the verdict says the arms may hold different trial counts."""
    short = timeout is not None and count_finished(study) < budget
    value = {"timeout_s": timeout, "finished": count_finished(study)} if short else None
    if study.user_attrs.get("time_budget") != value and (short or "time_budget" in study.user_attrs):
        with signals_deferred():
            study.set_user_attr("time_budget", value)


def refuse_changed_configs(
    storage: optuna.storages.BaseStorage, arms: list[Arm], where: Storage
) -> dict[str, optuna.study.StudySummary]:
    """A stored study with our name must have been made by the same configuration; returns the stored studies.

    A study whose creation was cut short (no trial, and no ``trials`` attr, which :func:`create_study` writes
    last, or no ``config``) is not refused: :func:`create_study` completes it.
    """
    stored = {s.study_name: s for s in optuna.get_all_study_summaries(storage, include_best_trial=False)}
    for arm in arms:
        summary = stored.get(arm.study_name)
        if summary is None or _unfinished_creation(summary):
            continue
        attrs = summary.user_attrs
        if "config" not in attrs:
            raise UsageError(
                f"study {arm.study_name!r} in {where.display} was not made by this pipeline; pass another --storage"
            )
        differences = arm.differences(attrs["config"])
        if differences:
            raise UsageError(
                f"study {arm.study_name!r} in {where.display} was run with another configuration "
                f"({'; '.join(differences)}); rerun with the stored settings or pass another --storage"
            )
    return stored


def _unfinished_creation(summary: optuna.study.StudySummary) -> bool:
    attrs = summary.user_attrs
    return summary.n_trials == 0 and ("trials" not in attrs or "config" not in attrs)


def create_study(storage: optuna.storages.BaseStorage, arm: Arm, spec: StudySpec, raw: RawData) -> optuna.Study:
    """Create the study (or load it), storing everything needed to reproduce or resume it.

    Signals wait until the study is complete; the budget (``trials``) is written last, so a study without
    it was cut short by a kill and is completed here, whatever it held.
    """
    with signals_deferred():
        study = optuna.create_study(
            storage=storage, study_name=arm.study_name, direction="minimize", load_if_exists=True
        )
        if study.metric_names is None:  # optuna-dashboard then says "val_loss", not "Objective 0"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                study.set_metric_names([METRIC_NAME])
        stored_budget = study.user_attrs.get("trials", 0)
        if stored_budget >= spec.budget(arm.sampler):
            return study  # made before with this config (checked); a smaller --trials runs nothing
        n_val = math.ceil(len(raw.train_y) * spec.val_fraction)  # as scikit-learn's train_test_split rounds
        attrs = {
            "study": arm.study,
            "sampler": arm.sampler,
            "sampler_settings": arm.sampler_settings,
            "sampling": SAMPLING_RULE,
            "seed": arm.seed,
            "pruner": arm.pruner,
            "pruner_settings": arm.pruner_settings,
            "dataset": arm.dataset,
            "task": raw.task,  # classification (value: cross-entropy, metric: accuracy) or regression (MSE, R²)
            "objective": arm.objective,
            "epochs": arm.epochs,
            "split_sizes": {
                "train": len(raw.train_y) - n_val,
                "val": n_val,
                "test (unused while tuning)": len(raw.test_y),
            },
            "config": arm.to_dict(),
            "config_hash": arm.config_hash,
            "versions": versions(),
            "overrides": spec.overrides(),  # with the study script, what 'tune worker' rebuilds the spec from
            "trials": spec.budget(arm.sampler),  # the budget of finished trials; may grow later. Written last.
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
