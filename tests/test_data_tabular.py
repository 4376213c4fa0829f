"""Tables: a CSV, Parquet file or DataFrame with a target column, encoded and split into RawData."""

import numpy as np
import pandas as pd
import pytest
import torch

from pipeline.data import tabular
from pipeline.errors import UsageError


def patients(n=80, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(20, 80, n).astype(float),
            "smoker": rng.choice(["yes", "no"], n),
            "city": rng.choice(["Oslo", "Lima", "Pune"], n),
            "dose": rng.normal(10, 2, n),
        }
    )
    frame.loc[3, "age"] = np.nan
    frame["outcome"] = np.where(frame.dose + (frame.smoker == "yes") * 3 > 11, "sick", "well")
    frame["cost"] = frame.dose * 100 + rng.normal(0, 5, n)
    return frame


def test_a_csv_becomes_features_with_numbers_kept_categories_one_hot_and_a_stratified_test_part(tmp_path):
    path = tmp_path / "patients.csv"
    patients().drop(columns=["cost"]).to_csv(path, index=False)
    raw = tabular(path, target="outcome")()
    assert raw.name == "patients" and raw.task == "classification" and raw.n_classes == 2
    assert raw.train_x.shape[1] == 2 + 2 + 3  # age, dose; smoker yes/no; three cities
    assert len(raw.train_y) == 64 and len(raw.test_y) == 16
    assert torch.isfinite(raw.train_x).all()  # the missing age was filled with the training median
    share = lambda y: y.float().mean().item()  # noqa: E731
    assert abs(share(raw.train_y) - share(raw.test_y)) < 0.1  # stratified
    one_hot = raw.train_x[:, 2:]
    assert set(one_hot.unique().tolist()) == {0.0, 1.0} and torch.all(one_hot[:, :2].sum(dim=1) == 1)


def test_a_float_target_means_regression_and_a_parquet_file_reads_the_same(tmp_path):
    frame = patients().drop(columns=["outcome"])
    frame.to_parquet(tmp_path / "costs.parquet")
    from_frame = tabular(frame, target="cost")()
    from_file = tabular(tmp_path / "costs.parquet", target="cost")()
    assert from_frame.task == from_file.task == "regression" and from_frame.n_outputs == 1
    assert torch.equal(from_frame.train_x, from_file.train_x) and torch.equal(from_frame.train_y, from_file.train_y)


def test_categories_come_from_the_training_part_only():
    frame = pd.DataFrame({"colour": ["red", "blue"] * 10 + ["green"], "y": [0, 1] * 10 + [1]})
    raw = tabular(frame, target="y", test_fraction=0.2, seed=3)()
    assert raw.train_x.shape[1] in (2, 3)  # green is one row: in the test part it would be all zeros
    assert raw.train_x.sum(dim=1).eq(1).all()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: tabular(d / "none.csv", target="y"), r"table .*none.csv not found"),
        (lambda d: tabular(pd.DataFrame({"a": [1, 2]}), target="y"), r"target column 'y' not in table \(columns: a\)"),
        (lambda d: tabular(pd.DataFrame({"y": [1, 2]}), target="y"), r"has no feature columns besides the target"),
        (
            lambda d: tabular(pd.DataFrame({"a": [1, 2], "y": [1, 2]}), target="y", task="ranking"),
            r"unknown task 'ranking'",
        ),
    ],
)
def test_a_bad_table_is_one_line_saying_what_is_wrong(tmp_path, make, message):
    with pytest.raises(UsageError, match=message):
        make(tmp_path)()
