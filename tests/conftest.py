"""Shared fixtures: tiny real comparisons on digits, written to real SQLite files."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from pipeline.dashboard import trial_views, write_notes
from pipeline.run.driver import RunOptions, run_arms
from pipeline.study_scripts import load_study_spec

REPO = Path(__file__).resolve().parent.parent

# A suite started in the background by a non-interactive shell (nohup, cron, `cmd &`) inherits SIGINT
# ignored, and so would every process it starts: the Ctrl-C tests would then send a signal nobody hears.
# With a handler here, the processes they start get the default again (Python turns it into Ctrl-C).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def tiny_spec(**changes):
    """digits_mlp with a budget small enough for a test (a few seconds)."""
    spec = load_study_spec("digits_mlp")
    small = {
        "trials": 6,
        "seeds": 2,
        "epochs": 3,
        "pruner_settings": {"n_startup_trials": 2, "n_warmup_steps": 1},
        "sampler_options": {"tpe": {"n_startup_trials": 2}},
    }  # so TPE models within the tiny budget
    return dataclasses.replace(spec, **{**small, **changes})


def run_tiny(storage: Path, **changes):
    """Run a tiny comparison as ``tune compare`` does: trials with their dashboard views, then the notes."""
    spec = tiny_spec(**changes)
    run_arms(spec, spec.arms(), RunOptions(sqlite_url(storage), torch.device("cpu"), trial_views=trial_views))
    write_notes(sqlite_url(storage), spec.name)
    return spec


@pytest.fixture(scope="session")
def tiny_comparison(tmp_path_factory) -> tuple[str, object]:
    """A finished Random-vs-TPE comparison (2 seeds × 6 trials × 3 epochs). Treat it as read-only."""
    path = tmp_path_factory.mktemp("tiny") / "digits_mlp.db"
    spec = run_tiny(path)
    return sqlite_url(path), spec


def cli(*args: str, cwd: Path = REPO, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m pipeline ARGS`` in a real subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
