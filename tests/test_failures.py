"""Which failures a study survives, run as users run it: diverging losses and out-of-memory trials end
only that trial; a bug in an objective stops the run naming the trial."""

import subprocess
import sys

import optuna
import pytest

pytestmark = pytest.mark.slow
STATES = optuna.trial.TrialState

OBJECTIVE = """
from types import SimpleNamespace
from torch import nn
from pipeline.training import TrainingParams

def suggest(trial):
    lr = trial.suggest_float("lr", {low}, {high}, log=True)
    width = trial.suggest_categorical("width", {widths})
    return SimpleNamespace(training=TrainingParams(lr=lr, batch_size=64, optimizer="sgd", momentum=0.9), width=width)

def build(params, input_shape, n_classes):
    {build}
    w = params.width
    return nn.Sequential(nn.Flatten(), nn.Linear(64, w), nn.ReLU(), nn.Linear(w, w), nn.ReLU(), nn.Linear(w, n_classes))
"""

STUDY = """
import wild
from pipeline import StudySpec, main

STUDY = StudySpec(name="wild", dataset="digits", objective=wild, epochs=3, trials={trials}, seeds=1,
                  samplers=("random",), pruner="none")

if __name__ == "__main__":
    main(STUDY)
"""


def run_study(tmp_path, *, low=1e-3, high=1e-2, widths=(32,), build="", trials=6):
    (tmp_path / "wild.py").write_text(OBJECTIVE.format(low=low, high=high, widths=list(widths), build=build))
    (tmp_path / "study.py").write_text(STUDY.format(trials=trials))
    result = subprocess.run(
        [sys.executable, "study.py", "compare", "--storage", "wild.db", "--no-progress"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    study = optuna.load_study(study_name="wild-random-seed0", storage=f"sqlite:///{tmp_path / 'wild.db'}")
    return result, study.get_trials()


def finished(trials):
    return sum(t.state in (STATES.COMPLETE, STATES.PRUNED) for t in trials)


def test_a_study_whose_learning_rates_diverge_completes_with_those_trials_pruned(tmp_path):
    result, trials = run_study(tmp_path, low=1e-2, high=1e4)
    assert result.returncode == 0, result.stderr
    diverged = [t for t in trials if "diverged" in t.user_attrs.get("end_reason", "")]
    assert diverged and all(t.state == STATES.PRUNED for t in diverged)
    assert finished(trials) == 6


def test_out_of_memory_ends_only_that_trial(tmp_path):
    # A 2**20-wide layer asks for terabytes: a real allocation failure, not a simulated one.
    result, trials = run_study(tmp_path, widths=(32, 2**20), trials=4)
    assert result.returncode == 0, result.stderr
    failed = [t for t in trials if t.state == STATES.FAIL]
    assert failed and all(t.params["width"] == 2**20 for t in failed)
    assert all(t.user_attrs["end_reason"].startswith("out of memory") for t in failed)
    assert finished(trials) == 4


def test_trials_that_can_never_run_stop_the_run_with_what_to_do(tmp_path):
    result, trials = run_study(tmp_path, widths=(2**20,))
    assert result.returncode == 1
    assert (
        result.stderr.strip().splitlines()[-1].startswith("error: 5 trials of wild-random-seed0 in a row could not run")
    )
    assert "Traceback" not in result.stderr


def test_a_bug_in_the_objective_stops_the_run_naming_the_trial_and_its_parameters(tmp_path):
    result, trials = run_study(tmp_path, build='raise ValueError("boom")')
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: trial 0 of wild-random-seed0 raised ValueError: boom (params: {'lr': ")
    assert "rerun the same command to resume" in last
    assert 'raise ValueError("boom")' in result.stderr  # the traceback shows where
    assert [t.state for t in trials] == [STATES.FAIL]
