"""Epoch time: torchvision Dataset + DataLoader + ToTensor/Normalize (Optuna's PyTorch example) vs our loader.

Same model (784-128-10 MLP, Adam, batch 128), same 60,000 28×28 images (Fashion-MNIST when Debian's files
are present, else synthetic IDX files of that shape read through the very same torchvision class), same run.

    python benchmarks/data_loading.py [--epochs N] [--out DIR]
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import struct
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (sets up the path)
import torch
from torch import nn
from torch.nn import functional as F

from pipeline.data import load_raw, make_splits
from pipeline.data.sources import DEBIAN_FASHION_MNIST, IDX_FILES
from pipeline.training import train_epoch

N_TRAIN, SIDE, BATCH = 60_000, 28, 128  # --images shrinks the synthetic set (smoke tests only)


def prepare_files(root: Path, images: int) -> str:
    """Fashion-MNIST's four IDX files under ``root/FashionMNIST/raw``; synthetic ones if Debian's are absent
    (or when fewer than 60,000 images are asked for)."""
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    if images == N_TRAIN and all((DEBIAN_FASHION_MNIST / f"{name}.gz").exists() for name in IDX_FILES):
        for name in IDX_FILES:
            with gzip.open(DEBIAN_FASHION_MNIST / f"{name}.gz") as src, open(raw / name, "wb") as dst:
                shutil.copyfileobj(src, dst)
        return "fashion-mnist (Debian package)"
    g = torch.Generator().manual_seed(0)
    for prefix, n in (("train", images), ("t10k", max(10, images // 6))):
        images = torch.randint(0, 256, (n, SIDE, SIDE), generator=g, dtype=torch.uint8)
        labels = torch.randint(0, 10, (n,), generator=g, dtype=torch.uint8)
        (raw / f"{prefix}-images-idx3-ubyte").write_bytes(
            struct.pack(">IIII", 0x803, n, SIDE, SIDE) + images.numpy().tobytes()
        )
        (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 0x801, n) + labels.numpy().tobytes())
    return "synthetic, Fashion-MNIST's shape"


def model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(SIDE * SIDE, 128), nn.ReLU(), nn.Linear(128, 10))


def dataloader_epoch_seconds(root: Path, epochs: int) -> list[float]:
    """The usual way: a per-sample Dataset with transforms, batched by DataLoader."""
    import torchvision
    from torchvision import transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])
    dataset = torchvision.datasets.FashionMNIST(str(root), train=True, download=False, transform=transform)
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True)
    net = model()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        for x, y in loader:
            loss = F.cross_entropy(net(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    return times


def pipeline_epoch_seconds(root: Path, epochs: int) -> tuple[list[float], float]:
    """Ours: load once into normalized tensors, batches are shuffled index slices. Returns (epochs, load s).

    The pipeline always carves a validation split; a 2% one leaves 98% of the images for training, so each
    epoch's time is scaled to the whole set to compare like with like.
    """
    start = time.perf_counter()
    data = make_splits(load_raw("fashion_mnist", root, download=False), seed=0, val_fraction=0.02, device="cpu")
    load = time.perf_counter() - start
    net = model()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(0)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        train_epoch(net, data.train, optimizer, batch_size=BATCH, generator=generator)
        times.append((time.perf_counter() - start) * (len(data.train) + len(data.val)) / len(data.train))
    return times, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per loader (default 2)")
    parser.add_argument(
        "--images", type=int, default=N_TRAIN, help="training images (default 60,000; fewer: synthetic)"
    )
    parser.add_argument("--out", type=Path, default=_common.RESULTS, help="folder for the JSON file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = prepare_files(root, args.images)
        baseline = dataloader_epoch_seconds(root, args.epochs)
        ours, load_seconds = pipeline_epoch_seconds(root, args.epochs)
    baseline_s, ours_s = min(baseline), min(ours)
    print(f"data: {source}, {args.images} images, batch {BATCH}, best of {args.epochs} epochs")
    print(f"  DataLoader + ToTensor + Normalize : {baseline_s:7.2f} s/epoch")
    print(f"  pipeline tensors + index slices   : {ours_s:7.2f} s/epoch   (one-time load {load_seconds:.2f} s)")
    print(f"  speedup                           : {baseline_s / ours_s:7.1f}×  (target ≥ 10×)")
    _common.save(
        "data_loading",
        {
            "data": source,
            "images": args.images,
            "batch_size": BATCH,
            "epochs_timed": args.epochs,
            "dataloader_s_per_epoch": baseline_s,
            "pipeline_s_per_epoch": ours_s,
            "pipeline_one_time_load_s": load_seconds,
            "speedup": baseline_s / ours_s,
            "target_speedup": 10,
        },
        out=args.out,
    )


if __name__ == "__main__":
    main()
