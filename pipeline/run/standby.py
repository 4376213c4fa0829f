"""Standby workers: ``--workers N`` starts its N − 1 worker processes before anything else, so that their
seconds of start-up (the interpreter, torch, Optuna, SQLAlchemy, torch's optimizer machinery) pass while the
parent loads the study script and data and creates the studies, instead of after.

A standby worker is ``python -m pipeline.run.work -`` (run/work.py): it warms up, then waits for one JSON line
of work on its stdin. This module imports nothing heavy: the CLI calls it right after parsing its arguments.
"""

from __future__ import annotations

import subprocess
import sys


def start_standby(count: int, *, preload: tuple[str, ...] = ()) -> list[subprocess.Popen]:
    """Start ``count`` worker processes that load everything a trial needs (and the modules of ``preload``, e.g.
    the trial views the work will name), then wait for their work on stdin."""
    return [
        subprocess.Popen(
            [sys.executable, "-m", "pipeline.run.work", "-", *preload],
            stdin=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for _ in range(max(0, count))
    ]


def hand_over(process: subprocess.Popen, work: str) -> None:
    """Give a standby worker its work (a JSON line); one that died meanwhile shows in its exit code."""
    try:
        process.stdin.write(work + "\n")
        process.stdin.close()
    except (BrokenPipeError, OSError):
        pass


def call_off(standby: list[subprocess.Popen]) -> None:
    """Stop the standby workers of ``standby`` that were given no work (they have written nothing)."""
    idle = [p for p in standby if p.stdin is not None and not p.stdin.closed]
    for process in idle:
        process.kill()
    for process in idle:
        process.wait()
        process.stdin.close()
