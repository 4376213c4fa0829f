import shutil

import optuna
import pytest
import torch
from conftest import run_tiny, sqlite_url, tiny_spec

from pipeline.errors import UsageError
from pipeline.run.driver import RunOptions, run_arms
from pipeline.trial_states import FINISHED


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
        s.study_name: [
            (t.number, t.state, t.value, tuple(sorted(t.params.items())))
            for t in optuna.load_study(study_name=s.study_name, storage=url).trials
        ]
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
    pruned = [
        t
        for s in optuna.get_all_study_summaries(url)
        for t in optuna.load_study(study_name=s.study_name, storage=url).trials
        if t.state == optuna.trial.TrialState.PRUNED
    ]
    assert pruned and all("end_reason" in t.user_attrs for t in pruned)


def test_every_study_exists_before_the_first_trial_runs(tmp_path):
    spec = tiny_spec(trials=1, epochs=1)
    url = sqlite_url(tmp_path / "order.db")
    seen = []
    run_arms(
        spec,
        spec.arms(),
        RunOptions(url, torch.device("cpu")),
        on_start=lambda remaining: seen.append(len(optuna.get_all_study_summaries(url))),
    )
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
    assert [t.params for t in random[:2]] == [t.params for t in tpe[:2]]
    assert [t.intermediate_values for t in random[:2]] == [t.intermediate_values for t in tpe[:2]]
    assert [t.params for t in random[2:]] != [t.params for t in tpe[2:]]  # then TPE models


def repeated_params(url) -> dict[str, int]:
    """Per study, how many finished trials repeat an earlier finished trial's parameters exactly."""
    repeats = {}
    for s in optuna.get_all_study_summaries(url):
        finished = optuna.load_study(study_name=s.study_name, storage=url).get_trials(states=FINISHED)
        params = [tuple(sorted(t.params.items())) for t in finished]
        repeats[s.study_name] = len(params) - len(set(params))
    return repeats


def test_an_extended_study_draws_new_parameters_exactly_as_one_uninterrupted_run(tmp_path):
    run_tiny(tmp_path / "extended.db", trials=3)
    run_tiny(tmp_path / "extended.db", trials=6)  # a new run: the samplers start again, the streams do not
    extended = sqlite_url(tmp_path / "extended.db")
    assert set(repeated_params(extended).values()) == {0}
    run_tiny(tmp_path / "straight.db", trials=6)
    assert snapshot(extended) == snapshot(sqlite_url(tmp_path / "straight.db"))


def test_every_study_records_how_its_trials_are_seeded(tiny_comparison):
    url, spec = tiny_comparison
    for arm in spec.arms():
        attrs = optuna.load_study(study_name=arm.study_name, storage=url).user_attrs
        assert attrs["config"]["sampling"] == "per-trial"
        assert attrs["sampling"].startswith("per-trial streams: trial n samples with seeds.sampler_seed(seed, n)")


def test_changed_sampler_options_are_refused_on_resume_and_change_nothing(tiny_comparison, tmp_path):
    path = copy_db(tiny_comparison[0], tmp_path)
    before = snapshot(sqlite_url(path))
    with pytest.raises(
        UsageError,
        match=r"another configuration \(sampler_settings: stored .*'n_startup_trials': 2.*"
        r"asked .*'n_startup_trials': 3",
    ):
        run_tiny(path, sampler_options={"tpe": {"n_startup_trials": 3}})
    assert snapshot(sqlite_url(path)) == before


def test_sampler_options_reach_the_sampler_and_the_stored_settings(tmp_path):
    spec = run_tiny(tmp_path / "options.db", seeds=1, trials=4, sampler_options={"tpe": {"n_startup_trials": 2}})
    assert tiny_spec(sampler_options={}).arm("tpe", 0).sampler_settings["n_startup_trials"] == 10  # the default
    url = sqlite_url(tmp_path / "options.db")
    tpe = optuna.load_study(study_name="digits_mlp-tpe-seed0", storage=url)
    random = optuna.load_study(study_name="digits_mlp-random-seed0", storage=url)
    assert tpe.user_attrs["sampler_settings"]["n_startup_trials"] == 2 and spec.samplers == ("random", "tpe")
    # two random startup trials shared with the random arm, then TPE's own
    assert [t.params for t in tpe.trials[:2]] == [t.params for t in random.trials[:2]]
    assert [t.params for t in tpe.trials[2:]] != [t.params for t in random.trials[2:]]


def test_a_sampler_named_twice_is_refused():
    with pytest.raises(UsageError, match=r"sampler 'tpe' is named twice"):
        tiny_spec(samplers=("random", "tpe", "tpe"))


def test_a_study_whose_dataset_function_returns_torch_datasets_runs_like_a_built_in(tmp_path):
    from torch.utils.data import TensorDataset

    from pipeline.data import load_raw

    digits = load_raw("digits")

    def my_digits():
        flat = lambda x: x.reshape(len(x), -1)  # noqa: E731  feature vectors, not images
        return TensorDataset(flat(digits.train_x), digits.train_y), TensorDataset(flat(digits.test_x), digits.test_y)

    spec = run_tiny(tmp_path / "own.db", dataset=my_digits, seeds=1, trials=3)
    url = sqlite_url(tmp_path / "own.db")
    study = optuna.load_study(study_name="digits_mlp-tpe-seed0", storage=url)
    assert spec.arms()[0].dataset == "my_digits" and study.user_attrs["dataset"] == "my_digits"
    assert study.user_attrs["split_sizes"]["test (unused while tuning)"] == len(digits.test_y)
    finished = study.get_trials(states=FINISHED)
    assert len(finished) == 3 and all(t.user_attrs["val_accuracy"] > 0 for t in finished)


def test_the_value_is_named_val_loss_for_the_dashboard(tiny_comparison):
    url, spec = tiny_comparison
    for arm in spec.arms():
        assert optuna.load_study(study_name=arm.study_name, storage=url).metric_names == ["val_loss"]


@pytest.mark.slow
def test_a_time_budget_stops_each_study_keeps_its_trials_and_says_so_beside_the_verdict(tmp_path):
    from conftest import cli

    args = ["compare", "digits_mlp", "--trials", "500", "--seeds", "1", "--epochs", "2", "--timeout", "3"]
    args += ["--storage", str(tmp_path / "t.db"), "--no-progress"]
    first = cli(*args)
    assert first.returncode == 0, first.stderr
    assert "Verdict: time budget: --timeout 3 s per study ended some studies before their trial budget" in first.stdout
    counts = {}
    for sampler in ("random", "tpe"):
        study = optuna.load_study(study_name=f"digits_mlp-{sampler}-seed0", storage=sqlite_url(tmp_path / "t.db"))
        finished = study.get_trials(states=FINISHED)
        assert 0 < len(finished) < 500
        assert study.user_attrs["time_budget"] == {"timeout_s": 3.0, "finished": len(finished)}
        ran = max(t.datetime_complete for t in finished) - min(t.datetime_start for t in study.trials)
        assert ran.total_seconds() < 3 + 5  # the last trial started before the deadline, and finished
        counts[sampler] = len(finished)
    again = cli(*args)  # a rerun continues each study for another 3 s
    assert again.returncode == 0, again.stderr
    for sampler, before in counts.items():
        study = optuna.load_study(study_name=f"digits_mlp-{sampler}-seed0", storage=sqlite_url(tmp_path / "t.db"))
        assert len(study.get_trials(states=FINISHED)) > before
