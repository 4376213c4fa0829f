"""Parallel workers on one machine: N processes share a comparison's studies through its storage.

The other N − 1 workers start first, on standby (:func:`start_standby`, ``python -m pipeline.run.work -``):
a new process spends seconds importing torch and the rest before its first trial, and they spend them while
the parent loads the study script and its data and creates every study (driver.prepare) — each its own
process group, so a Ctrl-C reaches the parent only. Then the parent hands each its work (one JSON line on
its stdin; run/work.py) and runs trials itself as worker 0. Between
its trials, and after its last, it reads progress from the storage and watches the others; SIGINT and
SIGTERM stop its own trial and are forwarded to them. A worker killed outright (kill -9) is survivable:
the others fail its trial and retry its parameters (recovery.py); a worker that stops on an error stops
the run.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterable

import optuna
import torch

from pipeline.config import Arm, StudySpec
from pipeline.errors import RunStopped, Terminated
from pipeline.run.driver import ArmProgress, RunOptions, best_value, prepare, run_worker
from pipeline.run.standby import call_off, hand_over, start_standby
from pipeline.run.work import Work
from pipeline.trial_states import FINISHED

POLL_S = 0.5
EXIT_SIGNALLED = {signal.SIGINT: 130, signal.SIGTERM: 143}


def run_parallel(
    study_ref: str,
    spec: StudySpec,
    arms: list[Arm],
    options: RunOptions,
    workers: int,
    *,
    trial_views: str | None = None,
    on_start: Callable[[int], None] = lambda remaining: None,
    on_trial: Callable[[ArmProgress], None] = lambda progress: None,
    standby: list[subprocess.Popen] | None = None,
) -> list[str]:
    """Run the arms in ``workers`` processes, this one included; returns warnings (e.g. a worker that was killed).

    ``study_ref`` is how a worker finds the study script (a name or a path); ``trial_views`` names the
    ``module:function`` the workers wrap their objectives with (``options.trial_views`` is this process's).
    ``standby``: workers started earlier with :func:`start_standby` (more are started if they are fewer).
    """
    standby = list(standby or [])
    standby += start_standby(workers - 1 - len(standby))
    try:
        raw, remaining = prepare(spec, arms, options)
    except BaseException:
        call_off(standby)
        raise
    on_start(sum(remaining.values()))

    def description(index: int) -> str:
        work = Work.describe(
            study_ref,
            spec,
            arms,
            storage=options.storage.url,
            device=str(options.device),
            data_dir=str(options.data_dir),
            download=options.download,
            trial_views=trial_views,
            index=index,
            of=workers,
            threads=options.threads,
            parent=os.getpid(),
            timeout=options.timeout,
            checkpoints=options.checkpoints,
        )
        return work.to_json()

    processes = dict(zip(range(1, workers), standby, strict=True))
    for i, process in processes.items():
        hand_over(process, description(i))
    progress = StorageProgress(spec, arms, options, on_trial)
    received: list[int] = []

    def between_trials(_: ArmProgress) -> None:
        progress.poll()  # every worker's trials, this one's included
        if _failed(processes.values()):
            raise _OtherWorkerFailed()

    try:
        threads = torch.get_num_threads()  # each trial sets its own (run/threads.py): put ours back after
        try:
            run_worker(spec, arms, options, raw=raw, worker_index=0, workers=workers, on_trial=between_trials)
        except _OtherWorkerFailed:
            pass  # _supervise stops the rest; its exit code is reported below
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM raised as Terminated, during our own trial
            received.append(signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)
        finally:
            torch.set_num_threads(threads)
        previous = {sig: signal.signal(sig, lambda signum, _frame: received.append(signum)) for sig in EXIT_SIGNALLED}
        try:
            codes = _supervise(list(processes.values()), received, progress)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    finally:
        for p in processes.values():  # only if we got here by an exception of our own
            if p.poll() is None:
                p.terminate()
                p.wait()
    if received:
        raise Terminated() if received[0] == signal.SIGTERM else KeyboardInterrupt()
    failed = [(i, c) for i, c in zip(processes, codes, strict=True) if c not in (0, -signal.SIGKILL)]
    if failed:  # name the worker that failed first, not one we stopped because of it
        i, code = min(failed, key=lambda f: f[1] in EXIT_SIGNALLED.values())
        raise RunStopped(
            f"worker {i} stopped with exit code {code} (its message is above); finished trials are kept — "
            "rerun to resume"
        )
    killed = [i for i, c in zip(processes, codes, strict=True) if c == -signal.SIGKILL]
    if killed:  # its trial may be the last one of an arm the others had left: recover it and finish here
        run_worker(spec, arms, options, raw=raw, worker_index=0, workers=workers, on_trial=on_trial)
    return [f"worker {i} was killed; the other workers failed its trial and retried its parameters" for i in killed]


class _OtherWorkerFailed(Exception):
    """Raised between this process's trials to stop them: another worker stopped on an error."""


def _failed(processes: Iterable[subprocess.Popen]) -> bool:
    """Whether a worker stopped on an error (killed outright is survivable: the others recover its trial)."""
    return any(p.poll() not in (None, 0, -signal.SIGKILL) for p in processes)


def _supervise(processes: list[subprocess.Popen], received: list[int], progress: StorageProgress) -> list[int]:
    """Wait for every worker, forwarding signals; a worker stopping on an error stops the others."""
    forwarded = 0
    stopping = False
    while [p.poll() for p in processes].count(None):  # poll every one: it also reaps the dead
        while forwarded < len(received):
            for p in processes:
                if p.poll() is None:
                    p.send_signal(received[forwarded])
            forwarded += 1
        if not stopping and not received and _failed(processes):  # after Ctrl-C, 130/143 are no failure
            stopping = True  # an error in one worker is an error in all: stop the rest cleanly
            for p in processes:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
        progress.poll()
        alive = [p for p in processes if p.poll() is None]
        if alive:  # back at once when it exits: the summary waits for the last worker
            try:
                alive[0].wait(timeout=POLL_S)
            except subprocess.TimeoutExpired:
                pass
    progress.poll()
    return [p.returncode for p in processes]


class StorageProgress:
    """Turns finished-trial counts read from the storage into the same ArmProgress events as one process."""

    def __init__(self, spec: StudySpec, arms: list[Arm], options: RunOptions, on_trial) -> None:
        storage = options.storage.open()
        # A Study reads through Optuna's trial cache: each poll fetches only trials that changed, not the
        # whole history (which would take CPU from the workers on a small machine).
        self.studies = {arm.study_name: optuna.load_study(study_name=arm.study_name, storage=storage) for arm in arms}
        self.arms, self.on_trial = arms, on_trial
        self.budgets = {arm.study_name: spec.budget(arm.sampler) for arm in arms}
        self.seen = {arm.study_name: self._finished(arm) for arm in arms}

    def _finished(self, arm: Arm) -> list[optuna.trial.FrozenTrial]:
        return self.studies[arm.study_name].get_trials(deepcopy=False, states=FINISHED)

    def poll(self) -> None:
        for arm in self.arms:
            budget = self.budgets[arm.study_name]
            if len(self.seen[arm.study_name]) >= budget:
                continue
            finished = self._finished(arm)
            for k in range(len(self.seen[arm.study_name]), len(finished)):
                done = k + 1
                best = None
                if done >= budget:
                    best = best_value(self.studies[arm.study_name])
                self.on_trial(ArmProgress(arm, finished[k], done, budget, best))
            self.seen[arm.study_name] = finished
