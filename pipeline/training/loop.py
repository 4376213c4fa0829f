"""The training loop: one epoch at a time, so the caller can report and stop between epochs."""

from __future__ import annotations

import dataclasses
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


# A model that guesses uniformly scores ln(n_classes); a mean loss this many times higher means the
# weights have blown up (exploding gradients often stay finite: losses of 1e30 are still numbers).
DIVERGED_LOSS_FACTOR = 100


class Diverged(Exception):
    """The loss became NaN, infinite or absurdly large; training this model further is pointless."""

    def __init__(self, epoch: int, what: str, value: float) -> None:
        problem = "is not finite" if not math.isfinite(value) else f"exploded to {value:.3g}"
        super().__init__(f"diverged in epoch {epoch + 1}: {what} {problem}")  # epochs counted from 1 in messages
        self.epoch = epoch


def check_loss(epoch: int, what: str, value: float, n_classes: int) -> None:
    """Regression (``n_classes`` 1) compares with the variance of standardized targets, 1: a mean predictor."""
    scale = math.log(n_classes) if n_classes > 1 else 1.0
    if not math.isfinite(value) or value > DIVERGED_LOSS_FACTOR * scale:
        raise Diverged(epoch, what, value)


@dataclass(frozen=True)
class EpochResult:
    epoch: int  # 0-based
    train_loss: float  # mean loss (cross-entropy, or MSE for regression) over the epoch's mini-batches
    val_loss: float  # mean loss over the whole validation split
    val_metric: float  # accuracy (classification) or R² (regression) on the validation split
    seconds: float  # training + evaluation time of this epoch


class Training:
    """One model's training, an epoch at a time, with its whole state — weights, optimizer, schedule, the
    random generators (batch order, dropout) and the epochs so far — as a ``state_dict`` that a checkpoint saves and
    ``load_state_dict`` restores: training resumed from it goes on exactly as it would have.

    Iterating trains the remaining epochs, yielding after each. Raises ``Diverged`` when the training or
    validation loss is not finite or above ``DIVERGED_LOSS_FACTOR × ln(n_classes)``.
    """

    def __init__(self, model: nn.Module, data: Splits, p: TrainingParams, *, epochs: int, seed: int) -> None:
        self.model, self.data, self.epochs = model, data, epochs
        self.batch_size = p.batch_size
        self.generator = torch.Generator().manual_seed(seed)
        self.optimizer = make_optimizer(model, p)
        self.scheduler = make_scheduler(self.optimizer, p, epochs)
        self.history: list[EpochResult] = []

    @property
    def _device(self) -> torch.device:
        return self.data.train.x.device

    def __iter__(self) -> Iterator[EpochResult]:
        device = self._device
        for epoch in range(len(self.history), self.epochs):
            start = time.perf_counter()
            train_loss = train_epoch(
                self.model, self.data.train, self.optimizer, batch_size=self.batch_size, generator=self.generator
            )
            check_loss(epoch, "training loss", train_loss, self.data.n_classes)
            val_loss, val_metric = evaluate(self.model, self.data.val)
            check_loss(epoch, "validation loss", val_loss, self.data.n_classes)
            if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                self.scheduler.step(val_loss)
            elif self.scheduler is not None:
                self.scheduler.step()
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            result = EpochResult(epoch, train_loss, val_loss, val_metric, time.perf_counter() - start)
            self.history.append(result)
            yield result

    def state_dict(self) -> dict:
        """Tensors, numbers and lists only: loadable with ``torch.load(..., weights_only=True)``."""
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "generator": self.generator.get_state(),  # the batch order
            "torch_rng": torch.get_rng_state(),  # dropout and other random layers draw from torch's global generator
            "cuda_rng": torch.cuda.get_rng_state(self._device) if self._device.type == "cuda" else None,
            "history": [dataclasses.astuple(r) for r in self.history],
        }

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        self.generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if state["cuda_rng"] is not None and self._device.type == "cuda":
            torch.cuda.set_rng_state(state["cuda_rng"], self._device)
        self.history = [EpochResult(*row) for row in state["history"]]


def fit(model: nn.Module, data: Splits, p: TrainingParams, *, epochs: int, seed: int) -> Iterator[EpochResult]:
    """Train ``model`` from scratch for up to ``epochs`` epochs, yielding after each one (see :class:`Training`)."""
    return iter(Training(model, data, p, epochs=epochs, seed=seed))


def train_epoch(
    model: nn.Module, split: Split, optimizer: torch.optim.Optimizer, *, batch_size: int, generator: torch.Generator
) -> float:
    model.train()
    total = torch.zeros((), device=split.x.device)
    for idx in shuffled_batches(len(split), batch_size, generator, split.x.device):
        loss = loss_of(model(split.x[idx]), split.y[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += loss.detach() * len(idx)
    return total.item() / len(split)  # one device sync per epoch, not per batch


def loss_of(outputs: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Cross-entropy for class labels (int64), mean squared error for regression targets (float)."""
    if y.dtype.is_floating_point:
        return F.mse_loss(outputs.reshape(-1), y, reduction=reduction)
    return F.cross_entropy(outputs, y, reduction=reduction)


@torch.inference_mode()
def evaluate(model: nn.Module, split: Split) -> tuple[float, float]:
    """Mean loss over the whole split, and its metric: accuracy, or R² for regression targets."""
    model.eval()
    loss_sum = torch.zeros((), device=split.x.device)
    correct = torch.zeros((), device=split.x.device)
    for start in range(0, len(split), EVAL_CHUNK):
        outputs = model(split.x[start : start + EVAL_CHUNK])
        y = split.y[start : start + EVAL_CHUNK]
        loss_sum += loss_of(outputs, y, reduction="sum")
        if not y.dtype.is_floating_point:
            correct += (outputs.argmax(dim=1) == y).sum()
    loss = loss_sum.item() / len(split)
    if not split.y.dtype.is_floating_point:
        return loss, correct.item() / len(split)
    spread = split.y.var(unbiased=False).item()  # R² = 1 − MSE / variance of the targets around their mean
    return loss, 1.0 - loss / spread if spread > 0 else float("nan")
