import shutil

import optuna
import pytest
import torch

from conftest import run_tiny, sqlite_url, tiny_spec
from pipeline.driver import RunOptions, run_arms
from pipeline.errors import UsageError

FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


def copy_db(url, tmp_path):
    source = url.removeprefix("sqlite:///")
    for suffix in ("", "-wal", "-shm"):
        try:
            shutil.copy(source + suffix, tmp_path / f"copy.db{suffix}")
        except FileNotFoundError:
            pass
    return tmp_path / "copy.db"


def finished_counts(url):
    return {
        s.study_name: len(optuna.load_study(study_name=s.study_name, storage=url).get_trials(states=FINISHED))
        for s in optuna.get_all_study_summaries(url)
    }


def snapshot(url):
    return {
        s.study_name: [(t.number, t.state, t.value, tuple(sorted(t.params.items())))
                       for t in optuna.load_study(study_name=s.study_name, storage=url).trials]
        for s in optuna.get_all_study_summaries(url)
    }


def test_compare_runs_every_sampler_and_seed_to_its_budget_in_one_file(tiny_comparison):
    url, spec = tiny_comparison
    assert finished_counts(url) == {arm.study_name: spec.trials for arm in spec.arms()}


def test_every_study_carries_its_configuration(tiny_comparison):
    url, spec = tiny_comparison
    for summary in optuna.get_all_study_summaries(url):
        attrs = summary.user_attrs
        arm = spec.arm(attrs["sampler"], attrs["seed"])
        assert summary.study_name == arm.study_name
        assert attrs["study"] == "digits_mlp" and attrs["dataset"] == "digits"
        assert attrs["sampler_settings"] == arm.sampler_settings
        assert attrs["pruner"] == "median" and attrs["pruner_settings"]["n_warmup_steps"] == 1
        assert attrs["config_hash"] == arm.config_hash and attrs["config"] == arm.to_dict()
        assert attrs["trials"] == spec.trials and attrs["epochs"] == spec.epochs
        assert attrs["split_sizes"]["train"] + attrs["split_sizes"]["val"] == 1437
        assert set(attrs["versions"]) == {"pipeline", "python", "optuna", "torch"}


def test_median_pruned_studies_contain_pruned_trials(tiny_comparison):
    url, _ = tiny_comparison
    pruned = [t for s in optuna.get_all_study_summaries(url)
              for t in optuna.load_study(study_name=s.study_name, storage=url).trials
              if t.state == optuna.trial.TrialState.PRUNED]
    assert pruned and all("end_reason" in t.user_attrs for t in pruned)


def test_every_study_exists_before_the_first_trial_runs(tmp_path):
    spec = tiny_spec(trials=1, epochs=1)
    url = sqlite_url(tmp_path / "order.db")
    seen = []
    run_arms(spec, spec.arms(), RunOptions(url, torch.device("cpu")),
             on_start=lambda remaining: seen.append(len(optuna.get_all_study_summaries(url))))
    assert seen == [len(spec.arms())]


def test_rerunning_resumes_without_adding_or_changing_trials(tiny_comparison, tmp_path):
    url = sqlite_url(copy_db(tiny_comparison[0], tmp_path))
    before = snapshot(url)
    run_tiny(tmp_path / "copy.db")
    assert snapshot(url) == before


def test_a_larger_budget_extends_each_study(tiny_comparison, tmp_path):
    url = sqlite_url(copy_db(tiny_comparison[0], tmp_path))
    run_tiny(tmp_path / "copy.db", trials=8)
    assert set(finished_counts(url).values()) == {8}


def test_resuming_with_other_epochs_is_refused_and_changes_nothing(tiny_comparison, tmp_path):
    path = copy_db(tiny_comparison[0], tmp_path)
    before = snapshot(sqlite_url(path))
    with pytest.raises(UsageError, match=r"run with another configuration \(epochs: stored 3, asked 4\)"):
        run_tiny(path, epochs=4)
    assert snapshot(sqlite_url(path)) == before


def test_same_seeds_reproduce_identical_parameters_and_values(tiny_comparison, tmp_path):
    url, _ = tiny_comparison
    run_tiny(tmp_path / "again.db")
    assert snapshot(sqlite_url(tmp_path / "again.db")) == snapshot(url)


def test_paired_arms_share_the_data_split_and_start_alike(tiny_comparison):
    url, _ = tiny_comparison
    random = optuna.load_study(study_name="digits_mlp-random-seed0", storage=url).trials
    tpe = optuna.load_study(study_name="digits_mlp-tpe-seed0", storage=url).trials
    # TPE's first trials are random ones from the same seed: same parameters, same split → same values.
    assert [t.params for t in random[:3]] == [t.params for t in tpe[:3]]
    assert [t.intermediate_values for t in random[:3]] == [t.intermediate_values for t in tpe[:3]]
