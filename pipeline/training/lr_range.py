"""The learning-rate range test (Smith, "Cyclical Learning Rates", 2017; fastai's ``lr_find``): train one
model while the learning rate rises exponentially batch by batch, and read off where the loss falls fastest
and where it blows up. Plain PyTorch: nothing here knows about Optuna.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from pipeline.data import Split, shuffled_batches
from pipeline.training.loop import loss_of
from pipeline.training.optim import make_optimizer
from pipeline.training.params import TrainingParams

START_LR, END_LR = 1e-7, 10.0
MIN_STEPS = 200  # a small training set is passed over again until the sweep has this many batches
# The loss is smoothed by an exponential moving average (bias-corrected) over about a twentieth of the sweep
# (0.4 of a decade of learning rate), at most fastai's 0.98: a longer window lags the learning rate by decades.
WINDOW = 1 / 20
MAX_SMOOTHING = 0.98
DIVERGED = 4.0  # the sweep stops once the smoothed loss exceeds this many times its lowest


@dataclass(frozen=True)
class Sweep:
    """One range test: per batch, the learning rate used, the batch's loss and the smoothed loss."""

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    diverged: bool  # stopped early because the loss blew up (else it ran to END_LR)

    def suggested_range(self) -> tuple[float, float]:
        """From the learning rate where the smoothed loss falls fastest (per decade) up to the one where it
        is lowest, just before it diverges. The first tenth of the sweep is skipped: the average is still
        filling up there."""
        lrs, smoothed = np.array(self.lrs), np.array(self.smoothed)
        lowest = int(np.argmin(smoothed))
        skip = min(len(lrs) // 10, max(lowest - 1, 0))
        slope = np.gradient(smoothed, np.log10(lrs))
        steepest = skip + int(np.argmin(slope[skip : lowest + 1])) if lowest > skip else lowest
        return float(lrs[steepest]), float(lrs[lowest])


def lr_range_test(
    model: nn.Module, train: Split, p: TrainingParams, *, seed: int, start: float = START_LR, end: float = END_LR
) -> Sweep:
    """Train ``model`` (changed in place: pass a fresh one) with ``p``'s optimizer and batch size, the learning
    rate rising from ``start`` to ``end`` over one pass of ``train`` — at least ``MIN_STEPS`` batches."""
    per_pass = math.ceil(len(train) / p.batch_size)
    steps = max(per_pass, MIN_STEPS)
    smoothing = min(MAX_SMOOTHING, 1 - 1 / (WINDOW * steps))
    optimizer = make_optimizer(model, p)
    generator = torch.Generator().manual_seed(seed)
    lrs, losses, smoothed = [], [], []
    average, diverged = 0.0, False
    model.train()
    batches = iter(())
    for step in range(steps):
        idx = next(batches, None)
        if idx is None:
            batches = shuffled_batches(len(train), p.batch_size, generator, train.x.device)
            idx = next(batches)
        lr = start * (end / start) ** (step / (steps - 1))
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = loss_of(model(train.x[idx]), train.y[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        value = loss.item()
        average = smoothing * average + (1 - smoothing) * value
        lrs.append(lr)
        losses.append(value)
        smoothed.append(average / (1 - smoothing ** (step + 1)))
        if not math.isfinite(smoothed[-1]) or smoothed[-1] > DIVERGED * min(smoothed):
            diverged = True
            break
    if diverged and len(lrs) > 1:  # the last point is the blow-up itself, often inf or NaN: drop it
        lrs, losses, smoothed = lrs[:-1], losses[:-1], smoothed[:-1]
    return Sweep(lrs, losses, smoothed, diverged)
