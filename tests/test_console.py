import os
import re
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO

BEST = r"(no complete trial yet|best val loss [\d.]+ \((random|tpe) seed 0\))"
LINE = re.compile(rf"^digits_mlp: (\d+)/12 trials, {BEST}, \d+m\d\ds elapsed$")


@pytest.mark.slow
def test_without_a_terminal_a_progress_line_comes_at_the_promised_interval(tmp_path):
    run = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "compare", "digits_mlp", "--trials", "6", "--seeds", "1", "--epochs", "8",
         "--storage", "p.db"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "TUNE_PROGRESS_EVERY_S": "1"},
    )  # fmt: skip
    arrivals = []
    for line in run.stderr:
        if LINE.match(line.strip()):
            arrivals.append((time.monotonic(), int(LINE.match(line.strip()).group(1))))
        else:
            assert "Traceback" not in line
    assert run.wait() == 0
    assert len(arrivals) >= 3
    gaps = [b[0] - a[0] for a, b in zip(arrivals, arrivals[1:], strict=False)]
    assert max(gaps) < 2.5, gaps  # every second, with room for a busy machine
    counts = [n for _, n in arrivals]
    assert counts == sorted(counts) and counts[-1] <= 12


@pytest.mark.slow
def test_no_progress_means_no_progress_lines_either(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "compare", "digits_mlp", "--trials", "2", "--seeds", "1", "--epochs", "2",
         "--storage", "q.db", "--no-progress"],
        cwd=tmp_path, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "TUNE_PROGRESS_EVERY_S": "0.2"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if LINE.match(line)]
