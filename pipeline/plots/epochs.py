"""Per-epoch figures: every trial's reported validation loss (pruned ones visible), best trials' learning curves."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pipeline.plots._style import LOSS_AXIS, SEED_COLORS, empty_figure

STATE_COLORS = {"COMPLETE": "#1f77b4", "PRUNED": "#d62728", "FAIL": "#000000", "RUNNING": "#ff7f0e"}


def intermediate_values_figure(epochs: pd.DataFrame) -> go.Figure:
    """Validation loss after each epoch for every trial, one panel per sampler, coloured by how the trial
    ended: pruned trials stop early, and the pruner's decisions show where their lines end.

    ``epochs`` is the per-epoch table of :func:`~pipeline.analysis.tables.load_tables`.
    """
    if epochs.empty:
        return empty_figure("No trial has reported an epoch yet")
    samplers = sorted(epochs.sampler.unique())
    fig = make_subplots(rows=1, cols=len(samplers), shared_yaxes=True, subplot_titles=samplers)
    for column, sampler in enumerate(samplers, start=1):
        for state, group in epochs[epochs.sampler == sampler].groupby("state", sort=True):
            xs, ys, text = [], [], []
            for (seed, number), trial in group.groupby(["seed", "number"], sort=True):  # one line per trial
                xs += [*trial.epoch, None]
                ys += [*trial.val_loss, None]
                text += [f"seed {seed}, trial {number}"] * len(trial) + [None]
            count = group.groupby(["seed", "number"]).ngroups
            fig.add_scatter(
                x=xs,
                y=ys,
                text=text,
                mode="lines+markers",
                marker={"size": 3},
                opacity=0.6,
                line={"color": STATE_COLORS.get(state, "#8c564b"), "width": 1},
                name=f"{sampler}: {state.lower()} ({count})",
                row=1,
                col=column,
                hovertemplate="%{text}<br>epoch %{x}: %{y:.4g}<extra></extra>",
            )
    return panels(fig, title="Validation loss after every epoch, every trial (red: pruned)", y=LOSS_AXIS)


def learning_curves_figure(learning: pd.DataFrame) -> go.Figure:
    """Training (dotted) and validation (solid) loss per epoch of each arm's best trial, one panel per
    sampler, one colour per seed. ``learning`` is :func:`~pipeline.analysis.learning_curves.learning_curves`."""
    if learning.empty:
        return empty_figure("No complete trial yet: no learning curve to show")
    samplers = sorted(learning.sampler.unique())
    fig = make_subplots(rows=1, cols=len(samplers), shared_yaxes=True, subplot_titles=samplers)
    for column, sampler in enumerate(samplers, start=1):
        for (seed, number), trial in learning[learning.sampler == sampler].groupby(["seed", "number"], sort=True):
            color = SEED_COLORS[int(seed) % len(SEED_COLORS)]
            for loss, dash in (("val_loss", "solid"), ("train_loss", "dot")):
                kind = "validation" if loss == "val_loss" else "training"
                fig.add_scatter(
                    x=trial.epoch,
                    y=trial[loss],
                    mode="lines+markers",
                    line={"color": color, "dash": dash},
                    name=f"{sampler} seed {seed} {kind}",
                    legendgroup=f"{sampler} seed {seed}",
                    hovertemplate=f"{sampler} seed {seed}, trial {number}<br>{kind} loss %{{y:.4g}}"
                    "<extra>epoch %{x}</extra>",
                    row=1,
                    col=column,
                )
    return panels(
        fig,
        title="Learning curves of each seed's best trial (solid: validation, dotted: training)",
        y="loss (log scale)",
    )


def panels(fig: go.Figure, *, title: str, y: str) -> go.Figure:
    """Side-by-side panels per sampler: epochs across, one shared log-scale loss axis titled once."""
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(type="log")
    fig.update_yaxes(title_text=y, row=1, col=1)
    fig.update_layout(title=title, template="plotly_white")
    return fig
