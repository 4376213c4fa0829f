"""Throughput with 1 and 2 worker processes on this machine: finished trials per minute of digits_mlp,
same study settings, on SQLite and on a journal file, with every error counted.

    python benchmarks/parallel.py [--trials N] [--out DIR]   (default 40 trials per run)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common
import optuna

from pipeline.storage import open_storage
from pipeline.trial_states import FINISHED

REPO = Path(__file__).resolve().parent.parent


def run(workers: int, storage: Path, trials: int) -> dict:
    """One `tune run` of random search (its cost does not depend on what earlier trials found)."""
    start = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "run",
            "digits_mlp",
            "--sampler",
            "random",
            "--seed",
            "0",
            "--trials",
            str(trials),
            "--workers",
            str(workers),
            "--storage",
            str(storage),
            "--no-progress",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    url = f"journal:///{storage}" if storage.suffix == ".log" else f"sqlite:///{storage}"
    study = optuna.load_study(study_name="digits_mlp-random-seed0", storage=open_storage(url))
    trials = study.get_trials(states=FINISHED)
    errors = result.returncode != 0 or "Traceback" in result.stderr or "locked" in result.stderr
    # Once running: from the first trial's start to the last one's end (process start-up left out).
    running = (max(t.datetime_complete for t in trials) - min(t.datetime_start for t in trials)).total_seconds()
    return {
        "workers": workers,
        "wall_s": wall,
        "finished": len(trials),
        "trials_per_minute": len(trials) / wall * 60,
        "running_s": running,
        "trials_per_minute_running": len(trials) / running * 60,
        "errors": int(errors),
        "failed_trials": len(study.get_trials(states=(optuna.trial.TrialState.FAIL,))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=40, help="finished trials per run (default 40)")
    parser.add_argument("--out", type=Path, default=_common.RESULTS, help="folder for the JSON file")
    args = parser.parse_args()
    figures: dict = {"study": "digits_mlp", "sampler": "random", "trials": args.trials, "target_speedup": 1.7}
    with tempfile.TemporaryDirectory() as tmp:
        for suffix, name in ((".db", "sqlite"), (".log", "journal")):
            one = run(1, Path(tmp) / f"one{suffix}", args.trials)
            two = run(2, Path(tmp) / f"two{suffix}", args.trials)
            figures[name] = {
                "1_worker": one,
                "2_workers": two,
                "speedup": two["trials_per_minute"] / one["trials_per_minute"],
                "speedup_running": two["trials_per_minute_running"] / one["trials_per_minute_running"],
            }
    print(f"digits_mlp, random search, {args.trials} finished trials per run, {_common.machine()['cpu_cores']} cores")
    for name in ("sqlite", "journal"):
        f = figures[name]
        print(
            f"  {name:<8} 1 worker {f['1_worker']['trials_per_minute']:6.1f}/min, 2 workers "
            f"{f['2_workers']['trials_per_minute']:6.1f}/min → {f['speedup']:.2f}×  (target ≥ 1.7×); once running "
            f"{f['1_worker']['trials_per_minute_running']:.1f} vs "
            f"{f['2_workers']['trials_per_minute_running']:.1f}/min → "
            f"{f['speedup_running']:.2f}×; "
            f"errors {f['1_worker']['errors'] + f['2_workers']['errors']}, exact budgets "
            f"{f['1_worker']['finished'] == f['2_workers']['finished'] == args.trials}"
        )
    _common.save("parallel", figures, out=args.out)


if __name__ == "__main__":
    main()
