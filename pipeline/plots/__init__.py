"""Plots: analysis results → plotly figures. Every function draws a table that ``pipeline.analysis``
computed, and nothing else; with no data it returns a figure that says so instead of failing.

``figures(analysis)`` gives all of them, in the order the report shows them.
"""

from __future__ import annotations

import plotly.graph_objects as go

from pipeline.analysis import Analysis
from pipeline.plots._style import empty_figure
from pipeline.plots.anytime import anytime_figure, final_best_figure, regret_auc_figure
from pipeline.plots.costs import importance_figure, pruning_figure
from pipeline.plots.epochs import intermediate_values_figure, learning_curves_figure


def figures(analysis: Analysis) -> dict[str, go.Figure]:
    """Every figure of an :class:`~pipeline.analysis.Analysis`, keyed by a short name."""
    return {
        "anytime_trial": anytime_figure(analysis.anytime, analysis.curves, axis="trial"),
        "anytime_epochs": anytime_figure(analysis.anytime, analysis.curves, axis="epochs"),
        "anytime_seconds": anytime_figure(analysis.anytime, analysis.curves, axis="seconds"),
        "final_best": final_best_figure(analysis.best),
        "regret_auc": regret_auc_figure(analysis.auc),
        "pruning": pruning_figure(analysis.pruning),
        "importance": importance_figure(analysis.importances.summary, evaluator=analysis.importances.evaluator),
        "learning_curves": learning_curves_figure(analysis.learning),
        "intermediate_values": intermediate_values_figure(analysis.epochs),
    }


__all__ = [
    "anytime_figure", "empty_figure", "figures", "final_best_figure", "importance_figure",
    "intermediate_values_figure", "learning_curves_figure", "pruning_figure", "regret_auc_figure",
]
