"""Pruning and importance figures draw their tables."""

import optuna
import pytest
from handmade import analysis_of

from pipeline.analysis.importance import param_importances
from pipeline.plots import importance_figure, pruning_figure


def test_pruning_figure_sets_epochs_trained_against_the_no_pruning_budget():
    result = analysis_of(epochs=3)
    fig = pruning_figure(result.pruning)
    budget, trained = fig.data
    assert list(budget.x) == list(trained.x) == ["random", "tpe"]
    assert list(budget.y) == [18, 18]  # 6 finished trials × 3 epochs
    assert list(trained.y) == [3 + 1 + 3 + 3 + 3 + 2, 3 + 3 + 1 + 2 + 3 + 3]
    assert trained.text[0] == "33% of trials pruned, 17% of epochs saved"


def test_importance_figure_has_a_bar_per_sampler_with_the_parameters_by_mean_importance():
    storage = optuna.storages.InMemoryStorage()
    names = []
    for sampler in ("random", "tpe"):
        study = optuna.create_study(storage=storage, study_name=sampler, sampler=optuna.samplers.RandomSampler(seed=1))
        study.set_user_attr("sampler", sampler)
        study.set_user_attr("seed", 0)
        study.optimize(lambda t: 10 * t.suggest_float("x", 0, 1) + 0.1 * t.suggest_float("y", 0, 1), n_trials=20)
        names.append(sampler)
    summary = param_importances(storage, names).summary
    fig = importance_figure(summary)
    assert [t.name for t in fig.data] == ["random", "tpe"]
    bars = fig.data[0]
    assert list(bars.y) == ["y", "x"]  # least important first: plotly draws the last category on top
    random = summary[summary.sampler == "random"].set_index("param")["mean"]
    assert list(bars.x) == pytest.approx([random["y"], random["x"]])


def test_cost_figures_of_an_empty_comparison_explain_themselves():
    empty = analysis_of([("random", 0, [])])
    assert "No finished trial yet" in pruning_figure(empty.pruning).layout.annotations[0].text
    assert "Too few complete trials" in importance_figure(empty.importances.summary).layout.annotations[0].text
