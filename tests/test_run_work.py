"""The worker entry point: work described as JSON, rebuilt from the study script, checked against storage."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from conftest import REPO, run_tiny, sqlite_url, tiny_spec

from pipeline.run.work import Work, rebuild


def work_for(path, spec, **overrides) -> Work:
    work = Work.describe("digits_mlp", spec, spec.arms(), storage=sqlite_url(path))
    return Work(**{**work.__dict__, "overrides": {**work.overrides, **overrides}})


def run_work(work: Work) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.run.work", work.to_json()],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_description_round_trips_through_json_and_rebuilds_the_same_arms():
    spec = tiny_spec()
    work = Work.describe("digits_mlp", spec, spec.arms(), storage="sqlite:///x.db")
    again = Work.from_json(work.to_json())
    assert again == work
    rebuilt, arms = rebuild(again)
    assert arms == spec.arms() and rebuilt.sampler_options == spec.sampler_options


@pytest.mark.slow
def test_a_worker_whose_configuration_differs_from_the_stored_one_is_refused_naming_the_difference(tmp_path):
    path = tmp_path / "stored.db"
    spec = run_tiny(path, seeds=1, trials=2)
    before = {s.study_name: s.n_trials for s in optuna.get_all_study_summaries(sqlite_url(path))}
    done = run_work(work_for(path, spec, epochs=4, trials=4))
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: study 'digits_mlp-random-seed0'")
    assert "was run with another configuration (epochs: stored 3, asked 4)" in line
    assert {s.study_name: s.n_trials for s in optuna.get_all_study_summaries(sqlite_url(path))} == before


@pytest.mark.slow
def test_a_worker_with_the_stored_configuration_runs_the_remaining_budget(tmp_path):
    path = tmp_path / "stored.db"
    spec = run_tiny(path, seeds=1, trials=2)
    done = run_work(work_for(path, spec, trials=3))  # a larger budget is an extension, not a change
    assert done.returncode == 0, done.stderr
    counts = {s.study_name: s.n_trials for s in optuna.get_all_study_summaries(sqlite_url(path))}
    assert set(counts.values()) == {3}


def test_bad_json_is_one_line_and_exit_2():
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.run.work", json.dumps({"study": "x"})],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stderr.startswith("error: bad work description")
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_standby_worker_takes_its_work_from_stdin_and_ends_quietly_when_called_off(tmp_path):
    standby = [sys.executable, "-m", "pipeline.run.work", "-"]
    called_off = subprocess.run(standby, cwd=REPO, input="", capture_output=True, text=True, timeout=120)
    assert (called_off.returncode, called_off.stdout, called_off.stderr) == (0, "", "")
    bad = subprocess.run(standby, cwd=REPO, input='{"study": "x"}\n', capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("error: bad work description")


@pytest.mark.slow
def test_standby_workers_of_a_refused_run_are_stopped_with_it(tmp_path):
    """--workers starts the others before it checks anything: a run refused for bad input leaves none behind."""
    parent = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "compare", "no_such_study", "--workers", "3"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stderr=subprocess.PIPE,
        text=True,
    )
    children, deadline = [], time.monotonic() + 30
    while len(children) < 2 and parent.poll() is None and time.monotonic() < deadline:
        children = [int(p) for p in Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()]
        time.sleep(0.01)
    assert len(children) == 2  # on standby, importing, before the study name was even looked up
    _, err = parent.communicate(timeout=120)
    assert parent.returncode == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]  # killed and reaped, not orphaned
