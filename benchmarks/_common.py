"""What every benchmark shares: the machine it ran on, and one JSON file of figures per benchmark."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere in the repo


def seeds_and_trials(doc: str, *, pruner: bool = False) -> argparse.Namespace:
    """``--seeds``, ``--trials`` and ``--out`` (and ``--pruner``): the arguments of the benchmarks that run
    paired-seed studies."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3, help="paired seeds (full: 10)")
    parser.add_argument("--trials", type=int, default=20, help="finished trials per study (full: 100)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the JSON file")
    if pruner:
        parser.add_argument("--study", default="digits_mlp", help="the study script (default: digits_mlp)")
        parser.add_argument(
            "--pruner", metavar="NAME:key=value,...", help="pruner to compare with none (default: the study's)"
        )
    return parser.parse_args()


def machine() -> dict:
    return {
        "date": datetime.date.today().isoformat(),
        "cpu_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "python": platform.python_version(),
        "torch": torch.__version__,
    }


def save(name: str, figures: dict, *, out: Path = RESULTS) -> Path:
    """Write ``{"benchmark", "machine", **figures}`` to ``out/<name>.json`` and return the path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "machine": machine(), **figures}, indent=2, default=float) + "\n")
    print(f"wrote {path}")
    return path
