import os
import subprocess
import sys
import time

import optuna

from pipeline.run.recovery import WorkerId, process_start, recover_stale_trials, worker_is_gone
from pipeline.storage import open_storage

RUNNING, FAIL, WAITING = optuna.trial.TrialState.RUNNING, optuna.trial.TrialState.FAIL, optuna.trial.TrialState.WAITING


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def running_trial(study, worker: dict | None, x: float):
    study.enqueue_trial({"x": x})
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    if worker is not None:
        trial.set_user_attr("worker", worker)
    return trial


def test_a_trial_whose_worker_died_is_failed_and_retried_with_its_parameters(tmp_path):
    study = optuna.create_study(storage=open_storage(f"sqlite:///{tmp_path / 'r.db'}"))
    me = WorkerId.this_process(0, 1).to_attr()
    dead = {**me, "pid": dead_pid()}
    alive = running_trial(study, me, 0.1)
    killed = running_trial(study, dead, 0.7)
    recovered = recover_stale_trials(study)
    assert recovered == [killed.number]
    trials = study.get_trials()
    assert trials[alive.number].state == RUNNING
    assert trials[killed.number].state == FAIL
    assert trials[killed.number].user_attrs["end_reason"].startswith(f"stale: its worker (pid {dead['pid']}")
    retry = trials[-1]
    assert retry.state == WAITING and retry.params == {"x": 0.7}


def test_a_running_trial_without_a_worker_record_is_stale(tmp_path):
    study = optuna.create_study(storage=open_storage(f"journal:///{tmp_path / 'r.log'}"))
    orphan = running_trial(study, None, 0.3)
    assert recover_stale_trials(study) == [orphan.number]
    assert "stopped before recording itself" in study.get_trials()[orphan.number].user_attrs["end_reason"]


def test_workers_on_other_hosts_are_left_to_the_heartbeat():
    assert worker_is_gone({"host": "elsewhere.example", "pid": 1, "started": None}) is None
    assert worker_is_gone(WorkerId.this_process(0, 1).to_attr()) is False


def test_a_reused_pid_is_recognised_by_its_start_time():
    me = WorkerId.this_process(0, 1).to_attr()
    assert worker_is_gone({**me, "started": me["started"] - 1}) is True
    assert os.getpid() == me["pid"]


def test_a_dead_worker_not_yet_reaped_by_its_parent_counts_as_gone():
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        time.sleep(0.5)  # it has exited, but nobody has waited for it: a zombie
        worker = {**WorkerId.this_process(0, 1).to_attr(), "pid": zombie.pid, "started": process_start(zombie.pid)}
        assert worker_is_gone(worker) is True
    finally:
        zombie.wait()


def test_the_claiming_workers_own_running_trial_is_lost_it_runs_one_at_a_time(tmp_path):
    """A worker that lost the storage while its trial ran finds that trial RUNNING when it claims the next."""
    study = optuna.create_study(storage=open_storage(f"sqlite:///{tmp_path / 'r.db'}"))
    me = WorkerId.this_process(0, 1)
    lost = running_trial(study, me.to_attr(), 0.4)
    assert recover_stale_trials(study) == []  # anyone else sees a live worker
    assert recover_stale_trials(study, claiming=me) == [lost.number]
    assert "lost the storage while it ran" in study.get_trials()[lost.number].user_attrs["end_reason"]
