"""Learning curves of each arm's best trial, and what their shape says in plain words.

Each trial is judged on its own training and validation curves, smoothed over a few epochs (a trailing
mean of ``window`` epochs: 2 for short curves, 3 from 9 epochs on) so that one noisy epoch cannot flip the
call. The rules, in this order:

- over-fitting: smoothed validation loss ended more than 10% above its minimum, reached before the last
  epoch, while smoothed training loss kept falling (when it is stored);
- still improving: smoothed validation loss fell by more than 1% per epoch over the last window, so more
  epochs would help;
- too noisy to call: the validation loss zig-zags (turns up and down at most epochs, by more than 5%
  around its neighbours' mean) and none of the above is clear beyond that noise;
- under-fitting: training loss ends no lower than validation loss (less than 10% below it) and validation
  loss has not even halved since the first epoch: the model does not fit its own training data;
- converged otherwise.
A change only counts when it exceeds twice the curve's own noise.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

OVERFIT_RISE = 0.10  # smoothed final validation loss this far above its minimum
IMPROVING_DROP = 0.01  # relative fall of smoothed validation loss per epoch, over the last window
NOISY = 0.05  # typical epoch-to-epoch deviation from the trend, relative to the loss
UNDERFIT_GAP = 0.10  # training loss within this much of validation loss (or above it)...
UNDERFIT_PROGRESS = 0.5  # ...and validation loss still above this share of its first value
MIN_EPOCHS = 4  # a smoothing window and something before it
CURVE_COLUMNS = ["sampler", "seed", "number", "value", "epoch", "train_loss", "val_loss"]
DIAGNOSIS_COLUMNS = ["sampler", "seed", "number", "value", "epochs", "diagnosis", "explanation"]


def learning_curves(best: pd.DataFrame, epochs: pd.DataFrame) -> pd.DataFrame:
    """Per-epoch train and validation loss of each arm's best trial (``best_number`` of
    :func:`~pipeline.analysis.summary.best_per_study`); arms without a complete trial have none."""
    chosen = best.dropna(subset=["best_number"])[["sampler", "seed", "best_number", "best_value"]]
    chosen = chosen.rename(columns={"best_number": "number", "best_value": "value"}).astype({"number": int})
    curves = chosen.merge(epochs, on=["sampler", "seed", "number"], how="inner")
    return curves.sort_values(["sampler", "seed", "epoch"], ignore_index=True)[CURVE_COLUMNS]


def smooth(values: list[float], window: int) -> np.ndarray:
    """Trailing mean over ``window`` epochs (fewer at the start)."""
    v = np.asarray(values, float)
    sums = np.cumsum(np.insert(v, 0, 0.0))
    starts = np.maximum(np.arange(1, len(v) + 1) - window, 0)
    return (sums[1:] - sums[starts]) / (np.arange(1, len(v) + 1) - starts)


def noise(values: list[float]) -> float:
    """How much the curve zig-zags: at each epoch where it turns (a local peak or dip), its distance from the
    mean of its neighbours relative to that mean; 0 where it does not turn. The median over inner epochs, so
    a smooth fall (however curved) has none, and a few turns do not make a curve noisy."""
    v = np.asarray(values, float)
    if len(v) < 3:
        return 0.0
    trend = (v[:-2] + v[2:]) / 2
    turns = (v[1:-1] - v[:-2]) * (v[2:] - v[1:-1]) < 0
    deviation = np.abs(v[1:-1] - trend) / np.maximum(np.abs(trend), 1e-12)
    return float(np.median(np.where(turns, deviation, 0.0)))


def diagnose(train: list[float], val: list[float]) -> tuple[str, str]:
    """(label, sentence) for one trial's per-epoch losses; epochs are counted from 1."""
    n = len(val)
    if n < MIN_EPOCHS or not all(math.isfinite(v) for v in val):
        return "too few epochs", f"{n} epoch(s): too short to judge the shape (at least {MIN_EPOCHS} needed)"
    window = 3 if n >= 9 else 2
    wiggle = noise(val)
    margin = 2 * wiggle  # a change smaller than this could be the noise
    s_val = smooth(val, window)
    train_known = len(train) == n and all(math.isfinite(t) for t in train)
    s_train = smooth(train, window) if train_known else None
    lowest = int(np.argmin(s_val))
    rise = (s_val[-1] - s_val[lowest]) / s_val[lowest] if s_val[lowest] > 0 else 0.0
    smoothed = f"averaged over {window} epochs"
    if lowest < n - 1 and rise > max(OVERFIT_RISE, margin) and (s_train is None or s_train[-1] < s_train[lowest]):
        kept = " while training loss kept falling" if s_train is not None else ""
        return "over-fitting", (
            f"validation loss ({smoothed}) bottomed at epoch {lowest + 1} ({s_val[lowest]:.4g}) and rose {rise:.0%} "
            f"to {s_val[-1]:.4g} by epoch {n}{kept}: fewer epochs or more regularization"
        )
    before = s_val[-1 - window]
    drop = (before - s_val[-1]) / before / window if before > 0 else 0.0
    if drop > max(IMPROVING_DROP, margin / window):
        return "still improving", (
            f"validation loss ({smoothed}) fell {drop:.1%} per epoch over the last {window} epochs: "
            "more epochs would likely help"
        )
    if wiggle > NOISY:
        return "too noisy to call", (
            f"validation loss zig-zags by {wiggle:.0%} from epoch to epoch around its trend: no trend stands out "
            "of that noise (a lower learning rate or a larger batch would steady it)"
        )
    if s_train is not None and s_train[-1] > (1 - UNDERFIT_GAP) * s_val[-1] and s_val[-1] > UNDERFIT_PROGRESS * val[0]:
        return "under-fitting", (
            f"training loss ends at {s_train[-1]:.4g}, no lower than validation loss {s_val[-1]:.4g}, and validation "
            f"loss fell only {1 - s_val[-1] / val[0]:.0%} since epoch 1: the model does not fit its training data; "
            "more capacity or another learning rate may help"
        )
    return "converged", (
        f"validation loss ({smoothed}) has levelled off at {s_val[-1]:.4g} (lowest {s_val[lowest]:.4g}, "
        f"epoch {lowest + 1})"
    )


def diagnoses(curves: pd.DataFrame) -> pd.DataFrame:
    """One row per curve of :func:`learning_curves` with its :func:`diagnose` label and explanation."""
    rows = []
    for (sampler, seed, number), trial in curves.groupby(["sampler", "seed", "number"], sort=True):
        label, text = diagnose(list(trial.train_loss), list(trial.val_loss))
        rows.append(
            {
                "sampler": sampler,
                "seed": seed,
                "number": number,
                "value": trial.value.iloc[0],
                "epochs": len(trial),
                "diagnosis": label,
                "explanation": text,
            }
        )
    return pd.DataFrame(rows, columns=DIAGNOSIS_COLUMNS)
