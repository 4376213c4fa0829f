import optuna
import pytest

from pipeline.errors import UsageError
from pipeline.samplers import SAMPLERS, make_sampler, parse_sampler_option, sampler_settings


def test_tpe_settings_are_written_out_explicitly():
    settings = sampler_settings("tpe", seed=3)
    assert settings == {
        "n_startup_trials": 10,
        "n_ei_candidates": 24,
        "multivariate": True,
        "group": True,
        "constant_liar": True,
        "seed": 3,
    }
    sampler = make_sampler("tpe", settings)
    assert isinstance(sampler.current, optuna.samplers.TPESampler)


@pytest.mark.parametrize("name", ["random", "tpe", "qmc", "gp"])
def test_every_sampler_is_built_from_its_stored_settings(name):
    assert isinstance(make_sampler(name, sampler_settings(name, seed=0)), optuna.samplers.BaseSampler)


def test_same_seed_samples_the_same_parameters():
    def sample(seed):
        study = optuna.create_study(sampler=make_sampler("random", sampler_settings("random", seed)))
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        return [t.params["x"] for t in study.trials]

    assert sample(0) == sample(0) != sample(1)


def test_unknown_sampler_lists_the_choices():
    with pytest.raises(UsageError, match=r"unknown sampler 'tpee' \(choose from: " + ", ".join(SAMPLERS)):
        sampler_settings("tpee", seed=0)


def params_of(study):
    return [tuple(sorted(t.params.items())) for t in study.trials]


def objective(trial):
    return trial.suggest_float("x", 0, 1) + trial.suggest_float("y", 0, 1)


@pytest.mark.parametrize("name", ["random", "tpe"])
def test_a_resumed_study_draws_new_parameters_and_matches_one_uninterrupted_run(name, tmp_path):
    settings = sampler_settings(name, 0, {"n_startup_trials": 3} if name == "tpe" else None)
    url = f"sqlite:///{tmp_path / 'resume.db'}"
    first = optuna.create_study(storage=url, study_name="s", sampler=make_sampler(name, settings))
    first.optimize(objective, n_trials=3)
    resumed = optuna.load_study(storage=url, study_name="s", sampler=make_sampler(name, settings))  # a new process
    resumed.optimize(objective, n_trials=3)
    whole = optuna.create_study(sampler=make_sampler(name, settings))
    whole.optimize(objective, n_trials=6)
    assert len(set(params_of(resumed))) == 6  # no repeat of trials 0-2
    assert params_of(resumed) == params_of(whole)  # trial n samples the same way whoever runs it


def test_two_processes_with_the_same_seed_on_one_study_never_share_a_stream(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    optuna.create_study(storage=url, study_name="s")
    a, b = (
        optuna.load_study(storage=url, study_name="s", sampler=make_sampler("random", sampler_settings("random", 0)))
        for _ in range(2)
    )
    for _ in range(3):
        a.optimize(objective, n_trials=1)
        b.optimize(objective, n_trials=1)
    assert len(set(params_of(a))) == 6


def test_random_and_tpe_with_the_same_seed_share_their_startup_draws():
    random = optuna.create_study(sampler=make_sampler("random", sampler_settings("random", 4)))
    tpe = optuna.create_study(sampler=make_sampler("tpe", sampler_settings("tpe", 4)))
    for study in (random, tpe):
        study.optimize(objective, n_trials=4)
    assert params_of(random) == params_of(tpe)  # common random numbers: arms differ only once TPE models


@pytest.mark.parametrize(
    "text, message",
    [
        ("tpe:n_startup=5", r"unknown setting 'n_startup' for sampler 'tpe' \(allowed: .*n_startup_trials"),
        ("tpe:seed=3", r"unknown setting 'seed'"),
        ("tpe:n_startup_trials=2.5", r"sampler 'tpe' setting n_startup_trials=2.5: expected an integer"),
        ("tpe:multivariate=false", r"bad setting for sampler 'tpe': ``group`` option can only be enabled when"),
        ("tpe", r"sets nothing"),
        ("tpee:x=1", r"unknown sampler 'tpee'"),
        ("tpe:n_startup_trials", r"bad sampler setting 'n_startup_trials' \(write NAME:key=value"),
    ],
)
def test_bad_sampler_options_say_what_is_allowed(text, message):
    with pytest.raises(UsageError, match=message):
        parse_sampler_option(text)


def test_sampler_options_parse_numbers_and_booleans_over_the_defaults():
    name, options = parse_sampler_option("tpe:n_startup_trials=5,multivariate=false,group=false")
    assert (name, options) == ("tpe", {"n_startup_trials": 5, "multivariate": False, "group": False})
    settings = sampler_settings(name, 1, options)
    assert settings["n_startup_trials"] == 5 and settings["multivariate"] is False and settings["n_ei_candidates"] == 24


@pytest.mark.parametrize("text", ["tpe:gamma=10", "qmc:independent_sampler=1", "cmaes:x0=1"])
def test_settings_that_take_objects_cannot_be_given_on_the_command_line(text):
    with pytest.raises(UsageError, match=r"unknown setting"):
        parse_sampler_option(text)
