"""Data: a built-in dataset or a study's own (a function, a CSV, a DataFrame) loaded once per process →
seeded train/validation splits on the device → index-slice batches."""

from pipeline.data.custom import as_raw, dataset_name
from pipeline.data.sources import DATASETS, LOSS_NAMES, METRIC_NAMES, TASKS, RawData, load_raw
from pipeline.data.splits import (
    TEST_SPLIT_READS,
    Split,
    Splits,
    final_evaluation,
    final_test_split,
    make_splits,
    shuffled_batches,
    training_and_validation,
)
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
    "final_evaluation",
    "training_and_validation",
    "TEST_SPLIT_READS",
    "load_raw",
    "make_splits",
    "shuffled_batches",
    "tabular",
]
