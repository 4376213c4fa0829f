"""Each benchmark runs on a tiny budget and writes valid JSON. (Figures are not asserted: speed targets
live in the benchmarks' own output, measured side by side, never as timed tests.)"""

import json
import subprocess
import sys

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow

TINY = {
    "data_loading": ["--epochs", "1", "--images", "600"],
    "overhead": ["--trials", "3"],
    "sampler_efficiency": ["--seeds", "2", "--trials", "3"],
    "pruning": ["--seeds", "2", "--trials", "3"],
    "parallel": ["--trials", "4"],
    "dashboard_views": ["4"],
    "startup": ["--runs", "1"],
    "postgres": ["--trials", "2"],  # a throwaway server of its own, from Debian's postgresql
    "pruner_search": ["--seeds", "2", "--trials", "3", "--live", "median:n_warmup_steps=2"],
    "contention": ["--trials", "1", "--repeats", "1"],
    "gpu": ["--device", "cpu", "--images", "300", "--epochs", "1"],  # the CUDA path's code, on the CPU
}
KEYS = {
    "data_loading": {"dataloader_s_per_epoch", "pipeline_s_per_epoch", "speedup"},
    "overhead": {"storages", "study", "bookkeeping_ms_per_trial"},
    "sampler_efficiency": {"speedup_trials", "wilcoxon", "final_best"},
    "pruning": {"epochs_consumed", "wall_s", "final_best_median", "wilcoxon_p"},
    "parallel": {"sqlite", "journal"},
    "dashboard_views": {"views_ms_per_trial", "drawing_ms"},
    "startup": {"seconds", "speedup_over_imports"},
    "postgres": {"bookkeeping_ms_per_trial", "workers"},
    "pruner_search": {"studies"},
    "contention": {"policies", "targets"},
    "gpu": {"dataloader_s_per_epoch", "resident_s_per_epoch", "speedup"},
}


@pytest.mark.parametrize("name", list(TINY))
def test_benchmark_runs_on_a_tiny_budget_and_writes_json(tmp_path, name):
    result = subprocess.run(
        [sys.executable, f"benchmarks/{name}.py", *TINY[name], "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads((tmp_path / f"{name}.json").read_text())
    assert figures["benchmark"] == name and figures["machine"]["cpu_cores"] >= 1
    assert KEYS[name] <= set(figures)
    assert result.stdout.strip()  # it prints its figures too
