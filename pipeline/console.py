"""What the terminal shows: a progress bar while running, then the per-sampler table and the verdict."""

from __future__ import annotations

import os
import sys
import threading
import time

import optuna
import pandas as pd
from tqdm import tqdm

from pipeline.run.driver import ArmProgress

PROGRESS_EVERY_S = float(os.environ.get("TUNE_PROGRESS_EVERY_S", 30))  # a line this often when there is no bar


class Progress:
    """A trial-count progress bar on a terminal, or — when stderr is not one (a log file, CI) — a line at
    least every ``every`` seconds: trials done of the total, the best value so far, the time elapsed. Plus one
    line per finished arm, always. ``bar=False`` (``--no-progress``) shows neither bar nor lines."""

    def __init__(self, title: str, *, bar: bool | None = None, every: float = PROGRESS_EVERY_S) -> None:
        self.title = title
        self.show_bar = bar
        self.every = every
        self.bar: tqdm | None = None
        self.done = self.total = 0
        self.best: tuple[float, str] | None = None
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._ticker: threading.Thread | None = None

    def start(self, remaining: int) -> None:
        # disable=None: draw the bar only on a terminal, so logs and CI output stay readable.
        disable = None if self.show_bar is None else not self.show_bar
        self.bar = tqdm(
            total=remaining, desc=self.title, unit="trial", file=sys.stderr, disable=disable, dynamic_ncols=True
        )
        self.total, self.started = remaining, time.monotonic()
        if self.show_bar is None and self.bar.disable and remaining:
            self._ticker = threading.Thread(target=self._tick, name="progress-lines", daemon=True)
            self._ticker.start()

    def trial(self, p: ArmProgress) -> None:
        assert self.bar is not None
        with self._lock:
            self.done += 1
            value = p.trial.value if p.trial.state == optuna.trial.TrialState.COMPLETE else None
            if value is not None and (self.best is None or value < self.best[0]):
                self.best = (value, f"{p.arm.sampler} seed {p.arm.seed}")
        self.bar.update(1)
        self.bar.set_postfix_str(f"{p.arm.sampler} seed {p.arm.seed}: {p.finished}/{p.budget}", refresh=False)
        if p.finished == p.budget:
            best = "no complete trial" if p.best_value is None else f"best val loss {p.best_value:.4g}"
            self.bar.write(f"  {p.arm.sampler:<8} seed {p.arm.seed}: {p.budget} trials finished, {best}")

    def line(self) -> str:
        """``digits_mlp: 12/60 trials, best val loss 0.1021 (tpe seed 0), 1m05s elapsed``."""
        with self._lock:
            best = (
                "no complete trial yet" if self.best is None else f"best val loss {self.best[0]:.4g} ({self.best[1]})"
            )
            seconds = int(time.monotonic() - self.started)
        elapsed = f"{seconds // 60}m{seconds % 60:02d}s"
        return f"{self.title}: {self.done}/{self.total} trials, {best}, {elapsed} elapsed"

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            print(self.line(), file=sys.stderr, flush=True)

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self.bar is not None:
            self.bar.close()


def format_metric(value: float, metric: str) -> str:
    """``97.2%`` for accuracy, ``0.412`` for R²."""
    if pd.isna(value):
        return "—"
    return f"{value:.1%}" if metric == "accuracy" else f"{value:.3f}"


def format_sampler_table(table: pd.DataFrame, *, metric: str = "accuracy") -> str:
    """The per-sampler summary as aligned text: medians with [quartiles] over seeds. ``metric``: what the
    validation metric beside the loss is (accuracy, or R² for regression)."""
    m = lambda value: format_metric(value, metric)  # noqa: E731
    header = [
        "sampler",
        "seeds",
        "best val loss  median [IQR]",
        f"its val {metric}",
        "pruned",
        "epochs/seed",
        "time/seed",
    ]
    rows = [header]
    for r in table.itertuples(index=False):
        rows.append(
            [
                r.sampler,
                str(r.seeds),
                f"{r.best_value_median:.4f} [{r.best_value_q1:.4f}–{r.best_value_q3:.4f}]",
                f"{m(r.best_val_metric_median)} [{m(r.best_val_metric_q1)}–{m(r.best_val_metric_q3)}]",
                f"{r.pruned_fraction:.0%}",
                f"{r.epochs_run_median:.0f}",
                f"{r.wall_seconds_median:.1f} s",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def format_best_trials(best: pd.DataFrame, *, metric: str = "accuracy") -> str:
    """Each sampler's best configuration: value, metric, where it is, and its hyperparameters."""
    lines = []
    for r in best.itertuples(index=False):
        shown = f", val {metric} {format_metric(r.val_metric, metric)}" if pd.notna(r.val_metric) else ""
        lines.append(
            f"  {r.sampler:<8} val loss {r.value:.4f}{shown}: {r.study_name} trial {r.number}, "
            f"{r.epochs_run:.0f} epochs"
        )
        lines.append(f"  {'':<8} {format_params(r.params)}")
    return "\n".join(lines)


def format_params(params: dict) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(params.items()))


def format_best(found: dict) -> str:
    """``tune best`` as text: the best trial overall, then each sampler's (from analysis.best)."""
    metric = found["metric"]

    def entry(e: dict, label: str) -> list[str]:
        value = e.get(found["metric_key"])
        shown = f", val {metric} {format_metric(value, metric)}" if value is not None else ""
        return [
            f"  {label:<8} val loss {e['val_loss']:.4f}{shown}: {e['study_name']} trial {e['number']}, "
            f"{e['epochs']} epochs",
            f"  {'':<8} {format_params(e['params'])}",
        ]

    lines = [f"Best trial of {found['study']} in {found['storage']} (lowest final validation loss, pruned excluded):"]
    lines += entry(found["best"], found["best"]["sampler"])
    lines += ["", "Best per sampler:"]
    for sampler, e in found["per_sampler"].items():
        lines += entry(e, sampler)
    return "\n".join(lines)
