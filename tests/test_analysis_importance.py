"""Parameter importances per sampler, over seeds."""

import optuna
import pytest
from handmade import add_arm, memory

from pipeline.analysis.importance import MIN_COMPLETE, param_importances
from pipeline.errors import UsageError


def quadratic_study(storage, sampler: str, seed: int, *, trials: int = 30) -> str:
    """A study where ``x`` decides the value and ``y`` barely matters."""
    study = optuna.create_study(
        storage=storage, study_name=f"toy-{sampler}-seed{seed}", sampler=optuna.samplers.RandomSampler(seed=seed)
    )
    study.set_user_attr("sampler", sampler)
    study.set_user_attr("seed", seed)
    study.optimize(
        lambda t: 10 * (t.suggest_float("x", 0, 1) - 0.3) ** 2 + 0.01 * t.suggest_float("y", 0, 1), n_trials=trials
    )
    return study.study_name


@pytest.mark.parametrize("evaluator", ["ped-anova", "fanova"])
def test_importances_sum_to_one_per_seed_and_rank_the_parameter_that_drives_the_value(evaluator):
    storage = memory()
    names = [quadratic_study(storage, "random", seed) for seed in (0, 1)]
    result = param_importances(storage, names, evaluator=evaluator)
    assert result.per_seed.groupby("seed").importance.sum().tolist() == pytest.approx([1.0, 1.0])
    summary = result.summary.set_index("param")
    assert summary.loc["x", "mean"] > summary.loc["y", "mean"]
    assert summary.loc["x", "n_seeds"] == 2
    assert summary.loc["x", "low"] <= summary.loc["x", "median"] <= summary.loc["x", "high"]
    assert result.notes == []


def test_an_arm_with_too_few_complete_trials_is_skipped_with_a_note():
    storage = memory()
    names = [quadratic_study(storage, "random", 0), add_arm(storage, "tpe", 0, [1.0, 2.0]).study_name]
    result = param_importances(storage, names)
    assert set(result.per_seed.sampler) == {"random"}
    assert result.notes == [f"tpe seed 0: 2 complete trial(s), too few for importances (need {MIN_COMPLETE})"]


def test_an_unknown_evaluator_is_refused_with_the_choices():
    with pytest.raises(UsageError, match=r"unknown importance evaluator 'shap' \(choose from: ped-anova, fanova\)"):
        param_importances(memory(), [], evaluator="shap")
