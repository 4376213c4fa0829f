"""Shared look: one colour per sampler in every figure, and the figure shown when there is no data."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.colors import hex_to_rgb, qualitative

# The baseline (random) is grey, so the samplers measured against it stand out.
SAMPLER_COLORS = {"random": "#7f7f7f", "tpe": "#1f77b4", "qmc": "#2ca02c", "cmaes": "#d62728", "gp": "#9467bd"}
SEED_COLORS = qualitative.Plotly
LOSS_AXIS = "validation loss (log scale)"


def sampler_color(sampler: str, samplers: list[str]) -> str:
    if sampler in SAMPLER_COLORS:
        return SAMPLER_COLORS[sampler]
    return qualitative.Dark24[sorted(samplers).index(sampler) % len(qualitative.Dark24)]


def translucent(color: str, alpha: float) -> str:
    """``#1f77b4`` → ``rgba(31, 119, 180, 0.2)`` for bands drawn under their line."""
    red, green, blue = hex_to_rgb(color)
    return f"rgba({red}, {green}, {blue}, {alpha})"


def layout(fig: go.Figure, *, title: str, x: str, y: str, log_y: bool = False) -> go.Figure:
    fig.update_layout(title=title, template="plotly_white", hovermode="closest", legend={"groupclick": "togglegroup"})
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=y)
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def empty_figure(message: str) -> go.Figure:
    """A figure without data that says why, so a report or notebook cell never fails on a thin comparison."""
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 16})
    fig.update_layout(template="plotly_white", xaxis={"visible": False}, yaxis={"visible": False}, height=240)
    return fig
