"""Raw datasets, loaded once per process into uint8/float tensors (no transforms, no DataLoader).

A study names a built-in dataset, or passes its own function (pipeline/data/custom.py, and
pipeline/data/tabular.py for a CSV or a DataFrame); both arrive here as :class:`RawData`.
``digits`` ships inside scikit-learn. ``mnist``, ``fashion_mnist`` and ``cifar10`` are read by
torchvision from ``<data_dir>/<ClassName>/``; Fashion-MNIST also comes from Debian's
``dataset-fashion-mnist`` package when it is installed.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from pipeline.errors import UsageError, choices_error

# Where Debian's dataset-fashion-mnist package puts its files (torchvision's IDX format, gzipped).
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
TORCHVISION_CLASSES = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}
DATASETS = ("digits", *TORCHVISION_CLASSES)  # the built-in ones, by name
TASKS = ("classification", "regression")
# What a trial's value (its validation loss) and the metric stored beside it are, per task: said once.
LOSS_NAMES = {"classification": "cross-entropy", "regression": "mean squared error of standardized targets"}
METRIC_NAMES = {"classification": "accuracy", "regression": "R²"}
METRIC_KEYS = {"classification": "accuracy", "regression": "r2"}  # the metric in attr, JSON and file names

# The digits test split is fixed (not the study seed) so a final evaluation is comparable across studies.
DIGITS_TEST_FRACTION = 0.2
DIGITS_TEST_SEED = 0


@dataclass(frozen=True)
class RawData:
    """A dataset as tensors, train and test parts: features ``(N, F)`` or images ``(N, C, H, W)``; labels
    int64 class indices 0..n_classes−1 (classification) or float32 targets (regression, ``n_classes`` 1)."""

    name: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    n_classes: int
    task: str = "classification"  # or "regression"

    @property
    def n_outputs(self) -> int:
        """What a model's last layer produces: one logit per class, or one value."""
        return self.n_classes if self.task == "classification" else 1


_OWN: dict[int, tuple[object, RawData]] = {}  # a study's own dataset function → its data, once per process


def load_raw(source, data_dir: str | Path = "data", *, download: bool = True) -> RawData:
    """Load a built-in dataset by name (one of ``DATASETS``), or call a study's own dataset function and
    check what it returned (pipeline/data/custom.py); cached, so each process reads a dataset once."""
    if callable(source):
        from pipeline.data.custom import as_raw, dataset_name

        if id(source) not in _OWN:
            name = dataset_name(source)
            try:
                value = source()
            except UsageError:
                raise
            except Exception as exc:  # the study's own code: say whose, in one line
                raise UsageError(f"dataset {name!r} failed to load: {type(exc).__name__}: {exc}") from None
            _OWN[id(source)] = (source, as_raw(value, name=name))
        return _OWN[id(source)][1]
    if source not in DATASETS:
        raise choices_error("dataset", source, DATASETS)
    return _load_raw(source, str(Path(data_dir).resolve()), download)


@lru_cache(maxsize=2)
def _load_raw(name: str, data_dir: str, download: bool) -> RawData:
    if name == "digits":
        return _load_digits()
    return _load_torchvision(name, Path(data_dir), download)


def _load_digits() -> RawData:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    x = bunch.images.astype(np.float32)[:, None]  # (1797, 1, 8, 8), values 0..16
    y = bunch.target.astype(np.int64)
    train_x, test_x, train_y, test_y = train_test_split(
        x, y, test_size=DIGITS_TEST_FRACTION, stratify=y, random_state=DIGITS_TEST_SEED
    )
    from pipeline.data.custom import as_raw

    return as_raw(((train_x, train_y), (test_x, test_y)), name="digits")  # what a study's own function returns


def _load_torchvision(name: str, data_dir: Path, download: bool) -> RawData:
    import torchvision

    cls = getattr(torchvision.datasets, TORCHVISION_CLASSES[name])
    if data_dir.exists() and not data_dir.is_dir():
        raise UsageError(f"--data-dir {data_dir} is a file, not a folder (pass the folder that holds the datasets)")
    if name != "cifar10":
        try:
            _unpack_idx(data_dir / cls.__name__ / "raw", debian=name == "fashion_mnist")
        except OSError as exc:
            raise UsageError(
                f"cannot unpack {name} into {data_dir}/ ({exc.strerror}); pass a writable --data-dir"
            ) from None
    try:
        train, test = (cls(str(data_dir), train=split, download=False) for split in (True, False))
    except RuntimeError:
        if not download:
            raise UsageError(_missing_message(name, data_dir, tried_download=False)) from None
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # torchvision prints each mirror it tries
                train, test = (cls(str(data_dir), train=split, download=True) for split in (True, False))
        except Exception:  # no network, a proxy, a bad mirror: all mean "put the files there yourself"
            raise UsageError(_missing_message(name, data_dir, tried_download=True)) from None
    return RawData(
        name,
        _images(train.data),
        torch.as_tensor(train.targets, dtype=torch.int64),
        _images(test.data),
        torch.as_tensor(test.targets, dtype=torch.int64),
        n_classes=len(train.classes),
    )


def _images(data: torch.Tensor | np.ndarray) -> torch.Tensor:
    """MNIST-like ``(N, H, W)`` tensors and CIFAR's ``(N, H, W, C)`` arrays → ``(N, C, H, W)`` uint8."""
    if isinstance(data, np.ndarray):
        return torch.from_numpy(data).permute(0, 3, 1, 2).contiguous()
    return data.unsqueeze(1)


def _unpack_idx(raw_dir: Path, *, debian: bool) -> None:
    """Decompress ``*.gz`` IDX files into ``raw_dir`` (from ``raw_dir`` itself, or from Debian's copy)."""
    sources = [raw_dir] + ([DEBIAN_FASHION_MNIST] if debian else [])
    for filename in IDX_FILES:
        target = raw_dir / filename
        if target.exists():
            continue
        gz = next((d / f"{filename}.gz" for d in sources if (d / f"{filename}.gz").exists()), None)
        if gz is None:
            continue
        raw_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        with gzip.open(gz, "rb") as src, open(partial, "wb") as dst:
            shutil.copyfileobj(src, dst)
        partial.rename(target)  # never leave a half-written file that torchvision would accept


def _missing_message(name: str, data_dir: Path, *, tried_download: bool) -> str:
    if name == "cifar10":
        where = f"the folder cifar-10-batches-py/ (from cifar-10-python.tar.gz) in {data_dir}/"
    else:
        raw_dir = data_dir / TORCHVISION_CLASSES[name] / "raw"
        where = f"{', '.join(IDX_FILES)} (or their .gz) in {raw_dir}/"
    hint = " or run 'make fashion-data' (Debian's dataset-fashion-mnist)" if name == "fashion_mnist" else ""
    status = "not found and could not be downloaded" if tried_download else "not found"
    return f"dataset {name!r} {status}: put {where}{hint}, or pass --data-dir"
