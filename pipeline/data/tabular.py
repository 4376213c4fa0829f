"""Tabular data: a CSV or Parquet file, or a pandas DataFrame, with a target column → :class:`RawData`.

``tabular("houses.csv", target="price")`` returns a dataset function for ``StudySpec(dataset=...)``:

- numeric columns stay numbers (missing values filled with the training part's median); the pipeline
  standardizes every feature with training statistics when it makes the splits (data/splits.py);
- other columns (strings, categories, booleans) are one-hot encoded with the categories seen in the
  training part (a category only the test part has becomes all zeros; a missing value is a category);
  embeddings are not offered: one-hot keeps every model a plain MLP over a feature vector;
- the target is classes (encoded 0..K−1) or a regression value, as ``task=`` says or inferred from it
  (floats: regression; integers, strings, booleans: classes);
- the test part is held out first (``test_fraction``, stratified by class for classification, seeded by
  ``seed``) and only a final evaluation reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.data.custom import as_raw, infer_task
from pipeline.data.sources import TASKS, RawData
from pipeline.errors import UsageError


@dataclass(frozen=True, eq=False)
class Tabular:
    """A dataset function over a table (see the module docstring); call it to get the :class:`RawData`."""

    source: str | Path | pd.DataFrame
    target: str
    task: str | None = None
    test_fraction: float = 0.2
    seed: int = 0
    name: str = field(default="")

    def __repr__(self) -> str:  # never print a whole DataFrame
        return f"tabular({self.name!r}, target={self.target!r})"

    def __call__(self) -> RawData:
        frame = read_table(self.source)
        if self.target not in frame.columns:
            raise UsageError(
                f"target column {self.target!r} not in {self.name} (columns: {', '.join(map(str, frame.columns))})"
            )
        if self.task is not None and self.task not in TASKS:
            raise UsageError(f"unknown task {self.task!r} (choose from: {', '.join(TASKS)})")
        frame = frame[frame[self.target].notna()]
        labels = frame[self.target]
        task = self.task or infer_task(labels.to_numpy())
        features = frame.drop(columns=[self.target])
        if features.shape[1] == 0:
            raise UsageError(f"{self.name} has no feature columns besides the target {self.target!r}")
        train_idx, test_idx = split_rows(labels, task=task, test_fraction=self.test_fraction, seed=self.seed)
        train_x, test_x = encode(features.iloc[train_idx], features.iloc[test_idx])
        train = (train_x, labels.iloc[train_idx].to_numpy())
        test = (test_x, labels.iloc[test_idx].to_numpy())
        return as_raw((train, test), name=self.name, task=task)


def tabular(
    source: str | Path | pd.DataFrame,
    *,
    target: str,
    task: str | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
    name: str | None = None,
) -> Tabular:
    """A dataset function for a CSV (``.csv``) or Parquet (``.parquet``) file, or a DataFrame."""
    if not 0 < test_fraction < 1:
        raise UsageError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    label = name or (Path(source).stem if not isinstance(source, pd.DataFrame) else "table")
    return Tabular(source, target, task, test_fraction, seed, label)


def read_table(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source
    path = Path(source)
    if not path.is_file():
        raise UsageError(f"table {path} not found (pass a .csv or .parquet file, or a pandas DataFrame)")
    if path.suffix == ".parquet":
        try:
            return pd.read_parquet(path)
        except ImportError:
            raise UsageError("reading Parquet needs pyarrow: .venv/bin/pip install '.[parquet]'") from None
    if path.suffix != ".csv":
        raise UsageError(f"table {path}: expected a .csv or .parquet file")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise UsageError(f"table {path} cannot be read as CSV: {str(exc).splitlines()[0]}") from None


def split_rows(labels: pd.Series, *, task: str, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of the training and test parts; stratified by class for classification."""
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(labels))
    stratify = labels.to_numpy() if task == "classification" and labels.value_counts().min() >= 2 else None
    train, test = train_test_split(rows, test_size=test_fraction, stratify=stratify, random_state=seed)
    return np.sort(train), np.sort(test)


def encode(train: pd.DataFrame, test: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Numbers as they are (NaN → the training median), everything else one-hot with the training categories."""
    numeric = [
        c for c in train.columns if pd.api.types.is_numeric_dtype(train[c]) and not pd.api.types.is_bool_dtype(train[c])
    ]
    categorical = [c for c in train.columns if c not in numeric]
    parts_train, parts_test = [], []
    if numeric:
        medians = train[numeric].median()
        parts_train.append(train[numeric].fillna(medians).to_numpy(np.float32))
        parts_test.append(test[numeric].fillna(medians).to_numpy(np.float32))
    for column in categorical:
        values_train, values_test = train[column].astype(str), test[column].astype(str)  # NaN → "nan"
        categories = sorted(values_train.unique())
        parts_train.append(_one_hot(values_train, categories))
        parts_test.append(_one_hot(values_test, categories))
    return np.concatenate(parts_train, axis=1), np.concatenate(parts_test, axis=1)


def _one_hot(values: pd.Series, categories: list[str]) -> np.ndarray:
    return (values.to_numpy()[:, None] == np.asarray(categories)[None, :]).astype(np.float32)
