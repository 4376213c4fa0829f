"""Crash recovery: a trial whose worker died is failed, with the reason, and retried with its parameters.

How a RUNNING trial is judged stale (checked by a worker holding the storage's gate, before it counts
the budget):

- Every trial records its worker — host, PID and the process's start time — while that worker holds the
  gate, before the gate is released. So a RUNNING trial seen under the gate *without* a worker record
  was created by a worker that died in between: stale.
- A RUNNING trial whose worker ran on this host is stale when that PID is gone, or now belongs to a
  process that started later (a reused PID).
- A RUNNING trial of the worker that is claiming its next trial is stale too: a worker runs one trial at a
  time, so that trial's end was lost (the storage went away while it ran).
- Trials of workers on other hosts are judged by Optuna's heartbeat on database servers (PostgreSQL, MySQL):
  no heartbeat for ``grace_period`` seconds means stale. SQLite and journal files are meant for the workers
  of one machine (Storage.has_heartbeat) and write none: a trial of a dead worker on another host that shares
  such a file stays RUNNING there until someone resumes on that host.

A stale trial is marked FAIL (with ``end_reason``) and re-queued once with the same parameters, by
Optuna's ``RetryHeartbeatStaleTrialCallback``, so no finished trial is lost and the budget stays exact.

The private Optuna calls the run layer needs (writing to a trial by id, the heartbeat thread) are here
and nowhere else in it.
"""

from __future__ import annotations

import os
import socket
import threading
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import optuna

from pipeline.storage import MAX_RETRY

RUNNING = optuna.trial.TrialState.RUNNING


@dataclass(frozen=True)
class WorkerId:
    """Who runs a trial; stored on it as the ``worker`` user attr."""

    index: int  # 0 .. count-1
    count: int
    host: str
    pid: int
    started: int | None  # process start time in clock ticks since boot (Linux), to tell reused PIDs apart

    @classmethod
    def this_process(cls, index: int, count: int) -> WorkerId:
        return cls(index, count, socket.gethostname(), os.getpid(), process_start(os.getpid()))

    def to_attr(self) -> dict:
        return asdict(self)


def process_start(pid: int) -> int | None:
    """Start time of process ``pid`` (field 22 of /proc/PID/stat), or None where that cannot be read."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat after the command name: state first, start time 20th; None where unreadable."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def worker_is_gone(worker: dict) -> bool | None:
    """True when the worker process is certainly dead, None when this host cannot tell."""
    if worker.get("host") != socket.gethostname():
        return None
    pid = worker["pid"]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    fields = _stat_fields(pid)
    if fields is None:
        return False  # no /proc: the PID answers, so assume it is ours
    if fields[0] in ("Z", "X"):  # dead, not yet reaped by its parent
        return True
    return worker.get("started") is not None and int(fields[19]) != worker["started"]


def recover_stale_trials(
    study: optuna.Study,
    *,
    claiming: WorkerId | None = None,
    running: list[optuna.trial.FrozenTrial] | None = None,
) -> list[int]:
    """Fail and re-queue the RUNNING trials whose worker is gone. Call it holding the gate; ``claiming``: the
    worker about to claim its next trial, whose own RUNNING trials are lost; ``running``: the study's RUNNING
    trials if the caller has just read them. Returns their numbers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # the heartbeat API
        if _has_heartbeat(study):
            optuna.storages.fail_stale_trials(study)  # other hosts: no heartbeat for grace_period
            running = None  # it may have failed some: read again
        retry = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY)
    recovered = []
    for trial in study.get_trials(deepcopy=False, states=(RUNNING,)) if running is None else running:
        worker = trial.user_attrs.get("worker")
        if worker is None:
            reason = "its worker stopped before recording itself"
        elif worker_is_gone(worker):
            reason = f"its worker (pid {worker['pid']} on {worker['host']}) died"
        elif claiming is not None and _same_process(worker, claiming):
            # Ours, yet a worker runs one trial at a time and is between trials while it claims the next:
            # the storage went away while it ran (its end could not be written) and came back.
            reason = f"its worker (pid {claiming.pid} on {claiming.host}) lost the storage while it ran"
        else:
            continue
        try:
            study._storage.set_trial_user_attr(trial._trial_id, "end_reason", f"stale: {reason}; retried")
        except optuna.exceptions.UpdateFinishedTrialError:
            continue  # finished meanwhile: not stale after all
        retry(study, trial)  # a WAITING copy with the same parameters (from the snapshot), picked up by the next ask()
        study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
        recovered.append(trial.number)
    return recovered


def _same_process(worker: dict, other: WorkerId) -> bool:
    return (worker.get("host"), worker.get("pid"), worker.get("started")) == (other.host, other.pid, other.started)


def _has_heartbeat(study: optuna.Study) -> bool:
    return _has_heartbeat_storage(study._storage)


def _has_heartbeat_storage(storage: optuna.storages.BaseStorage) -> bool:
    from optuna.storages._heartbeat import is_heartbeat_enabled

    return is_heartbeat_enabled(storage)


def heartbeat(study: optuna.Study, trial: optuna.Trial) -> Heartbeat:
    """A context manager writing the running trial's heartbeat while it trains, on storages that have one
    (what ``study.optimize`` does around each trial)."""
    return Heartbeat(study._storage, trial._trial_id)


class Heartbeat:
    """Optuna's heartbeat thread, minus its one weakness: when a beat fails (the database went away) Optuna's
    thread dies with a traceback on stderr and never beats again. This one skips the beat and tries again at
    the next interval; the trial's own next write meets the fault and reports it (one line)."""

    def __init__(self, storage: optuna.storages.BaseStorage, trial_id: int) -> None:
        self.storage, self.trial_id = storage, trial_id
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        if _has_heartbeat_storage(self.storage):
            self._thread = threading.Thread(target=self._beat, name=f"heartbeat of trial {self.trial_id}", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> None:
        interval = self.storage.get_heartbeat_interval()
        while True:
            try:
                self.storage.record_heartbeat(self.trial_id)
            except Exception:  # noqa: BLE001 (the database is away: the next beat tries again)
                pass
            if self._stop.wait(timeout=interval):
                return
