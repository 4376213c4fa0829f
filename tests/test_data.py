import gzip
import struct

import pytest
import torch

from pipeline.data import final_evaluation, final_test_split, load_raw, make_splits, shuffled_batches, sources
from pipeline.errors import UsageError


def write_idx(raw_dir, n_train=40, n_test=20, compress=False, seed=0):
    """Tiny MNIST-format files: images ``>IIII 0x803 n 28 28`` + bytes, labels ``>II 0x801 n`` + bytes."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(seed)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = torch.randint(0, 256, (n, 28, 28), generator=g, dtype=torch.uint8)
        labels = torch.arange(n, dtype=torch.uint8) % 10
        files = {
            f"{prefix}-images-idx3-ubyte": struct.pack(">IIII", 0x803, n, 28, 28) + images.numpy().tobytes(),
            f"{prefix}-labels-idx1-ubyte": struct.pack(">II", 0x801, n) + labels.numpy().tobytes(),
        }
        for name, payload in files.items():
            if compress:
                (raw_dir / f"{name}.gz").write_bytes(gzip.compress(payload))
            else:
                (raw_dir / name).write_bytes(payload)
    return images, labels


def test_digits_ships_with_scikit_learn_and_keeps_a_fixed_test_split():
    raw = load_raw("digits")
    assert raw.train_x.shape[1:] == (1, 8, 8) and raw.n_classes == 10
    assert len(raw.train_y) + len(raw.test_y) == 1797
    assert len(raw.test_y) == 360


def test_validation_split_is_stratified_seeded_and_disjoint_from_training():
    raw = load_raw("digits")
    a = make_splits(raw, seed=0, val_fraction=0.2, device="cpu")
    b = make_splits(raw, seed=0, val_fraction=0.2, device="cpu")
    c = make_splits(raw, seed=1, val_fraction=0.2, device="cpu")
    assert torch.equal(a.val.x, b.val.x)
    assert not torch.equal(a.val.x, c.val.x)
    assert len(a.train) + len(a.val) == len(raw.train_y)
    counts = torch.bincount(a.val.y, minlength=10).float()
    assert counts.max() - counts.min() <= 2  # stratified: every class about equally present
    train_rows = {tuple(r.tolist()) for r in a.train.x.flatten(1)}
    assert not any(tuple(r.tolist()) in train_rows for r in a.val.x.flatten(1)[:50])


def test_normalization_uses_training_statistics_only():
    raw = load_raw("digits")
    splits = make_splits(raw, seed=0, val_fraction=0.2, device="cpu")
    assert splits.train.x.mean().abs() < 1e-4
    assert (splits.train.x.std() - 1).abs() < 1e-3
    assert splits.val.x.mean().abs() > 1e-4  # normalized with the training part's numbers, not its own


def test_test_split_is_not_part_of_what_tuning_sees():
    raw = load_raw("digits")
    splits = make_splits(raw, seed=0, val_fraction=0.2, device="cpu")
    assert not hasattr(splits, "test")
    with pytest.raises(RuntimeError, match="read only by the final evaluation"):
        final_test_split(raw, splits, device="cpu")
    with final_evaluation("this test"):
        test = final_test_split(raw, splits, device="cpu")
    assert len(test) == len(raw.test_y)


def test_shuffled_batches_cover_every_index_once():
    g = torch.Generator().manual_seed(0)
    batches = list(shuffled_batches(103, 32, g, "cpu"))
    assert [len(b) for b in batches] == [32, 32, 32, 7]
    assert sorted(torch.cat(batches).tolist()) == list(range(103))


def test_torchvision_mnist_reads_idx_files_written_by_the_test(tmp_path):
    images, labels = write_idx(tmp_path / "MNIST" / "raw")
    raw = load_raw("mnist", tmp_path, download=False)
    assert raw.train_x.shape == (40, 1, 28, 28) and raw.train_x.dtype == torch.uint8
    assert raw.test_x.shape == (20, 1, 28, 28)
    assert torch.equal(raw.test_x[:, 0], images)
    assert torch.equal(raw.test_y, labels.long())
    assert raw.n_classes == 10


def test_fashion_mnist_unpacks_gzipped_idx_files_from_the_debian_folder(tmp_path, monkeypatch):
    debian = tmp_path / "debian"
    write_idx(debian, compress=True)
    monkeypatch.setattr(sources, "DEBIAN_FASHION_MNIST", debian)
    raw = load_raw("fashion_mnist", tmp_path / "data", download=False)
    assert raw.train_x.shape == (40, 1, 28, 28)
    assert (tmp_path / "data" / "FashionMNIST" / "raw" / "train-images-idx3-ubyte").is_file()


def test_missing_dataset_files_name_the_files_and_where_they_go(tmp_path):
    with pytest.raises(UsageError) as err:
        load_raw("mnist", tmp_path, download=False)
    message = str(err.value)
    assert "train-images-idx3-ubyte" in message and str(tmp_path / "MNIST" / "raw") in message
    assert "\n" not in message


def test_unknown_dataset_lists_the_choices():
    with pytest.raises(UsageError, match=r"unknown dataset 'imagenet' \(choose from: digits, mnist"):
        load_raw("imagenet")
