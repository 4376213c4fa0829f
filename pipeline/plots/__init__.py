"""Plots: analysis results → plotly figures. Every function draws a table that ``pipeline.analysis``
computed, and nothing else; with no data it returns a figure that says so instead of failing.

``figures(analysis)`` gives all of them, in the order the report shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from pipeline.analysis import Analysis
from pipeline.plots._style import empty_figure
from pipeline.plots.anytime import anytime_figure, final_best_figure, regret_auc_figure
from pipeline.plots.costs import importance_figure, pruning_figure
from pipeline.plots.epochs import intermediate_values_figure, learning_curves_figure
from pipeline.plots.notebook import show_figures_everywhere


@dataclass(frozen=True)
class Shown:
    """A figure and how to read it (the report prints the caption under its title)."""

    figure: go.Figure
    caption: str


@dataclass(frozen=True)
class Figures:
    """Every figure of an :class:`~pipeline.analysis.Analysis`, in the order the report shows them."""

    anytime_trial: Shown
    anytime_epochs: Shown
    anytime_seconds: Shown
    final_best: Shown
    regret_auc: Shown
    pruning: Shown
    importance: Shown
    learning_curves: Shown
    intermediate_values: Shown


def figures(analysis: Analysis) -> Figures:
    """Draw every figure of ``analysis``, each with its caption."""
    a = analysis
    return Figures(
        anytime_trial=Shown(
            anytime_figure(a.anytime, a.curves, axis="trial"),
            "Each line is the median over seeds of the best validation loss found so far; the band is the "
            "interquartile range. The button switches to the interquartile mean with its bootstrap 95% confidence "
            "interval. Lower and further left is better.",
        ),
        anytime_epochs=Shown(
            anytime_figure(a.anytime, a.curves, axis="epochs"),
            "The same curves against epochs trained: with pruning on, a sampler whose trials get pruned sooner "
            "spends fewer epochs per trial. This is the compute-fair axis.",
        ),
        anytime_seconds=Shown(
            anytime_figure(a.anytime, a.curves, axis="seconds"),
            "Against trial seconds (training plus the sampler's own time inside each trial). Timings depend on the "
            "machine and what else ran on it.",
        ),
        final_best=Shown(
            final_best_figure(a.best),
            "One point per seed; grey lines join the same seed across samplers, which trained on the same split: a "
            "line going down from random to another sampler is a paired win.",
        ),
        regret_auc=Shown(
            regret_auc_figure(a.auc),
            "0 would mean the best value of the whole comparison from the first trial on, 1 the worst first result "
            "throughout; it rewards finding good values early.",
        ),
        pruning=Shown(
            pruning_figure(a.pruning),
            "How much training the pruner (and early stopping, when the study uses it) saved, per sampler, over "
            "all seeds.",
        ),
        importance=Shown(
            importance_figure(a.importances.summary, evaluator=a.importances.evaluator),
            "Which hyperparameters explained the differences in validation loss within each study.",
        ),
        learning_curves=Shown(
            learning_curves_figure(a.learning),
            "Per-epoch losses of each seed's best trial. The table below puts their shape into words.",
        ),
        intermediate_values=Shown(
            intermediate_values_figure(a.epochs),
            "Every trial's validation loss after each epoch (epoch 1 = Optuna's step 0). Red lines end where the "
            "pruner stopped them.",
        ),
    )


__all__ = [
    "Figures",
    "Shown",
    "anytime_figure",
    "empty_figure",
    "figures",
    "final_best_figure",
    "importance_figure",
    "intermediate_values_figure",
    "learning_curves_figure",
    "pruning_figure",
    "regret_auc_figure",
    "show_figures_everywhere",
]
