import optuna
import pytest

from pipeline.errors import UsageError
from pipeline.pruners import PRUNERS, explain_pruning, first_prunable_step, make_pruner, parse_pruner, pruner_settings


def test_parse_pruner_reads_name_and_numeric_settings():
    assert parse_pruner("median:n_warmup_steps=3, n_startup_trials=5") == (
        "median",
        {"n_warmup_steps": 3, "n_startup_trials": 5},
    )
    assert parse_pruner("percentile:percentile=10.5") == ("percentile", {"percentile": 10.5})
    assert parse_pruner("none") == ("none", {})


def test_settings_start_from_written_out_defaults():
    assert pruner_settings("median", {"n_warmup_steps": 4}, epochs=10) == {
        "n_startup_trials": 5,
        "n_warmup_steps": 4,
        "interval_steps": 1,
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


@pytest.mark.parametrize("name", ["median", "percentile"])
def test_before_its_first_prunable_step_a_pruner_never_prunes_even_a_hopeless_trial(name):
    settings = pruner_settings(name, {"n_startup_trials": 1, "n_warmup_steps": 3}, epochs=6)
    study = optuna.create_study(pruner=make_pruner(name, settings))
    good = study.ask()
    for step in range(6):
        good.report(0.1, step)
    study.tell(good, 0.1)
    hopeless = study.ask()
    answers = []
    for step in range(6):
        hopeless.report(50.0, step)
        answers.append(hopeless.should_prune())
    first = first_prunable_step(name, settings)
    assert answers == [False] * first + [True] * (6 - first)


@pytest.mark.parametrize(
    "text, message",
    [
        ("medain", r"unknown pruner 'medain' \(choose from: median, median-accuracy, none, patient, percentile"),
        (
            "median:warmup=3",
            r"unknown setting 'warmup' for pruner 'median' \(allowed: n_startup_trials, n_warmup_steps",
        ),
        ("median:n_warmup_steps", r"bad pruner setting 'n_warmup_steps' \(write NAME:key=value"),
        ("percentile:percentile=150", r"bad setting for pruner 'percentile'"),
    ],
)
def test_bad_pruner_input_says_what_is_allowed(text, message):
    with pytest.raises(UsageError, match=message):
        name, settings = parse_pruner(text)
        pruner_settings(name, settings, epochs=10)


def pruned_after_three_complete(pruner):
    """Complete trials whose losses after epoch 2 (step 1) are 0.5, 0.7 and 0.9, then one at 0.75 then 0.8 (pruned)."""
    study = optuna.create_study(pruner=pruner)
    for values in ([1.0, 0.5], [3.0, 0.7], [2.0, 0.9]):
        trial = study.ask()
        for step, value in enumerate(values):
            trial.report(value, step)
        study.tell(trial, values[-1])
    late = study.ask()
    late.report(0.75, 0)
    late.report(0.8, 1)
    assert late.should_prune()
    return explain_pruning(study, step=1, values=[0.75, 0.8])


@pytest.mark.parametrize(
    "pruner, expected",
    [
        (
            optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=1),
            "pruned after epoch 2: best validation loss so far 0.75 is above the median 0.7 of 3 complete "
            "trials after epoch 2",
        ),
        (
            optuna.pruners.PercentilePruner(25.0, n_startup_trials=1, n_warmup_steps=1),
            "pruned after epoch 2: best validation loss so far 0.75 is above the 25th percentile 0.6 of 3 "
            "complete trials after epoch 2",
        ),
        (optuna.pruners.ThresholdPruner(upper=0.77), "pruned after epoch 2 by ThresholdPruner: validation loss 0.8"),
    ],
)
def test_a_pruned_trial_is_told_the_threshold_its_pruner_compared_it_against(pruner, expected):
    assert pruned_after_three_complete(pruner) == expected


# The accuracy pruner, with hand-written accuracies: complete trials first, then the trial being judged.
def accuracy_study(complete: list[list[float]], **settings) -> optuna.Study:
    study = optuna.create_study(
        pruner=make_pruner("median-accuracy", pruner_settings("median-accuracy", settings, epochs=5))
    )
    for accuracies in complete:
        study.add_trial(
            optuna.trial.create_trial(
                value=1.0 - accuracies[-1],
                intermediate_values={step: 1.0 - a for step, a in enumerate(accuracies)},
                system_attrs={"val_metric": accuracies},
            )
        )
    return study


def judged(study: optuna.Study, accuracies: list[float], *, loss: float = 0.5) -> list[bool]:
    """Whether the pruner would prune the new trial after each of its epochs. Its loss is the same at every
    epoch on purpose: only the accuracy decides."""
    trial = study.ask()
    answers = []
    for step in range(len(accuracies)):
        trial.storage.set_trial_system_attr(trial._trial_id, "val_metric", accuracies[: step + 1])
        trial.report(loss, step)
        answers.append(trial.should_prune())
    study.tell(trial, loss)
    return answers


THREE = [[0.5, 0.6, 0.7, 0.8], [0.4, 0.5, 0.6, 0.7], [0.6, 0.7, 0.8, 0.9]]  # medians by epoch: .5 .6 .7 .8


def test_the_accuracy_pruner_prunes_below_the_median_accuracy_at_the_same_epoch_only():
    def study():
        return accuracy_study(THREE, n_startup_trials=3, n_warmup_steps=1)

    assert judged(study(), [0.1, 0.65, 0.65, 0.75]) == [False, False, True, True]  # epoch 1 is warm-up
    assert judged(study(), [0.1, 0.6, 0.7, 0.8]) == [False, False, False, False]  # at the median: kept


def test_the_accuracy_pruner_ignores_the_loss_a_low_loss_with_low_accuracy_is_pruned():
    assert judged(accuracy_study(THREE, n_startup_trials=3, n_warmup_steps=0), [0.1, 0.1], loss=1e-6) == [True, True]
    assert judged(accuracy_study(THREE, n_startup_trials=3, n_warmup_steps=0), [0.9, 0.9], loss=1e6) == [False, False]


def test_the_accuracy_pruner_waits_for_its_startup_trials_and_keeps_its_interval():
    assert judged(accuracy_study(THREE[:2], n_startup_trials=3, n_warmup_steps=0), [0.0, 0.0]) == [False, False]
    every_other = accuracy_study(THREE, n_startup_trials=3, n_warmup_steps=0, interval_steps=2)
    assert judged(every_other, [0.0, 0.0, 0.0, 0.0]) == [True, False, True, False]


def test_a_trial_pruned_on_accuracy_says_so_with_the_median():
    study = accuracy_study(THREE, n_startup_trials=3, n_warmup_steps=0)
    reason = explain_pruning(study, step=1, values=[0.5, 0.5], metrics=[0.3, 0.35])
    assert (
        reason
        == "pruned after epoch 2: validation accuracy 0.35 is below the median 0.6 of 3 complete trials after epoch 2"
    )


@pytest.mark.parametrize("bad", ["n_startup_trials=-1", "interval_steps=0", "n_warmup_steps=x"])
def test_bad_accuracy_pruner_settings_are_refused(bad):
    with pytest.raises(UsageError, match="pruner 'median-accuracy'"):
        pruner_settings(*parse_pruner(f"median-accuracy:{bad}"), epochs=5)


def test_the_patient_median_pruner_waits_until_a_bad_trial_gets_worse():
    study = optuna.create_study(
        pruner=make_pruner(
            "patient", pruner_settings("patient", {"n_startup_trials": 1, "n_warmup_steps": 0}, epochs=5)
        )
    )
    good = study.ask()
    for step, loss in enumerate([1.0, 0.8, 0.6, 0.4]):
        good.report(loss, step)
    study.tell(good, 0.4)
    bad = study.ask()
    decisions = []
    for step, loss in enumerate([2.0, 1.9, 2.0, 2.1]):  # above the median throughout
        bad.report(loss, step)
        decisions.append(bad.should_prune())
    assert decisions == [False, False, False, True]  # patience 1: once the last 2 epochs are all worse than before
