"""A learning curve as a small SVG image: train and validation loss after each epoch (counted from 1).

Written by hand rather than with matplotlib: about 2.5 KB and ~0.1 ms per trial, where matplotlib's
Agg backend took 50-80 ms per figure (and ~0.5 s to import) here; see benchmarks/dashboard_views.py.
Sized to stay legible in optuna-dashboard's artifact thumbnails.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 360, 220  # px
LEFT, RIGHT, TOP, BOTTOM = 56, 14, 34, 40  # plot margins, px
TRAIN_COLOR, VAL_COLOR = "#1f77b4", "#ff7f0e"


def learning_curve_svg(train_loss: Sequence[float], val_loss: Sequence[float], *, title: str) -> str:
    """Both losses after each epoch, as SVG text: the first value is after epoch 1 (Optuna's step 0).

    Non-finite values are left out of the lines; the y axis spans the finite ones.
    """
    finite = [v for v in (*train_loss, *val_loss) if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    last = max(len(train_loss), len(val_loss), 1) - 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bottom, middle = TOP + plot_h, TOP + plot_h / 2

    def x(step: int) -> float:
        return LEFT + (plot_w * step / last if last else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    def line(values: Sequence[float], color: str) -> str:
        points = [(x(i), y(v)) for i, v in enumerate(values) if math.isfinite(v)]
        dots = "".join(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{color}"/>' for px, py in points)
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        return f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="3"/>{dots}'

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'font-family="sans-serif" font-size="14">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="8" y="20" font-size="15" font-weight="bold">{escape(title)}</text>',
        f'<path d="M{LEFT},{TOP} V{bottom} H{WIDTH - RIGHT}" fill="none" stroke="#444"/>',
        f'<text x="{LEFT - 5}" y="{TOP + 5}" text-anchor="end">{high:.3g}</text>',
        f'<text x="{LEFT - 5}" y="{bottom}" text-anchor="end">{low:.3g}</text>',
        f'<text x="22" y="{middle:.1f}" text-anchor="middle" transform="rotate(-90 22 {middle:.1f})">loss</text>',
        f'<text x="{x(0):.1f}" y="{bottom + 17}" text-anchor="middle">1</text>',
        f'<text x="{x(last):.1f}" y="{bottom + 17}" text-anchor="middle">{last + 1}</text>' if last else "",
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 5}" text-anchor="middle">epoch</text>',
        line(train_loss, TRAIN_COLOR),
        line(val_loss, VAL_COLOR),
        f'<text x="{WIDTH - RIGHT}" y="20" text-anchor="end"><tspan fill="{TRAIN_COLOR}">train</tspan>'
        f'<tspan dx="10" fill="{VAL_COLOR}">validation</tspan></text>',
        "</svg>",
    ]
    return "\n".join(p for p in parts if p) + "\n"
