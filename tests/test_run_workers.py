"""Runs that survive: parallel workers, kill -9, Ctrl-C and SIGTERM, concurrent dashboard reads — all with
real processes on real SQLite and journal files."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

import optuna
import pytest
from conftest import REPO

from pipeline.storage import open_storage

pytestmark = pytest.mark.slow
STATES = optuna.trial.TrialState


_started: list[subprocess.Popen] = []


def tune(*args: str, cwd=REPO) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args, "--no-progress"],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _started.append(process)
    return process


@pytest.fixture(autouse=True)
def no_process_outlives_its_test():
    """A test that fails half-way must not leave its runs competing with the next test for the CPU."""
    yield
    while _started:
        process = _started.pop()
        if process.poll() is None:
            process.kill()
            process.communicate()


def finish(process: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


_storages: dict = {}


def trials_by_study(path) -> dict[str, list[optuna.trial.FrozenTrial]]:
    """Read every study in ``path``, as the dashboard would, through one storage per file.

    Never through resolve_storage: its check reads the file's header with open()/close(), and a close()
    drops every POSIX lock this process holds on the file — including those of our open connections.
    """
    url = f"journal:///{path}" if path.suffix == ".log" else f"sqlite:///{path}"
    storage = _storages.get(url) or _storages.setdefault(url, open_storage(url))
    return {
        s.study_name: optuna.load_study(study_name=s.study_name, storage=storage).get_trials()
        for s in optuna.get_all_study_summaries(storage)
    }


def no_repeated_params(trials) -> bool:
    """No two finished trials share a parameter set (continuous values compared exactly)."""
    finished = [tuple(sorted(t.params.items())) for t in trials if t.state in (STATES.COMPLETE, STATES.PRUNED)]
    return len(set(finished)) == len(finished)


def count(trials, *states) -> int:
    return sum(t.state in states for t in trials)


def wait_for(condition, timeout: float = 120, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out waiting")


def studies_exist(path) -> bool:
    """Whether the run under test has created its storage's schema and a study. Until then a reader must not
    open it: Optuna's RDBStorage would create the schema itself, racing the run's own creation."""
    if path.suffix == ".log":
        return path.exists() and path.stat().st_size > 0
    if not path.exists():
        return False
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return db.execute("select count(*) from studies").fetchone()[0] > 0
    except sqlite3.Error:  # no tables yet, or locked for a moment
        return False


def running_trial(path, worker_index: int | None = None):
    """A RUNNING trial that has recorded its worker (optionally: that worker's index) and is training —
    it has reported an epoch — or None."""
    if not studies_exist(path):
        return None
    try:
        studies = trials_by_study(path)
    except Exception:  # the file is still being created
        return None
    for trials in studies.values():
        for t in trials:
            worker = t.user_attrs.get("worker")
            if (
                t.state == STATES.RUNNING
                and worker
                and worker_index in (None, worker["index"])
                and t.intermediate_values
            ):
                return t
    return None


@pytest.mark.parametrize("filename", ["fresh.db", "fresh.log"])
def test_four_workers_on_a_fresh_file_finish_exactly_the_budget(tmp_path, filename):
    parent = tune(
        "compare",
        "digits_mlp",
        "--trials",
        "5",
        "--seeds",
        "1",
        "--epochs",
        "1",
        "--workers",
        "4",
        "--storage",
        str(tmp_path / filename),
    )
    code, out, err = finish(parent)
    assert code == 0, err
    assert "Traceback" not in err and "locked" not in err
    for name, trials in trials_by_study(tmp_path / filename).items():
        assert count(trials, STATES.COMPLETE, STATES.PRUNED) == 5, name
        assert count(trials, STATES.RUNNING, STATES.FAIL, STATES.WAITING) == 0, name
        assert no_repeated_params(trials), name  # every trial draws from its own stream, whichever worker runs it
        workers = {(t.user_attrs["worker"]["index"], t.user_attrs["worker"]["pid"]) for t in trials}
        assert all((index == 0) == (pid == parent.pid) for index, pid in workers)  # the parent is worker 0


def test_independent_processes_started_together_on_a_new_file_do_not_race(tmp_path):
    path = tmp_path / "together.db"
    processes = [
        tune(
            "run",
            "digits_mlp",
            "--sampler",
            "random",
            "--seed",
            "0",
            "--trials",
            "8",
            "--epochs",
            "1",
            "--storage",
            str(path),
        )
        for _ in range(4)
    ]
    results = [finish(p) for p in processes]
    assert [code for code, _, _ in results] == [0, 0, 0, 0], [err for _, _, err in results]
    (trials,) = trials_by_study(path).values()
    assert count(trials, STATES.COMPLETE, STATES.PRUNED) == 8
    assert count(trials, STATES.RUNNING, STATES.FAIL) == 0
    assert no_repeated_params(trials)  # the same seed in four processes, yet no trial repeats another


def test_a_worker_killed_mid_trial_is_recovered_by_the_others(tmp_path):
    path = tmp_path / "kill.db"
    # The parent is worker 0 and starts at once; worker 1 needs seconds of start-up: leave it trials, and
    # make them last (no pruning, 20 epochs) so that it is caught mid-trial.
    parent = tune(
        "run",
        "digits_mlp",
        "--sampler",
        "random",
        "--seed",
        "0",
        "--trials",
        "40",
        "--epochs",
        "20",
        "--pruner",
        "none",
        "--workers",
        "2",
        "--storage",
        str(path),
    )
    victim = wait_for(lambda: running_trial(path, worker_index=1))
    os.kill(victim.user_attrs["worker"]["pid"], signal.SIGKILL)
    code, _, err = finish(parent)
    assert code == 0, err
    assert "worker 1 was killed" in err
    (trials,) = trials_by_study(path).values()
    killed = trials[victim.number]
    assert killed.state == STATES.FAIL and killed.user_attrs["end_reason"].startswith("stale: its worker")
    retries = [t for t in trials if t.number > killed.number and t.params == killed.params]
    assert retries and retries[0].state in (STATES.COMPLETE, STATES.PRUNED)
    assert count(trials, STATES.COMPLETE, STATES.PRUNED) == 40 and count(trials, STATES.RUNNING) == 0
    assert no_repeated_params(trials)  # the retry is the only copy of the killed trial's draw that finished


def test_a_run_killed_mid_trial_resumes_retrying_that_trial(tmp_path):
    path = tmp_path / "resume.db"
    args = (
        "run",
        "digits_mlp",
        "--sampler",
        "tpe",
        "--seed",
        "0",
        "--trials",
        "5",
        "--epochs",
        "20",
        "--pruner",
        "none",
        "--storage",
        str(path),
    )
    first = tune(*args)
    victim = wait_for(lambda: (t := running_trial(path)) is not None and t.number >= 1 and t)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate()
    before = trials_by_study(path)["digits_mlp-tpe-seed0"]
    finished_before = [(t.number, t.value) for t in before if t.state in (STATES.COMPLETE, STATES.PRUNED)]
    assert before[victim.number].state == STATES.RUNNING  # what a dead process leaves behind
    code, out, err = finish(tune(*args))
    assert code == 0, err
    trials = trials_by_study(path)["digits_mlp-tpe-seed0"]
    assert trials[victim.number].state == STATES.FAIL
    assert any(
        t.params == victim.params and t.state in (STATES.COMPLETE, STATES.PRUNED) for t in trials[victim.number + 1 :]
    )
    assert all(trials[n].value == v for n, v in finished_before)  # no finished trial lost or changed
    assert count(trials, STATES.COMPLETE, STATES.PRUNED) == 5 and count(trials, STATES.RUNNING) == 0
    assert no_repeated_params(trials)  # the resumed process did not restart the sampler's stream


@pytest.mark.parametrize(
    "sig, code, words, workers",
    [
        (signal.SIGINT, 130, "stopped by Ctrl-C", "1"),
        (signal.SIGTERM, 143, "stopped by SIGTERM", "2"),
    ],
)
def test_a_signal_stops_the_run_cleanly_and_a_rerun_completes_it(tmp_path, sig, code, words, workers):
    path = tmp_path / "signal.db"
    args = (
        "compare",
        "digits_mlp",
        "--trials",
        "6",
        "--seeds",
        "1",
        "--epochs",
        "20",
        "--pruner",
        "none",
        "--workers",
        workers,
        "--storage",
        str(path),
    )  # trials of ~1 s: the signal lands mid-trial
    process = tune(*args)
    wait_for(lambda: running_trial(path))
    process.send_signal(sig)
    got, _, err = finish(process)
    assert got == code, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith(words) and "rerun the same command to resume" in err
    stopped = [t for trials in trials_by_study(path).values() for t in trials]
    assert not any(t.state == STATES.RUNNING for t in stopped)  # storage consistent
    assert any(
        t.state == STATES.FAIL and t.user_attrs.get("end_reason", "").startswith("interrupted by") for t in stopped
    )
    again, _, err = finish(tune(*args))
    assert again == 0, err
    for trials in trials_by_study(path).values():
        assert count(trials, STATES.COMPLETE, STATES.PRUNED) == 6


def test_the_dashboard_reads_sqlite_while_two_workers_write(tmp_path):
    path = tmp_path / "live.db"
    run = tune(
        "compare",
        "digits_mlp",
        "--trials",
        "10",
        "--seeds",
        "1",
        "--epochs",
        "20",
        "--pruner",
        "none",
        "--workers",
        "2",
        "--storage",
        str(path),
    )
    wait_for(lambda: running_trial(path))
    dashboard = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "dashboard", "--storage", str(path), "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        address = wait_for(lambda: re.search(r"(http://127\.0\.0\.1:\d+)", dashboard.stdout.readline()))
        base = address.group(1)
        reads = 0
        while run.poll() is None:
            summaries = json.load(urllib.request.urlopen(f"{base}/api/studies", timeout=30))["study_summaries"]
            for s in summaries:
                detail = json.load(urllib.request.urlopen(f"{base}/api/studies/{s['study_id']}", timeout=30))
                assert "trials" in detail
                reads += 1
            time.sleep(0.2)
    finally:
        dashboard.send_signal(signal.SIGINT)
        _, dashboard_err = dashboard.communicate(timeout=30)
    code, _, err = finish(run)
    assert code == 0, err
    assert reads >= 4
    assert "locked" not in err and "locked" not in dashboard_err
