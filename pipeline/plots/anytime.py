"""Figures of how good each sampler's results were: anytime curves with bands, per-seed distributions."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pipeline.analysis.anytime import AXES
from pipeline.plots._style import LOSS_AXIS, empty_figure, layout, sampler_color, translucent

VIEWS = ("median & IQR", "IQM & 95% CI")


def anytime_figure(anytime: pd.DataFrame, curves: pd.DataFrame, *, axis: str = "trial") -> go.Figure:
    """Best-so-far against ``axis`` per sampler: median line over an IQR band, or (button) the IQM with
    its bootstrap 95% CI; each seed's own curve can be switched on from the legend.

    ``anytime`` and ``curves`` are :func:`~pipeline.analysis.anytime.anytime` and ``best_so_far``.
    """
    rows = anytime[(anytime.axis == axis)].dropna(subset=["median"])
    if rows.empty:
        return empty_figure(f"No sampler has a complete trial on every seed yet: no curve over {AXES[axis]}")
    samplers = sorted(rows.sampler.unique())
    fig, views = go.Figure(), []
    for sampler in samplers:
        color, group = sampler_color(sampler, samplers), rows[rows.sampler == sampler]
        for view, (center, low, high, label, band) in zip(
            VIEWS,
            [("median", "q1", "q3", "median", "IQR"), ("iqm", "iqm_low", "iqm_high", "IQM", "IQM 95% CI")],
            strict=True,
        ):
            shown = view == VIEWS[0]
            common = {"legendgroup": f"{sampler} {view}", "line_shape": "hv", "visible": shown}
            fig.add_scatter(
                x=group.x,
                y=group[high],
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
                name=f"{sampler} {band} upper",
                **common,
            )
            fig.add_scatter(
                x=group.x,
                y=group[low],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=translucent(color, 0.2),
                name=f"{sampler} {band}",
                **common,
            )
            fig.add_scatter(
                x=group.x,
                y=group[center],
                mode="lines",
                name=f"{sampler} {label}",
                line={"color": color, "width": 2.5, "dash": "solid" if shown else "dash"},
                **common,
            )
            views += [view] * 3
        for seed, arm in curves[curves.sampler == sampler].dropna(subset=["best"]).groupby("seed"):
            fig.add_scatter(
                x=arm[axis],
                y=arm.best,
                mode="lines",
                line={"color": color, "width": 1},
                opacity=0.5,
                line_shape="hv",
                name=f"{sampler} seed {seed}",
                legendgroup=f"{sampler} seeds",
                visible="legendonly",
            )
            views.append(None)
    buttons = [
        {
            "label": view,
            "method": "restyle",
            "args": [{"visible": [("legendonly" if v is None else v == view) for v in views]}],
        }
        for view in VIEWS
    ]
    fig.update_layout(
        updatemenus=[
            {
                "type": "buttons",
                "direction": "right",
                "buttons": buttons,
                "x": 0,
                "y": 1.12,
                "xanchor": "left",
                "showactive": True,
            }
        ]
    )
    return layout(
        fig, title=f"Best validation loss so far, by {AXES[axis]}", x=AXES[axis], y=f"best {LOSS_AXIS}", log_y=True
    )


def final_best_figure(best: pd.DataFrame) -> go.Figure:
    """Each seed's final best validation loss per sampler (box and points), seeds joined across samplers.

    ``best`` is :func:`~pipeline.analysis.summary.best_per_study`.
    """
    return paired_distribution(
        best, "best_value", title="Final best validation loss per seed", y=f"best {LOSS_AXIS}", log_y=True
    )


def regret_auc_figure(auc: pd.DataFrame) -> go.Figure:
    """Area under the normalized regret curve per seed and sampler (:func:`~pipeline.analysis.regret.regret_auc`)."""
    return paired_distribution(
        auc,
        "auc",
        title="Area under the normalized regret curve (lower is better)",
        y="mean normalized regret over the trial budget",
    )


def paired_distribution(frame: pd.DataFrame, column: str, *, title: str, y: str, log_y: bool = False) -> go.Figure:
    data = frame.dropna(subset=[column])
    if data.empty:
        return empty_figure("No complete trial yet: nothing to compare")
    samplers = sorted(data.sampler.unique())
    fig = go.Figure()
    xs, ys = [], []
    for _, row in data.set_index("sampler").groupby("seed"):  # grey lines: the same seed in every arm
        ordered = row.reindex([s for s in samplers if s in row.index])
        xs += [*ordered.index, None]
        ys += [*ordered[column], None]
    fig.add_scatter(
        x=xs, y=ys, mode="lines", line={"color": "lightgrey", "width": 1}, name="same seed", hoverinfo="skip"
    )
    for sampler in samplers:
        group = data[data.sampler == sampler]
        fig.add_box(
            x=[sampler] * len(group),
            y=group[column],
            name=sampler,
            boxpoints="all",
            pointpos=0,
            jitter=0,
            marker={"color": sampler_color(sampler, samplers), "size": 8},
            line={"color": sampler_color(sampler, samplers)},
            customdata=group.seed,
            hovertemplate="seed %{customdata}: %{y:.4g}<extra>" + sampler + "</extra>",
        )
    return layout(fig, title=title, x="sampler", y=y, log_y=log_y)
