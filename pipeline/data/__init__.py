"""Data: a built-in dataset or a study's own (a function, a CSV, a DataFrame) loaded once per process →
seeded train/validation splits on the device → index-slice batches."""

from pipeline.data.custom import as_raw, dataset_name
from pipeline.data.sources import DATASETS, LOSS_NAMES, METRIC_NAMES, TASKS, RawData, load_raw
from pipeline.data.splits import Split, Splits, final_test_split, make_splits, shuffled_batches
from pipeline.data.tabular import tabular

__all__ = [
    "DATASETS",
    "LOSS_NAMES",
    "METRIC_NAMES",
    "TASKS",
    "RawData",
    "Split",
    "Splits",
    "as_raw",
    "dataset_name",
    "final_test_split",
    "load_raw",
    "make_splits",
    "shuffled_batches",
    "tabular",
]
