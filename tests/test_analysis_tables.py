"""Loading a comparison from SQLite into tidy tables."""

import optuna
import pytest
from conftest import sqlite_url
from handmade import FAIL, add_arm, pruned

from pipeline.analysis.tables import load_tables, load_trials, study_names
from pipeline.errors import UsageError


def test_arms_come_from_study_attrs_not_from_study_names(tmp_path):
    url = sqlite_url(tmp_path / "c.db")
    add_arm(url, "tpe", 3, [1.0], name="renamed-by-hand")
    trials = load_trials(url, ["renamed-by-hand"])
    assert trials[["sampler", "seed"]].values.tolist() == [["tpe", 3]]


def test_cumulative_epochs_and_seconds_run_in_trial_order_within_each_study(tmp_path):
    url = sqlite_url(tmp_path / "c.db")
    add_arm(url, "random", 0, [1.0, pruned(1), FAIL, 0.5], epochs=3, seconds=2.0)
    add_arm(url, "tpe", 0, [2.0, 1.0], epochs=3, seconds=5.0)
    trials = load_trials(url, ["toy-random-seed0", "toy-tpe-seed0"])
    random, tpe = trials[trials.sampler == "random"], trials[trials.sampler == "tpe"]
    assert random.cum_epochs.tolist() == [3, 4, 4, 7]  # the failed trial trained nothing
    assert random.cum_seconds.tolist() == pytest.approx([2.0, 4.0, 6.0, 8.0])  # but its time counts
    assert tpe.cum_epochs.tolist() == [3, 6]
    assert tpe.cum_seconds.tolist() == pytest.approx([5.0, 10.0])
    assert random.state.tolist() == ["COMPLETE", "PRUNED", "FAIL", "COMPLETE"]
    assert trials.budget.tolist() == [4, 4, 4, 4, 2, 2] and set(trials.max_epochs) == {3}


def test_params_start_times_and_per_epoch_losses_are_read_back(tmp_path):
    url = sqlite_url(tmp_path / "c.db")
    add_arm(url, "random", 0, [1.0, pruned(2, value=0.5)], epochs=3)
    tables = load_tables(url, ["toy-random-seed0"])
    assert tables.trials.params_x.tolist() == [0.0, 0.1]
    assert tables.trials.datetime_start.notna().all() and tables.trials.datetime_complete.notna().all()
    epochs = tables.epochs
    assert epochs.epoch.tolist() == [1, 2, 3, 1, 2]  # 1-based: epochs trained when reported
    assert epochs.val_loss.tolist() == pytest.approx([1.2, 1.1, 1.0, 0.6, 0.5])
    assert epochs.train_loss.tolist() == pytest.approx([1.08, 0.99, 0.9, 0.54, 0.45])
    assert tables.studies[["sampler", "seed", "trials", "epochs"]].values.tolist() == [["random", 0, 2, 3]]


def test_a_study_missing_from_storage_is_a_usage_error_that_names_what_is_there(tmp_path):
    url = sqlite_url(tmp_path / "c.db")
    add_arm(url, "random", 0, [1.0], study="digits_mlp")
    assert study_names(url, "digits_mlp", where="c.db") == ["digits_mlp-random-seed0"]
    with pytest.raises(UsageError, match=r"no studies of 'cifar10_cnn' in c.db \(it holds: digits_mlp\)"):
        study_names(url, "cifar10_cnn", where="c.db")


def test_a_study_with_only_running_trials_loads_as_numbers():
    study = optuna.create_study(study_name="live")
    study.set_user_attr("sampler", "random")
    study.set_user_attr("seed", 0)
    study.ask()
    trials = load_trials(study._storage, ["live"])
    assert trials.state.tolist() == ["RUNNING"]
    assert trials.cum_seconds.tolist() == [0.0] and trials.duration_s.isna().all()
