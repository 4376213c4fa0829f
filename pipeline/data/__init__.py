"""Data: raw datasets loaded once per process → seeded train/validation splits on the device → batches."""

from pipeline.data.sources import DATASETS, RawData, load_raw
from pipeline.data.splits import Split, Splits, final_test_split, make_splits, shuffled_batches

__all__ = ["DATASETS", "RawData", "Split", "Splits", "load_raw", "make_splits", "shuffled_batches", "final_test_split"]
