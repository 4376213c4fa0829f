"""``--device``: ``auto`` picks CUDA when present, else the CPU."""

import torch

from pipeline.errors import UsageError


def resolve_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise UsageError(f"unknown device {name!r} (choose from: auto, cpu, cuda, cuda:N, mps)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"device {name!r} asked for, but CUDA is not available here (use --device cpu or auto)")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise UsageError(f"device {name!r} does not exist (this machine has {torch.cuda.device_count()} CUDA devices)")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise UsageError(f"device {name!r} asked for, but MPS is not available here (use --device cpu or auto)")
    if device.type not in ("cpu", "cuda", "mps"):
        raise UsageError(f"unsupported device {name!r} (choose from: auto, cpu, cuda, cuda:N, mps)")
    return device
