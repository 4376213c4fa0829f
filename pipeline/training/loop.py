"""The training loop: one epoch at a time, so the caller can report and stop between epochs."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from pipeline.data import Split, Splits, shuffled_batches
from pipeline.training.optim import make_optimizer, make_scheduler
from pipeline.training.params import TrainingParams

EVAL_CHUNK = 4096  # samples per forward pass when evaluating, to bound memory on large splits


class Diverged(Exception):
    """The loss became NaN or infinite; training this model further is pointless."""

    def __init__(self, epoch: int, what: str) -> None:
        super().__init__(f"diverged at epoch {epoch}: {what} is not finite")
        self.epoch = epoch


@dataclass(frozen=True)
class EpochResult:
    epoch: int  # 0-based
    train_loss: float  # mean cross-entropy over the epoch's mini-batches, weighted by batch size
    val_loss: float  # mean cross-entropy over the whole validation split
    val_accuracy: float
    seconds: float  # training + evaluation time of this epoch


def fit(model: nn.Module, data: Splits, p: TrainingParams, *, epochs: int, seed: int) -> Iterator[EpochResult]:
    """Train ``model`` for up to ``epochs`` epochs, yielding after each one. Raises ``Diverged``."""
    device = data.train.x.device
    generator = torch.Generator().manual_seed(seed)
    optimizer = make_optimizer(model, p)
    scheduler = make_scheduler(optimizer, p, epochs)
    for epoch in range(epochs):
        start = time.perf_counter()
        train_loss = train_epoch(model, data.train, optimizer, batch_size=p.batch_size, generator=generator)
        if not math.isfinite(train_loss):
            raise Diverged(epoch, "training loss")
        val_loss, val_accuracy = evaluate(model, data.val)
        if not math.isfinite(val_loss):
            raise Diverged(epoch, "validation loss")
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(val_loss)
        elif scheduler is not None:
            scheduler.step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        yield EpochResult(epoch, train_loss, val_loss, val_accuracy, time.perf_counter() - start)


def train_epoch(
    model: nn.Module, split: Split, optimizer: torch.optim.Optimizer, *, batch_size: int, generator: torch.Generator
) -> float:
    model.train()
    total = torch.zeros((), device=split.x.device)
    for idx in shuffled_batches(len(split), batch_size, generator, split.x.device):
        loss = F.cross_entropy(model(split.x[idx]), split.y[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += loss.detach() * len(idx)
    return total.item() / len(split)  # one device sync per epoch, not per batch


@torch.inference_mode()
def evaluate(model: nn.Module, split: Split) -> tuple[float, float]:
    """Mean cross-entropy and accuracy over the whole split."""
    model.eval()
    loss_sum = torch.zeros((), device=split.x.device)
    correct = torch.zeros((), device=split.x.device)
    for start in range(0, len(split), EVAL_CHUNK):
        logits = model(split.x[start : start + EVAL_CHUNK])
        y = split.y[start : start + EVAL_CHUNK]
        loss_sum += F.cross_entropy(logits, y, reduction="sum")
        correct += (logits.argmax(dim=1) == y).sum()
    return loss_sum.item() / len(split), correct.item() / len(split)
