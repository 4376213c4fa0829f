"""Train / validation splits as normalized tensors on the device, and mini-batches by index slicing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch

from pipeline.data.sources import RawData


@dataclass(frozen=True)
class Split:
    x: torch.Tensor  # float32 (N, F) or (N, C, H, W), normalized with training statistics
    y: torch.Tensor  # int64 class indices (N,), or float32 regression targets standardized with training statistics

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class Splits:
    """What tuning may see: the training part and the validation part carved from it. No test data."""

    train: Split
    val: Split
    input_shape: tuple[int, ...]  # (F,) or (C, H, W)
    n_classes: int  # 1 for regression
    mean: torch.Tensor  # per feature or channel, from the training part only
    std: torch.Tensor
    task: str = "classification"  # or "regression"
    y_mean: float = 0.0  # regression targets: y_standardized = (y - y_mean) / y_std, training statistics
    y_std: float = 1.0

    @property
    def n_outputs(self) -> int:
        return self.n_classes if self.task == "classification" else 1


def make_splits(raw: RawData, *, seed: int, val_fraction: float, device: torch.device | str) -> Splits:
    """Carve a validation split (seeded; stratified by class for classification) from the training set and
    normalize both parts with the training part's statistics: per feature for feature vectors, per channel
    for images, and — for regression — the targets too."""
    from sklearn.model_selection import train_test_split

    indices = torch.arange(len(raw.train_y))
    stratify = raw.train_y.numpy() if raw.task == "classification" else None
    train_idx, val_idx = train_test_split(indices.numpy(), test_size=val_fraction, stratify=stratify, random_state=seed)
    train_idx, val_idx = torch.from_numpy(train_idx), torch.from_numpy(val_idx)
    norm = _fitted(raw, train_idx)
    return _splits(
        raw,
        norm,
        train=norm(raw.train_x[train_idx], raw.train_y[train_idx], device),
        val=norm(raw.train_x[val_idx], raw.train_y[val_idx], device),
    )


def training_and_validation(raw: RawData, *, device: torch.device | str) -> Splits:
    """Every training sample — the training and validation parts together — normalized with their own
    statistics, for the final retraining of a chosen configuration. ``val`` is the same data (what ``fit``
    reports as validation is then the loss on the data it trained on); there is nothing left to validate on."""
    norm = _fitted(raw, None)
    everything = norm(raw.train_x, raw.train_y, device)
    return _splits(raw, norm, train=everything, val=everything)


def _fitted(raw: RawData, rows: torch.Tensor | None) -> _Normalize:
    """Normalization with the statistics of ``rows`` of the training set (all of it when None): per feature
    for feature vectors, per channel for images, and — for regression — the targets too."""
    x = (raw.train_x if rows is None else raw.train_x[rows]).float()
    dims = (0, 2, 3) if x.dim() == 4 else (0,)
    mean, std = x.mean(dim=dims), x.std(dim=dims).nan_to_num(1.0).clamp_min(1e-6)
    y_mean, y_std = 0.0, 1.0
    if raw.task == "regression":
        y = (raw.train_y if rows is None else raw.train_y[rows]).float()
        y_mean, y_std = float(y.mean()), max(float(y.std().nan_to_num(1.0)), 1e-6)
    return _Normalize(mean, std, y_mean, y_std, regression=raw.task == "regression")


def _splits(raw: RawData, norm: _Normalize, *, train: Split, val: Split) -> Splits:
    return Splits(
        train=train,
        val=val,
        input_shape=tuple(raw.train_x.shape[1:]),
        n_classes=raw.n_classes,
        mean=norm.mean,
        std=norm.std,
        task=raw.task,
        y_mean=norm.y_mean,
        y_std=norm.y_std,
    )


TEST_SPLIT_READS: list[str] = []  # who read the test split, in order: only the final evaluation may appear
_final_evaluation: list[str] = []  # set while final_evaluation() runs


@contextmanager
def final_evaluation(what: str) -> Iterator[None]:
    """The one place the test split may be read (``tune retrain``); everything else is refused, so tuning
    can never see it. Every read is recorded in ``TEST_SPLIT_READS``."""
    _final_evaluation.append(what)
    try:
        yield
    finally:
        _final_evaluation.pop()


def final_test_split(raw: RawData, splits: Splits, *, device: torch.device | str) -> Split:
    """The held-out test set, normalized like the training data. Only inside :func:`final_evaluation`."""
    if not _final_evaluation:
        raise RuntimeError(
            "the test split is read only by the final evaluation (tune retrain), inside final_evaluation(); "
            "tuning and pruning use the validation split"
        )
    TEST_SPLIT_READS.append(_final_evaluation[-1])
    norm = _Normalize(splits.mean, splits.std, splits.y_mean, splits.y_std, regression=splits.task == "regression")
    return norm(raw.test_x, raw.test_y, device)


@dataclass(frozen=True)
class _Normalize:
    mean: torch.Tensor
    std: torch.Tensor
    y_mean: float
    y_std: float
    regression: bool

    def __call__(self, x: torch.Tensor, y: torch.Tensor, device) -> Split:
        shape = (-1, 1, 1) if x.dim() == 4 else (-1,)
        x = (x.float() - self.mean.view(shape)) / self.std.view(shape)
        y = (y.float() - self.y_mean) / self.y_std if self.regression else y
        return Split(x.to(device), y.to(device))


def shuffled_batches(n: int, batch_size: int, generator: torch.Generator, device) -> Iterator[torch.Tensor]:
    """Index tensors covering ``range(n)`` in a random order, ``batch_size`` at a time (last one shorter)."""
    order = torch.randperm(n, generator=generator).to(device)
    return iter(order.split(batch_size))
