"""Anytime curves and per-seed distributions draw exactly what the analysis computed."""

import pytest
from handmade import analysis_of, pruned

from pipeline.plots import anytime_figure, final_best_figure, regret_auc_figure


@pytest.fixture(scope="module")
def result():
    return analysis_of()


def names(fig):
    return [trace.name for trace in fig.data]


def annotation(fig):
    return " ".join(a.text for a in fig.layout.annotations)


@pytest.mark.parametrize("axis", ["trial", "epochs", "seconds"])
def test_anytime_figure_draws_median_band_iqm_band_and_hidden_seed_curves(result, axis):
    fig = anytime_figure(result.anytime, result.curves, axis=axis)
    for sampler in ("random", "tpe"):
        assert [n for n in names(fig) if n.startswith(sampler)] == [
            f"{sampler} IQR upper",
            f"{sampler} IQR",
            f"{sampler} median",
            f"{sampler} IQM 95% CI upper",
            f"{sampler} IQM 95% CI",
            f"{sampler} IQM",
            f"{sampler} seed 0",
            f"{sampler} seed 1",
        ]
    rows = result.anytime[(result.anytime.axis == axis) & (result.anytime.sampler == "tpe")]
    expected = rows.dropna(subset=["median"])
    median = next(t for t in fig.data if t.name == "tpe median")
    assert list(median.x) == expected.x.tolist() and list(median.y) == expected["median"].tolist()
    assert next(t for t in fig.data if t.name == "tpe IQM").visible is False
    assert next(t for t in fig.data if t.name == "tpe seed 1").visible == "legendonly"


def test_anytime_buttons_switch_between_median_and_iqm_views(result):
    fig = anytime_figure(result.anytime, result.curves, axis="trial")
    median_view, iqm_view = (button.args[0]["visible"] for button in fig.layout.updatemenus[0].buttons)
    by_name = dict(zip(names(fig), zip(median_view, iqm_view, strict=True), strict=True))
    assert by_name["random median"] == (True, False)
    assert by_name["random IQM 95% CI"] == (False, True)
    assert by_name["random seed 0"] == ("legendonly", "legendonly")


def test_anytime_figure_without_any_complete_arm_explains_itself():
    thin = analysis_of([("random", 0, [pruned(1)]), ("tpe", 0, [pruned(1)])])
    fig = anytime_figure(thin.anytime, thin.curves, axis="epochs")
    assert len(fig.data) == 0
    assert "No sampler has a complete trial on every seed yet" in annotation(fig)


def test_final_best_figure_shows_each_seed_and_joins_the_same_seed_across_samplers(result):
    fig = final_best_figure(result.best)
    boxes = {t.name: list(t.y) for t in fig.data if t.type == "box"}
    assert boxes == {"random": [2.0, 2.5], "tpe": [1.0, 1.5]}
    joins = next(t for t in fig.data if t.name == "same seed")
    assert list(joins.x) == ["random", "tpe", None, "random", "tpe", None]
    assert list(joins.y) == [2.0, 1.0, None, 2.5, 1.5, None]


def test_regret_auc_figure_plots_the_per_seed_areas(result):
    fig = regret_auc_figure(result.auc)
    boxes = {t.name: list(t.y) for t in fig.data if t.type == "box"}
    assert boxes == {s: result.auc[result.auc.sampler == s].auc.tolist() for s in ("random", "tpe")}


def test_distributions_of_an_empty_comparison_say_there_is_nothing_yet():
    empty = analysis_of([("random", 0, [])])
    assert "No complete trial yet" in annotation(final_best_figure(empty.best))
    assert len(regret_auc_figure(empty.auc).data) == 0
