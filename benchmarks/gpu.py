"""The GPU path: a fashion_mnist_cnn trial's epoch with the data resident on the GPU (ours) vs a DataLoader per
trial feeding it from the CPU (the usual way), same CNN (the objective module's DEFAULTS), same run.

- **baseline**: torchvision's FashionMNIST with ToTensor + Normalize, a DataLoader (``pin_memory`` on CUDA)
  built for the trial, each batch copied to the device;
- **ours**: the split loaded once into normalized tensors on the device; batches are index slices there.

On a machine without CUDA it says so and measures nothing (``--device cpu`` runs the same comparison on the
CPU, for a smoke test). Fashion-MNIST comes from Debian's package when present, else synthetic IDX files of
its shape (``--images`` fewer than 60,000 is always synthetic).

    python benchmarks/gpu.py [--device cuda|cpu] [--epochs N] [--images N] [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import _common
import optuna
import torch
from data_loading import N_TRAIN, prepare_files
from torch.nn import functional as F

from pipeline.data import load_raw, make_splits
from pipeline.objectives import cnn
from pipeline.training import train_epoch


def built(device: torch.device):
    params = cnn.suggest(optuna.trial.FixedTrial(cnn.DEFAULTS))
    torch.manual_seed(0)
    model = cnn.build(params, (1, 28, 28), 10).to(device)
    return model, torch.optim.Adam(model.parameters(), lr=params.training.lr), params.training.batch_size


def synchronized(device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter()


def dataloader_epochs(root: Path, device: torch.device, epochs: int) -> tuple[list[float], float]:
    """The usual way, built per trial: returns (seconds per epoch, seconds to build the loader)."""
    import torchvision
    from torchvision import transforms

    start = synchronized(device)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])
    dataset = torchvision.datasets.FashionMNIST(str(root), train=True, download=False, transform=transform)
    model, optimizer, batch = built(device)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch, shuffle=True, pin_memory=device.type == "cuda")
    setup = synchronized(device) - start
    times = []
    for _ in range(epochs):
        start = synchronized(device)
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        times.append(synchronized(device) - start)
    return times, setup


def resident_epochs(root: Path, device: torch.device, epochs: int, images: int) -> tuple[list[float], float]:
    """Ours: (seconds per epoch scaled to the whole training set, seconds to load the split onto the device).
    The pipeline always carves a stratified validation split: 2%, and at least 2 images per class."""
    start = synchronized(device)
    raw = load_raw("fashion_mnist", root, download=False)
    data = make_splits(raw, seed=0, val_fraction=max(0.02, 20 / images), device=device)
    setup = synchronized(device) - start
    model, optimizer, batch = built(device)
    generator = torch.Generator().manual_seed(0)
    times = []
    for _ in range(epochs):
        start = synchronized(device)
        train_epoch(model, data.train, optimizer, batch_size=batch, generator=generator)
        times.append((synchronized(device) - start) * (len(data.train) + len(data.val)) / len(data.train))
    return times, setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu (a smoke test of the script)")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per path; the first warms up")
    parser.add_argument("--images", type=int, default=N_TRAIN, help="training images (fewer: synthetic)")
    parser.add_argument("--out", type=Path, default=_common.RESULTS, help="folder for the JSON file")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("no CUDA device here: nothing measured (the GPU figures in README come from a machine with one)")
        _common.save("gpu", {"skipped": "no CUDA device"}, out=args.out)
        return
    device = torch.device(args.device)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = prepare_files(root, args.images)
        baseline, baseline_setup = dataloader_epochs(root, device, args.epochs)
        ours, ours_setup = resident_epochs(root, device, args.epochs, args.images)
    steady = slice(1, None) if args.epochs > 1 else slice(None)  # the first epoch warms up kernels and caches
    baseline_s, ours_s = min(baseline[steady]), min(ours[steady])
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"fashion_mnist_cnn (DEFAULTS) on {name}; data: {source}, {args.images} images, best epoch after the first")
    print(f"  DataLoader per trial : {baseline_s:7.3f} s/epoch  (setup {baseline_setup:.2f} s)")
    print(f"  resident on device   : {ours_s:7.3f} s/epoch  (setup {ours_setup:.2f} s)")
    print(f"  speedup              : {baseline_s / ours_s:7.1f}×")
    _common.save(
        "gpu",
        {
            "device": name,
            "data": source,
            "images": args.images,
            "epochs_timed": args.epochs,
            "dataloader_s_per_epoch": baseline_s,
            "resident_s_per_epoch": ours_s,
            "dataloader_setup_s": baseline_setup,
            "resident_setup_s": ours_setup,
            "speedup": baseline_s / ours_s,
        },
        out=args.out,
    )


if __name__ == "__main__":
    main()
