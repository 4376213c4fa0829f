"""The end of a search: retrain the best configuration on training + validation data, test it once."""

import json
import shutil

import optuna
import pytest
import torch
from conftest import cli, run_tiny

from pipeline.data import TEST_SPLIT_READS, final_evaluation, final_test_split, load_raw, training_and_validation
from pipeline.final import retrain_and_test
from pipeline.run.rerun import stored_trial
from pipeline.storage import Storage
from pipeline.training import evaluate


def test_tuning_never_reads_the_test_split_and_nothing_outside_the_final_evaluation_can(tmp_path):
    before = len(TEST_SPLIT_READS)
    run_tiny(tmp_path / "c.db", seeds=1, trials=3, epochs=2)  # compare's whole path: data, trials, notes
    assert TEST_SPLIT_READS[before:] == []
    raw = load_raw("digits")
    with pytest.raises(RuntimeError, match="read only by the final evaluation"):
        final_test_split(raw, training_and_validation(raw, device="cpu"), device="cpu")


@pytest.fixture
def comparison(tiny_comparison, tmp_path):
    url, spec = tiny_comparison
    shutil.copy(url.removeprefix("sqlite:///"), tmp_path / "c.db")
    return tmp_path / "c.db", spec


def test_retrain_tests_once_saves_weights_that_reproduce_the_test_figures_and_records_them(comparison):
    path, spec = comparison
    storage = Storage(f"sqlite:///{path}")
    found = json.loads(cli("best", "digits_mlp", "--storage", str(path), "--format", "json").stdout)["best"]
    trial = stored_trial(storage, found["study_name"], found["number"])
    before = len(TEST_SPLIT_READS)
    result = retrain_and_test(spec, storage, trial, device=torch.device("cpu"), data_dir=path.parent, download=False)
    assert TEST_SPLIT_READS[before:] == ["tune retrain"]  # read once
    record = json.loads(result.summary.read_text())
    assert record == result.record and record["n_test"] == 360 and record["trained_on"] == 1437
    assert 0.5 < record["test_accuracy"] <= 1 and record["test_loss"] > 0

    # The weights reload as a plain state_dict and give exactly the same test figures.
    raw = load_raw("digits")
    data = training_and_validation(raw, device="cpu")
    params = spec.objective.suggest(optuna.trial.FixedTrial(trial.params, number=trial.number))
    model = spec.objective.build(params, data.input_shape, data.n_outputs)
    model.load_state_dict(torch.load(result.weights, weights_only=True))
    with final_evaluation("this test"):
        test = final_test_split(raw, data, device="cpu")
    assert evaluate(model, test) == (record["test_loss"], record["test_accuracy"])

    # Recorded on the study; a second retrain shows it without touching the test split.
    study = optuna.load_study(study_name=trial.study_name, storage=storage.open())
    assert study.user_attrs["final_test"][str(trial.number)] == record
    reads = len(TEST_SPLIT_READS)
    again = retrain_and_test(spec, storage, trial, device=torch.device("cpu"), data_dir=path.parent, download=False)
    assert again.again and again.record == record and len(TEST_SPLIT_READS) == reads


@pytest.mark.slow
def test_tune_retrain_from_the_command_line_refuses_a_second_run_unless_forced(comparison):
    path, _ = comparison
    first = cli("retrain", "digits_mlp", "--storage", str(path))
    assert first.returncode == 0, first.stderr
    assert "test accuracy" in first.stdout and "retrained on training + validation" in first.stdout
    weights = next((path.parent / "c-final").glob("*.pt"))
    second = cli("retrain", "digits_mlp", "--storage", str(path))
    assert second.returncode == 0 and second.stdout.startswith("Already done on ")
    assert "pass --force" in second.stdout
    forced = cli("retrain", "digits_mlp", "--storage", str(path), "--force")
    assert forced.returncode == 0 and not forced.stdout.startswith("Already")
    assert first.stdout.splitlines()[1] == forced.stdout.splitlines()[1]  # same seed, same figures
    assert weights.is_file()
    bad = cli("retrain", "digits_mlp", "--storage", str(path), "--trial", "digits_mlp-tpe-seed0:x")
    assert bad.returncode == 2 and "write STUDY_NAME:N" in bad.stderr
