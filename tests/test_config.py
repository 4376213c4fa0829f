import dataclasses

import pytest

from pipeline.config import StudySpec
from pipeline.errors import UsageError
from pipeline.objectives import mlp


def spec(**changes):
    base = dict(name="s", dataset="digits", objective=mlp, epochs=5, trials=10, seeds=2)
    return StudySpec(**{**base, **changes})


def test_arms_pair_every_sampler_with_every_seed_seed_major():
    arms = spec(samplers=("random", "tpe")).arms()
    assert [(a.seed, a.sampler) for a in arms] == [(0, "random"), (0, "tpe"), (1, "random"), (1, "tpe")]
    assert arms[1].study_name == "s-tpe-seed0"
    assert arms[1].sampler_settings["seed"] == 0 and arms[1].pruner_settings["n_startup_trials"] == 5


def test_the_budget_is_not_part_of_an_arms_identity_but_epochs_are():
    a = spec().arm("tpe", 0)
    assert spec(trials=50).arm("tpe", 0).config_hash == a.config_hash
    assert spec(epochs=6).arm("tpe", 0).config_hash != a.config_hash


def test_differences_name_each_changed_setting():
    stored = spec().arm("tpe", 0).to_dict()
    assert spec(epochs=6).arm("tpe", 0).differences(stored) == ["epochs: stored 5, asked 6"]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"epochs": 0}, "epochs must be a positive integer, got 0"),
        ({"trials": -1}, "trials must be a positive integer, got -1"),
        ({"seeds": 2.5}, "seeds must be a positive integer, got 2.5"),
        ({"dataset": "imagenet"}, "unknown dataset 'imagenet'"),
        ({"samplers": ("random", "bayes")}, "unknown sampler 'bayes'"),
        ({"pruner": "early"}, "unknown pruner 'early'"),
        ({"val_fraction": 1.0}, "val_fraction must be between 0 and 1"),
        ({"objective": dataclasses}, "lacks suggest\\(\\) and build\\(\\)"),
        ({"early_stopping": {"patience": 5}}, "patience must be a whole number of epochs from 1 to 4"),
        ({"early_stopping": {"patience": 2, "min_delta": -1}}, "min_delta must be a number >= 0"),
        ({"early_stopping": {"patiense": 2}}, "early_stopping must be \\{'patience': N\\}"),
    ],
)
def test_a_bad_study_declaration_is_refused_with_what_is_allowed(changes, message):
    with pytest.raises(UsageError, match=message):
        spec(**changes)


def test_early_stopping_is_part_of_an_arms_identity_and_unset_it_leaves_older_studies_unchanged():
    plain = spec().arm("tpe", 0)
    assert "early_stopping" not in plain.to_dict()  # studies stored before the setting existed still match
    stopping = spec(early_stopping={"patience": 2}).arm("tpe", 0)
    assert stopping.to_dict()["early_stopping"] == {"patience": 2, "min_delta": 0.0}
    assert stopping.differences(plain.to_dict()) == [
        "early_stopping: stored None, asked {'min_delta': 0.0, 'patience': 2}"
    ]
