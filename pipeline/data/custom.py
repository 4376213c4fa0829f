"""A study's own data: whatever a dataset function returns, turned into :class:`RawData`.

A study script passes ``dataset=`` a function (no arguments) that returns the training and the test
data, in any of these shapes:

- ``((train_features, train_labels), (test_features, test_labels))`` as torch tensors, numpy arrays or
  pandas objects (a DataFrame of numeric features, a Series of labels);
- ``(train_dataset, test_dataset)`` as ``torch.utils.data.Dataset`` objects yielding ``(features, label)``;
- a :class:`RawData` (what :func:`pipeline.data.tabular` makes).

Features become float32 tensors, one row per sample: a vector ``(N, F)`` or an image ``(N, C, H, W)``.
The task is classification when the labels are integers, booleans or strings (encoded 0..K−1 in sorted
order), regression when they are floats — or whatever ``task=`` says. The validation split, the
normalization from training statistics, device placement and batching stay the pipeline's job
(pipeline/data/splits.py), whatever the source.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from pipeline.data.sources import TASKS, RawData
from pipeline.errors import UsageError

SHAPES = "((train_x, train_y), (test_x, test_y)), (train_dataset, test_dataset) or a RawData"


def dataset_name(source: str | Callable) -> str:
    """What a dataset is called in stored configs and reports: a built-in's name, or the function's."""
    if isinstance(source, str):
        return source
    return getattr(source, "name", None) or getattr(source, "__name__", None) or type(source).__name__


def as_raw(value: Any, *, name: str, task: str | None = None) -> RawData:
    """``value`` (what a dataset function returned) as :class:`RawData`, or a UsageError naming what is wrong."""
    if task is not None and task not in TASKS:
        raise UsageError(f"unknown task {task!r} for dataset {name!r} (choose from: {', '.join(TASKS)})")
    if isinstance(value, RawData):
        return value
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise UsageError(f"dataset {name!r} returned {type(value).__name__}; return {SHAPES}")
    train, test = (_pair(part, name=name, which=which) for part, which in zip(value, ("training", "test"), strict=True))
    (train_x, train_y), (test_x, test_y) = train, test
    if train_x.shape[1:] != test_x.shape[1:]:
        raise UsageError(
            f"dataset {name!r}: training features {tuple(train_x.shape[1:])} but test features "
            f"{tuple(test_x.shape[1:])} per sample; they must match"
        )
    task = task or infer_task(train_y)
    if task == "regression":
        return RawData(
            name, train_x, _floats(train_y, name), test_x, _floats(test_y, name), n_classes=1, task="regression"
        )
    classes = np.unique(train_y)
    unseen = sorted(set(np.unique(test_y).tolist()) - set(classes.tolist()))
    if unseen:
        raise UsageError(f"dataset {name!r}: test labels {unseen[:5]} never occur in the training labels")
    if len(classes) < 2:
        raise UsageError(
            f"dataset {name!r}: every training label is {classes[0].item()!r}; a classifier needs two or more"
        )
    return RawData(name, train_x, _codes(train_y, classes), test_x, _codes(test_y, classes), n_classes=len(classes))


def infer_task(labels: np.ndarray) -> str:
    """Floats are a regression target; integers, booleans, strings and categories are classes."""
    return "regression" if labels.dtype.kind == "f" else "classification"


def _pair(part: Any, *, name: str, which: str) -> tuple[torch.Tensor, np.ndarray]:
    if isinstance(part, torch.utils.data.Dataset) and not isinstance(part, (tuple, list)):
        return _from_dataset(part, name=name, which=which)
    if not (isinstance(part, (tuple, list)) and len(part) == 2):
        raise UsageError(f"dataset {name!r}: the {which} part is {type(part).__name__}; return {SHAPES}")
    x, y = _features(part[0], name=name, which=which), _labels(part[1])
    if len(x) != len(y):
        raise UsageError(f"dataset {name!r}: {len(x)} {which} samples but {len(y)} labels")
    if len(x) == 0:
        raise UsageError(f"dataset {name!r}: the {which} part is empty")
    return x, y


def _from_dataset(dataset: torch.utils.data.Dataset, *, name: str, which: str) -> tuple[torch.Tensor, np.ndarray]:
    try:
        items = [dataset[i] for i in range(len(dataset))]
    except TypeError:
        raise UsageError(f"dataset {name!r}: the {which} Dataset has no len(); give a map-style Dataset") from None
    if not items:
        raise UsageError(f"dataset {name!r}: the {which} part is empty")
    x = torch.stack([torch.as_tensor(np.asarray(item[0]), dtype=torch.float32) for item in items])
    y = np.asarray([_scalar(item[1]) for item in items])
    return x, y


def _features(x: Any, *, name: str, which: str) -> torch.Tensor:
    if hasattr(x, "to_numpy"):  # pandas
        import pandas as pd

        kinds = list(x.dtypes) if hasattr(x.dtypes, "__iter__") else [x.dtypes]
        if not all(pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t) for t in kinds):
            raise UsageError(
                f"dataset {name!r}: {which} features are not all numbers; encode them first, e.g. "
                "with pipeline.data.tabular(frame, target=...)"
            )
        x = x.to_numpy(dtype=np.float32)
    tensor = (
        x.detach().cpu().float() if isinstance(x, torch.Tensor) else torch.from_numpy(np.array(x, dtype=np.float32))
    )
    if tensor.dim() == 1:
        tensor = tensor[:, None]  # one feature
    if tensor.dim() not in (2, 4):
        raise UsageError(
            f"dataset {name!r}: {which} features have shape {tuple(tensor.shape)}; give (N, features) "
            "or images (N, C, H, W)"
        )
    return tensor.contiguous()


def _labels(y: Any) -> np.ndarray:
    if isinstance(y, torch.Tensor):
        return y.detach().cpu().numpy().reshape(-1)
    if hasattr(y, "to_numpy"):
        return y.to_numpy().reshape(-1)
    return np.asarray(y).reshape(-1)


def _scalar(label: Any):
    return label.item() if isinstance(label, (torch.Tensor, np.generic)) else label


def _floats(y: np.ndarray, name: str) -> torch.Tensor:
    try:
        values = torch.as_tensor(y.astype(np.float32))
    except (TypeError, ValueError):
        raise UsageError(f"dataset {name!r}: regression labels must be numbers") from None
    if not torch.isfinite(values).all():
        raise UsageError(f"dataset {name!r}: some regression labels are missing or infinite")
    return values


def _codes(y: np.ndarray, classes: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.searchsorted(classes, y), dtype=torch.int64)
