"""Figures of what the search spent and what drove it: pruning savings, parameter importances."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pipeline.plots._style import empty_figure, layout, sampler_color


def pruning_figure(pruning: pd.DataFrame) -> go.Figure:
    """Epochs trained per sampler against the no-pruning budget, labelled with the pruned share and saving
    (split into pruning and early stopping when trials stopped early).

    ``pruning`` is :func:`~pipeline.analysis.summary.pruning_table`.
    """
    if pruning.empty or not pruning.finished.sum():
        return empty_figure("No finished trial yet: nothing pruned or trained")
    fig = go.Figure()
    fig.add_bar(
        x=pruning.sampler,
        y=pruning.no_pruning_epochs,
        name="without pruning (finished trials × epochs)",
        marker={"color": "lightgrey"},
    )
    labels = [
        f"{row.pruned_fraction:.0%} of trials pruned, {row.epochs_saved:.0%} of epochs saved"
        + (
            f" ({row.saved_by_pruning:.0%} by pruning, {row.saved_by_early_stopping:.0%} by early stopping)"
            if row.stopped_early
            else ""
        )
        for row in pruning.itertuples()
    ]
    samplers = list(pruning.sampler)
    fig.add_bar(
        x=pruning.sampler,
        y=pruning.epochs_run,
        name="trained",
        text=labels,
        textposition="outside",
        marker={"color": [sampler_color(s, samplers) for s in samplers]},
    )
    fig.update_layout(barmode="group")
    return layout(
        fig, title="Epochs trained, all seeds together, against the budget without pruning", x="sampler", y="epochs"
    )


def importance_figure(summary: pd.DataFrame, *, evaluator: str = "ped-anova") -> go.Figure:
    """Mean importance per parameter and sampler over seeds, whiskers from the lowest to the highest seed.

    ``summary`` is ``param_importances(...).summary`` (:mod:`pipeline.analysis.importance`).
    """
    if summary.empty:
        return empty_figure("Too few complete trials for parameter importances")
    order = summary.groupby("param")["mean"].mean().sort_values().index  # most important at the top
    samplers = sorted(summary.sampler.unique())
    fig = go.Figure()
    for sampler in samplers:
        rows = summary[summary.sampler == sampler].set_index("param").reindex(order)
        fig.add_bar(
            y=rows.index,
            x=rows["mean"],
            orientation="h",
            name=sampler,
            marker={"color": sampler_color(sampler, samplers)},
            customdata=rows.n_seeds,
            error_x={
                "type": "data",
                "symmetric": False,
                "array": rows.high - rows["mean"],
                "arrayminus": rows["mean"] - rows.low,
            },
            hovertemplate="%{y}: %{x:.3f} (mean of %{customdata} seeds)<extra>" + sampler + "</extra>",
        )
    fig.update_layout(barmode="group", height=max(320, 60 + 28 * len(order) * len(samplers)))
    return layout(
        fig,
        title=f"Parameter importance ({evaluator}, normalized per study; whiskers: seed range)",
        x="importance",
        y="parameter",
    )
