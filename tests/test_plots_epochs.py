"""Per-epoch figures: every trial's intermediate values, best trials' learning curves."""

import pytest
from handmade import analysis_of

from pipeline.plots import intermediate_values_figure, learning_curves_figure


@pytest.fixture(scope="module")
def result():
    return analysis_of(epochs=3)


def test_intermediate_values_show_pruned_trials_apart_with_one_line_per_trial(result):
    fig = intermediate_values_figure(result.epochs)
    by_name = {t.name: t for t in fig.data}
    assert sorted(by_name) == ["random: complete (4)", "random: pruned (2)", "tpe: complete (4)", "tpe: pruned (2)"]
    pruned = by_name["random: pruned (2)"]
    assert list(pruned.x) == [1, None, 1, 2, None]  # seed 0 stopped after 1 epoch, seed 1 after 2
    assert list(pruned.y) == pytest.approx([0.01, None, 0.11, 0.01, None])
    assert by_name["tpe: pruned (2)"].line.color != by_name["tpe: complete (4)"].line.color


def test_learning_curves_draw_training_and_validation_loss_of_each_seeds_best_trial(result):
    fig = learning_curves_figure(result.learning)
    names = [t.name for t in fig.data]
    kinds = ("validation", "training")
    assert names == [f"{s} seed {k} {kind}" for s in ("random", "tpe") for k in (0, 1) for kind in kinds]
    tpe_seed1 = next(t for t in fig.data if t.name == "tpe seed 1 validation")
    assert list(tpe_seed1.y) == pytest.approx([1.7, 1.6, 1.5])  # its best trial: 1.5 after 3 epochs
    assert next(t for t in fig.data if t.name == "tpe seed 1 training").line.dash == "dot"


def test_epoch_figures_of_an_empty_comparison_explain_themselves():
    empty = analysis_of([("random", 0, [])])
    assert "No trial has reported an epoch yet" in intermediate_values_figure(empty.epochs).layout.annotations[0].text
    assert "no learning curve" in learning_curves_figure(empty.learning).layout.annotations[0].text
