"""Train / validation splits as normalized tensors on the device, and mini-batches by index slicing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch

from pipeline.data.sources import RawData


@dataclass(frozen=True)
class Split:
    x: torch.Tensor  # float32 (N, C, H, W), normalized with training statistics
    y: torch.Tensor  # int64 (N,)

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class Splits:
    """What tuning may see: the training part and the validation part carved from it. No test data."""

    train: Split
    val: Split
    input_shape: tuple[int, ...]  # (C, H, W)
    n_classes: int
    mean: torch.Tensor  # per channel, from the training part only
    std: torch.Tensor


def make_splits(raw: RawData, *, seed: int, val_fraction: float, device: torch.device | str) -> Splits:
    """Carve a stratified validation split (seeded) from the training set and normalize both parts
    with the training part's per-channel mean and std."""
    from sklearn.model_selection import train_test_split

    indices = torch.arange(len(raw.train_y))
    train_idx, val_idx = train_test_split(
        indices.numpy(), test_size=val_fraction, stratify=raw.train_y.numpy(), random_state=seed
    )
    train_x = raw.train_x[torch.from_numpy(train_idx)].float()
    mean = train_x.mean(dim=(0, 2, 3))
    std = train_x.std(dim=(0, 2, 3)).clamp_min(1e-6)
    return Splits(
        train=_to_split(train_x, raw.train_y[torch.from_numpy(train_idx)], mean, std, device),
        val=_to_split(
            raw.train_x[torch.from_numpy(val_idx)], raw.train_y[torch.from_numpy(val_idx)], mean, std, device
        ),
        input_shape=tuple(raw.train_x.shape[1:]),
        n_classes=raw.n_classes,
        mean=mean,
        std=std,
    )


def final_test_split(raw: RawData, splits: Splits, *, device: torch.device | str) -> Split:
    """The held-out test set, normalized like the training data. For the one final evaluation only."""
    return _to_split(raw.test_x, raw.test_y, splits.mean, splits.std, device)


def _to_split(x: torch.Tensor, y: torch.Tensor, mean: torch.Tensor, std: torch.Tensor, device) -> Split:
    x = (x.float() - mean[:, None, None]) / std[:, None, None]
    return Split(x.to(device), y.to(device))


def shuffled_batches(n: int, batch_size: int, generator: torch.Generator, device) -> Iterator[torch.Tensor]:
    """Index tensors covering ``range(n)`` in a random order, ``batch_size`` at a time (last one shorter)."""
    order = torch.randperm(n, generator=generator).to(device)
    return iter(order.split(batch_size))
