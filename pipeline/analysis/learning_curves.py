"""Learning curves of each arm's best trial, and what their shape says in plain words.

The rules read the per-epoch losses of one trial, in this order:
- over-fitting: validation loss ended more than 10% above its minimum, reached before the last epoch
  (while training loss kept falling, when it is stored);
- still improving: validation loss fell by more than 1% in the last epoch, so more epochs would help;
- under-fitting: training loss ended above twice the lowest validation loss of all the curves shown, so
  the model does not even fit its training data as well as the best trials generalize;
- converged otherwise.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

OVERFIT_RISE = 0.10  # final validation loss this far above its minimum
IMPROVING_DROP = 0.01  # relative fall of validation loss in the last epoch
UNDERFIT_RATIO = 2.0  # final training loss against the comparison's best validation loss
MIN_EPOCHS = 3
CURVE_COLUMNS = ["sampler", "seed", "number", "value", "epoch", "train_loss", "val_loss"]
DIAGNOSIS_COLUMNS = ["sampler", "seed", "number", "value", "epochs", "diagnosis", "explanation"]


def learning_curves(best: pd.DataFrame, epochs: pd.DataFrame) -> pd.DataFrame:
    """Per-epoch train and validation loss of each arm's best trial (``best_number`` of
    :func:`~pipeline.analysis.summary.best_per_study`); arms without a complete trial have none."""
    chosen = best.dropna(subset=["best_number"])[["sampler", "seed", "best_number", "best_value"]]
    chosen = chosen.rename(columns={"best_number": "number", "best_value": "value"}).astype({"number": int})
    curves = chosen.merge(epochs, on=["sampler", "seed", "number"], how="inner")
    return curves.sort_values(["sampler", "seed", "epoch"], ignore_index=True)[CURVE_COLUMNS]


def diagnose(train: list[float], val: list[float], *, reference: float) -> tuple[str, str]:
    """(label, sentence) for one trial's per-epoch losses; ``reference`` is the lowest validation loss seen."""
    n = len(val)
    if n < MIN_EPOCHS:
        return "too few epochs", f"{n} epoch(s): too short to judge the shape"
    lowest = int(np.argmin(val))
    rise = (val[-1] - val[lowest]) / val[lowest] if val[lowest] > 0 else 0.0
    train_known = len(train) == n and all(math.isfinite(t) for t in train)
    if lowest < n - 1 and rise > OVERFIT_RISE and (not train_known or train[-1] < train[lowest]):
        kept = " while training loss kept falling" if train_known else ""
        return "over-fitting", (
            f"validation loss bottomed at epoch {lowest + 1} ({val[lowest]:.4g}) and rose {rise:.0%} to "
            f"{val[-1]:.4g} by epoch {n}{kept}: fewer epochs or more regularization"
        )
    drop = (val[-2] - val[-1]) / val[-2] if val[-2] > 0 else 0.0
    if drop > IMPROVING_DROP:
        return "still improving", f"validation loss fell {drop:.1%} in the last epoch: more epochs would likely help"
    if train_known and train[-1] > UNDERFIT_RATIO * reference:
        return "under-fitting", (
            f"training loss ends at {train[-1]:.4g}, over {UNDERFIT_RATIO:g}× the lowest validation loss of the "
            f"best trials ({reference:.4g}): the model does not fit its training data; more capacity or another "
            f"learning rate may help"
        )
    return "converged", (
        f"validation loss has levelled off at {val[-1]:.4g} (lowest {val[lowest]:.4g}, epoch {lowest + 1})"
    )


def diagnoses(curves: pd.DataFrame) -> pd.DataFrame:
    """One row per curve of :func:`learning_curves` with its :func:`diagnose` label and explanation."""
    rows = []
    reference = float(curves.val_loss.min()) if len(curves) else np.nan
    for (sampler, seed, number), trial in curves.groupby(["sampler", "seed", "number"], sort=True):
        label, text = diagnose(list(trial.train_loss), list(trial.val_loss), reference=reference)
        rows.append({"sampler": sampler, "seed": seed, "number": number, "value": trial.value.iloc[0],
                     "epochs": len(trial), "diagnosis": label, "explanation": text})
    return pd.DataFrame(rows, columns=DIAGNOSIS_COLUMNS)
