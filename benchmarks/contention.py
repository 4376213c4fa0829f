"""Threads under CPU contention: one comparison alone, two at once, and one beside a CPU-bound process.

Each run is the same command, ``tune compare digits_mlp --trials N --seeds 1`` on a fresh SQLite file, under
two thread policies, side by side in this one run:

- **today's** (before the thread policy): torch's default threads (every core) and libgomp's default wait
  (each idle OpenMP thread spins ~300,000 times before it sleeps; ``GOMP_SPINCOUNT=300000`` restores it
  over the package's PASSIVE);
- **ours**: threads chosen per trial (run/threads.py) and ``OMP_WAIT_POLICY=PASSIVE``.

The competitor is a process this script starts: a PyTorch matrix-multiply loop with torch's defaults (every
core), as another user's training would run. Ratios are wall times over the same policy's time alone: the
median of ``--repeats`` runs alone, the two policies taking turns (a single run varies by a few percent).
Targets: two at once ≤ 1.3× each; beside the competitor ≤ 2.5×; ours alone no slower than today's alone.

``--probe`` also times one training step of MLPs of growing width on one thread and on every core: where a
second thread starts to pay (run/threads.PARALLEL_FROM).

    python benchmarks/contention.py [--trials N] [--repeats N] [--probe] [--out DIR]      (full: --trials 10)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common

REPO = Path(__file__).resolve().parent.parent
POLICIES = {
    "today": {"env": {"GOMP_SPINCOUNT": "300000"}, "args": ["--threads", str(os.cpu_count() or 1)]},
    "ours": {"env": {}, "args": []},
}
COMPETITOR = """
import torch
a = torch.randn(1024, 1024)
while True:
    a = torch.tanh(a @ a / 32)
"""


def command(folder: Path, trials: int, policy: str) -> tuple[list[str], dict]:
    argv = [sys.executable, "-m", "pipeline", "compare", "digits_mlp", "--trials", str(trials), "--seeds", "1"]
    argv += ["--storage", str(folder / "study.db"), "--no-progress", *POLICIES[policy]["args"]]
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS")}
    env.update(POLICIES[policy]["env"], PYTHONPATH=str(REPO))
    return argv, env


def run_at_once(folder: Path, trials: int, policy: str, copies: int) -> list[float]:
    """Wall seconds of each of ``copies`` comparisons started together (each in its own folder)."""
    started = []
    for i in range(copies):
        where = folder / f"{policy}-{copies}-{i}-{time.monotonic_ns()}"
        where.mkdir()
        argv, env = command(where, trials, policy)
        started.append((time.perf_counter(), subprocess.Popen(argv, env=env, cwd=where, stdout=subprocess.DEVNULL)))
    walls = []
    for start, process in started:
        if process.wait() != 0:
            raise SystemExit(f"error: {' '.join(process.args)} exited {process.returncode}")
        walls.append(time.perf_counter() - start)
    return walls


def beside_competitor(folder: Path, trials: int, policy: str) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS")}
    competitor = subprocess.Popen([sys.executable, "-c", COMPETITOR], env=env)
    try:
        time.sleep(2)  # its torch import done: it is computing
        return run_at_once(folder, trials, policy, 1)[0]
    finally:
        competitor.kill()
        competitor.wait()


def probe() -> list[dict]:
    """Seconds per training step (batch 128) of 2-layer MLPs on 64 inputs, one thread vs every core."""
    import torch

    from pipeline.models import MLP
    from pipeline.run.threads import multiply_adds

    rows = []
    for width in (64, 256, 1024, 2048, 4096):
        model = MLP(in_features=64, n_classes=10, hidden=[width, width], dropout=0.0, act="relu")
        optimizer = torch.optim.Adam(model.parameters())
        x, y = torch.randn(128, 64), torch.randint(0, 10, (128,))
        timed = {}
        for threads in (1, os.cpu_count() or 1):
            torch.set_num_threads(threads)
            for _ in range(2):  # the first warms up
                start, steps = time.perf_counter(), 0
                while time.perf_counter() - start < 0.5:
                    optimizer.zero_grad()
                    torch.nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()
                    steps += 1
                timed[threads] = (time.perf_counter() - start) / steps
        one, every = timed[1], timed[os.cpu_count() or 1]
        rows.append(
            {
                "width": width,
                "multiply_adds_per_batch": multiply_adds(model, (64,)) * 128,
                "one_thread_ms": one * 1e3,
                "every_core_ms": every * 1e3,
            }
        )
        print(
            f"  width {width:5d}: {rows[-1]['multiply_adds_per_batch'] / 1e6:8.1f}M multiply-adds per batch, "
            f"1 thread {one * 1e3:7.2f} ms, {os.cpu_count()} threads {every * 1e3:7.2f} ms per step "
            f"({one / every:.2f}×)"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=4, help="trials of the one-seed comparison (full: 10)")
    parser.add_argument("--repeats", type=int, default=3, help="runs alone per policy, taking turns (median)")
    parser.add_argument("--probe", action="store_true", help="also time a training step on 1 thread vs every core")
    parser.add_argument("--out", type=Path, default=_common.RESULTS, help="folder for the JSON file")
    args = parser.parse_args()
    figures = {"command": f"tune compare digits_mlp --trials {args.trials} --seeds 1", "policies": {}}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        alone_runs = {policy: [] for policy in POLICIES}
        for _ in range(args.repeats):
            for policy in POLICIES:
                alone_runs[policy].append(run_at_once(folder, args.trials, policy, 1)[0])
        for policy in POLICIES:
            alone = statistics.median(alone_runs[policy])
            two = run_at_once(folder, args.trials, policy, 2)
            beside = beside_competitor(folder, args.trials, policy)
            figures["policies"][policy] = {
                "alone_s": alone,
                "alone_runs_s": alone_runs[policy],
                "two_at_once_s": two,
                "beside_competitor_s": beside,
                "two_at_once_ratio": max(two) / alone,
                "beside_competitor_ratio": beside / alone,
            }
            f = figures["policies"][policy]
            print(
                f"{policy:>5}: alone {alone:6.1f} s · two at once {two[0]:6.1f} s, {two[1]:6.1f} s "
                f"({f['two_at_once_ratio']:.2f}×) · beside the competitor {beside:6.1f} s "
                f"({f['beside_competitor_ratio']:.2f}×)",
                flush=True,
            )
    ours, today = figures["policies"]["ours"], figures["policies"]["today"]
    figures["alone_ours_over_today"] = ours["alone_s"] / today["alone_s"]
    figures["targets"] = {
        "two_at_once_ratio ≤ 1.3": ours["two_at_once_ratio"] <= 1.3,
        "beside_competitor_ratio ≤ 2.5": ours["beside_competitor_ratio"] <= 2.5,
        "alone no slower than today (≤ 1.05×)": figures["alone_ours_over_today"] <= 1.05,
    }
    for target, met in figures["targets"].items():
        print(f"  {target}: {'met' if met else 'NOT met'}")
    if args.probe:
        print("one training step, 2-layer MLP, batch 128:")
        figures["probe"] = probe()
    _common.save("contention", figures, out=args.out)


if __name__ == "__main__":
    main()
