"""A study's own data: dataset functions returning tensors, numpy, pandas or a Dataset, checked into RawData."""

import numpy as np
import pandas as pd
import pytest
import torch

from pipeline.data import as_raw, load_raw, make_splits
from pipeline.errors import UsageError


def blobs(n=60, features=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.normal(size=(n, features)).astype(np.float32) + 3 * y[:, None]
    return x, y


class Points(torch.utils.data.Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.as_tensor(self.x[i]), int(self.y[i])


@pytest.mark.parametrize("shape", ["numpy", "tensors", "pandas", "dataset"])
def test_every_shape_a_function_may_return_becomes_the_same_data(shape):
    x, y = blobs()
    train, test = (x[:40], y[:40]), (x[40:], y[40:])
    given = {
        "numpy": (train, test),
        "tensors": tuple((torch.as_tensor(a), torch.as_tensor(b)) for a, b in (train, test)),
        "pandas": tuple((pd.DataFrame(a, columns=list("abc")), pd.Series(b)) for a, b in (train, test)),
        "dataset": (Points(*train), Points(*test)),
    }[shape]
    raw = as_raw(given, name="blobs")
    assert raw.task == "classification" and raw.n_classes == 2 and raw.n_outputs == 2
    assert raw.train_x.shape == (40, 3) and raw.train_x.dtype == torch.float32
    assert torch.equal(raw.train_y, torch.as_tensor(y[:40], dtype=torch.int64))


def test_string_labels_are_encoded_in_sorted_order_and_float_labels_mean_regression():
    x, _ = blobs(n=8)
    classes = as_raw(((x[:4], ["no", "yes", "no", "yes"]), (x[4:], ["yes", "no", "no", "no"])), name="s")
    assert classes.train_y.tolist() == [0, 1, 0, 1] and classes.test_y.tolist() == [1, 0, 0, 0]
    values = as_raw(((x[:4], np.linspace(0, 1, 4)), (x[4:], np.linspace(1, 2, 4))), name="r")
    assert values.task == "regression" and values.n_outputs == 1 and values.train_y.dtype == torch.float32


@pytest.mark.parametrize(
    "value, message",
    [
        ("not data", r"returned str; return \(\(train_x, train_y\), \(test_x, test_y\)\)"),
        (((np.zeros((3, 2)), [0, 1]), (np.zeros((2, 2)), [0, 1])), r"3 training samples but 2 labels"),
        (
            ((np.zeros((4, 2)), [0, 1, 0, 1]), (np.zeros((2, 3)), [0, 1])),
            r"training features \(2,\) but test features \(3,\)",
        ),
        (((np.zeros((4, 2)), [0, 0, 0, 0]), (np.zeros((2, 2)), [0, 0])), r"every training label is 0"),
        (((np.zeros((4, 2)), [0, 1, 0, 1]), (np.zeros((2, 2)), [0, 7])), r"test labels \[7\] never occur"),
        (((pd.DataFrame({"a": ["x", "y"]}), [0, 1]), (pd.DataFrame({"a": ["x"]}), [0])), r"not all numbers.*tabular"),
    ],
)
def test_a_function_returning_the_wrong_thing_gets_one_line_saying_what_to_return(value, message):
    with pytest.raises(UsageError, match=message):
        as_raw(value, name="mine")


def test_a_dataset_function_is_called_once_per_process_and_its_errors_are_one_line():
    calls = []

    def mine():
        calls.append(1)
        x, y = blobs()
        return (x[:40], y[:40]), (x[40:], y[40:])

    assert load_raw(mine) is load_raw(mine) and len(calls) == 1

    def broken():
        raise FileNotFoundError("patients.csv")

    with pytest.raises(UsageError, match=r"dataset 'broken' failed to load: FileNotFoundError: patients.csv"):
        load_raw(broken)


def test_feature_vectors_are_standardized_per_feature_with_training_statistics_only():
    rng = np.random.default_rng(1)
    x = rng.normal(loc=[5.0, -2.0], scale=[3.0, 0.5], size=(200, 2)).astype(np.float32)
    y = rng.normal(size=200).astype(np.float32) * 10 + 50
    raw = as_raw(((x[:150], y[:150]), (x[150:], y[150:])), name="r")
    splits = make_splits(raw, seed=0, val_fraction=0.2, device="cpu")
    assert splits.input_shape == (2,) and splits.task == "regression" and splits.n_outputs == 1
    assert torch.allclose(splits.train.x.mean(dim=0), torch.zeros(2), atol=1e-5)  # the training part's own stats
    assert torch.allclose(splits.train.y.mean(), torch.zeros(()), atol=1e-5)
    assert not torch.allclose(splits.val.x.mean(dim=0), torch.zeros(2), atol=1e-3)  # validation: not its own
