"""The learning-rate range test's figure: loss against learning rate (log scale), the suggested range shaded."""

from __future__ import annotations

import plotly.graph_objects as go

from pipeline.plots._style import layout
from pipeline.training.lr_range import Sweep


def lr_find_figure(sweep: Sweep, low: float, high: float, *, title: str) -> go.Figure:
    fig = go.Figure()
    fig.add_vrect(x0=low, x1=high, fillcolor="lightgreen", opacity=0.3, line_width=0, layer="below")
    fig.add_scatter(x=sweep.lrs, y=sweep.losses, mode="lines", name="batch loss", line={"color": "lightgrey"})
    fig.add_scatter(x=sweep.lrs, y=sweep.smoothed, mode="lines", name="smoothed loss", line={"color": "#1f77b4"})
    for lr in (low, high):  # labelled in the title: plotly places annotations on a log axis by log10(x)
        fig.add_vline(x=lr, line_dash="dot", line_color="green")
    fig.update_xaxes(type="log")
    title += f"<br><sub>suggested range (shaded): {low:.2e}, the steepest descent, to {high:.2e}, the lowest loss</sub>"
    return layout(fig, title=title, x="learning rate (log scale)", y="training loss")
