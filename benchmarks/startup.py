"""How long the command line takes to answer when it needs no library: ``tune --help`` and ``tune --version``,
against the cost of the imports they used to pay (torch, Optuna and pandas), measured side by side in one run.

    python benchmarks/startup.py [--runs N]      (writes results/startup.json)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import _common  # first: puts the repo on sys.path

REPO = Path(__file__).resolve().parent.parent
COMMANDS = {
    "tune --help": [sys.executable, "-m", "pipeline", "--help"],
    "tune --version": [sys.executable, "-m", "pipeline", "--version"],
    "tune compare --help": [sys.executable, "-m", "pipeline", "compare", "--help"],
    "import torch, optuna, pandas (the old floor)": [sys.executable, "-c", "import torch, optuna, pandas"],
}


def median_seconds(argv: list[str], runs: int) -> float:
    spent = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=REPO, check=True, capture_output=True)
        spent.append(time.perf_counter() - start)
    return statistics.median(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (median reported)")
    parser.add_argument("--out", type=Path, default=_common.RESULTS, help="folder for the JSON file")
    args = parser.parse_args()
    seconds = {}
    for _ in range(2):  # interleaved rounds, so a busy moment hits every command alike
        for name, argv in COMMANDS.items():
            seconds.setdefault(name, []).append(median_seconds(argv, max(1, args.runs // 2)))
    median = {name: statistics.median(values) for name, values in seconds.items()}
    floor = median["import torch, optuna, pandas (the old floor)"]
    for name, value in median.items():
        print(f"{name:<46} {value:6.3f} s   {floor / value:5.1f}× faster than the old floor")
    _common.save(
        "startup",
        {"seconds": median, "speedup_over_imports": {n: floor / v for n, v in median.items()}},
        out=args.out,
    )


if __name__ == "__main__":
    main()
