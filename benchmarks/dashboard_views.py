"""What the dashboard views add to each trial on SQLite: the learning-curve artifact; for a pruned trial
also its end note and the explanation of the pruning decision. And what drawing the curve costs by
hand vs with matplotlib's Agg backend.

    python benchmarks/dashboard_views.py [TRIALS]      (writes results/dashboard_views.json)
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from pathlib import Path

import _common  # first: puts the repo on sys.path
import optuna

from pipeline.artifacts import artifact_store
from pipeline.dashboard.svg import learning_curve_svg
from pipeline.dashboard.trial_views import attach_views
from pipeline.pruners import explain_pruning
from pipeline.storage import open_storage
from pipeline.training import EpochResult

EPOCHS = 12
TRAIN = [2.3 * 0.8**i for i in range(EPOCHS)]
VAL = [2.2 * 0.85**i + 0.1 for i in range(EPOCHS)]


def views_ms(trials: int, folder: Path) -> dict[str, float]:
    """Median milliseconds of ``attach_views`` for complete and pruned trials, and of ``explain_pruning``."""
    url = f"sqlite:///{folder / 'bench.db'}"
    study = optuna.create_study(storage=open_storage(url), study_name="bench", pruner=optuna.pruners.MedianPruner())
    store = artifact_store(url)
    spent: dict[str, list[float]] = {"complete": [], "pruned": [], "pruning explanation": []}
    for k in range(trials):
        trial = study.ask()
        pruned = k % 2 == 1
        for step, value in enumerate(VAL[: 4 if pruned else EPOCHS]):
            trial.report(value, step)
        history = [EpochResult(epoch, t, v, 0.5, 0.01) for epoch, (t, v) in enumerate(zip(TRAIN, VAL, strict=True))]
        if pruned:
            start = time.perf_counter()
            trial.set_user_attr("end_reason", explain_pruning(study, step=3, values=VAL[:4]))
            spent["pruning explanation"].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        attach_views(trial, store, history[: 4 if pruned else EPOCHS])
        spent["pruned" if pruned else "complete"].append((time.perf_counter() - start) * 1000)
        study.tell(
            trial,
            state=optuna.trial.TrialState.PRUNED if pruned else optuna.trial.TrialState.COMPLETE,
            values=None if pruned else VAL[-1],
        )
    return {kind: statistics.median(values) for kind, values in spent.items()}


def drawing_ms(repeat: int = 20) -> dict[str, float]:
    start = time.perf_counter()
    for _ in range(repeat):
        learning_curve_svg(TRAIN, VAL, title="trial 1")
    result = {"hand-written SVG": (time.perf_counter() - start) / repeat * 1000}
    start = time.perf_counter()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result["matplotlib import (once)"] = (time.perf_counter() - start) * 1000
    for fmt in ("png", "svg"):
        start = time.perf_counter()
        for _ in range(repeat):
            fig, ax = plt.subplots(figsize=(3.6, 2.2), dpi=100)
            ax.plot(TRAIN, "o-", label="train")
            ax.plot(VAL, "o-", label="validation")
            ax.legend()
            fig.savefig(io.BytesIO(), format=fmt)
            plt.close(fig)
        result[f"matplotlib Agg {fmt}"] = (time.perf_counter() - start) / repeat * 1000
    return result


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trials", type=int, nargs="?", default=40, help="trials to time (default 40)")
    parser.add_argument("--out", type=Path, default=_common.RESULTS, help="folder for the JSON file")
    args = parser.parse_args()
    trials = args.trials
    with tempfile.TemporaryDirectory() as tmp:
        views = views_ms(trials, Path(tmp))
    drawing = drawing_ms()
    for what, ms in {**views, **drawing}.items():
        print(f"{what}: {ms:.2f} ms")
    _common.save(
        "dashboard_views", {"trials": trials, "views_ms_per_trial": views, "drawing_ms": drawing}, out=args.out
    )
