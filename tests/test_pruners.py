import optuna
import pytest

from pipeline.errors import UsageError
from pipeline.pruners import PRUNERS, make_pruner, parse_pruner, pruner_settings


def test_parse_pruner_reads_name_and_numeric_settings():
    assert parse_pruner("median:n_warmup_steps=3, n_startup_trials=5") == (
        "median", {"n_warmup_steps": 3, "n_startup_trials": 5}
    )
    assert parse_pruner("percentile:percentile=10.5") == ("percentile", {"percentile": 10.5})
    assert parse_pruner("none") == ("none", {})


def test_settings_start_from_written_out_defaults():
    assert pruner_settings("median", {"n_warmup_steps": 4}, epochs=10) == {
        "n_startup_trials": 5, "n_warmup_steps": 4, "interval_steps": 1
    }
    assert pruner_settings("hyperband", {}, epochs=12)["max_resource"] == 12


@pytest.mark.parametrize("name", list(PRUNERS))
def test_every_pruner_is_built_from_its_settings(name):
    pruner = make_pruner(name, pruner_settings(name, {}, epochs=10))
    assert isinstance(pruner, PRUNERS[name])


def test_median_pruner_from_settings_really_prunes():
    pruner = make_pruner("median", pruner_settings("median", {"n_startup_trials": 1, "n_warmup_steps": 0}, epochs=3))
    study = optuna.create_study(pruner=pruner)
    good = study.ask()
    good.report(0.1, 0)
    study.tell(good, 0.1)
    bad = study.ask()
    bad.report(5.0, 0)
    assert bad.should_prune()


@pytest.mark.parametrize("text, message", [
    ("medain", r"unknown pruner 'medain' \(choose from: median, none, percentile"),
    ("median:warmup=3", r"unknown setting 'warmup' for pruner 'median' \(allowed: n_startup_trials, n_warmup_steps"),
    ("median:n_warmup_steps", r"bad pruner setting 'n_warmup_steps' \(write NAME:key=value"),
    ("percentile:percentile=150", r"bad setting for pruner 'percentile'"),
])
def test_bad_pruner_input_says_what_is_allowed(text, message):
    with pytest.raises(UsageError, match=message):
        name, settings = parse_pruner(text)
        pruner_settings(name, settings, epochs=10)
