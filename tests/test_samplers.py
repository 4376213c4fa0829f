import optuna
import pytest

from pipeline.errors import UsageError
from pipeline.samplers import SAMPLERS, make_sampler, sampler_settings


def test_tpe_settings_are_written_out_explicitly():
    settings = sampler_settings("tpe", seed=3)
    assert settings == {
        "n_startup_trials": 10, "n_ei_candidates": 24, "multivariate": True,
        "group": True, "constant_liar": True, "seed": 3,
    }
    sampler = make_sampler("tpe", settings)
    assert isinstance(sampler, optuna.samplers.TPESampler)


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
