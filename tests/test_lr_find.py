"""The learning-rate range test: its suggestion on a curve we know, then on digits as users run it."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import optuna
import pytest
import torch

from pipeline.data import load_raw, make_splits
from pipeline.objectives import defaults_of, mlp
from pipeline.training import fit
from pipeline.training.lr_range import Sweep
from tests.conftest import REPO


def test_the_suggested_range_runs_from_the_steepest_descent_to_the_lowest_loss():
    lrs = [10 ** (-7 + 0.1 * i) for i in range(60)]  # 1e-7 .. ~8e-2, 10 points a decade
    # flat at 2.3 up to 1e-4, then down: steepest around 1e-3, lowest at 1e-2, then rising
    smoothed = [2.3 - 2.0 / (1 + math.exp(-4 * (math.log10(lr) + 3))) + max(0.0, math.log10(lr) + 2) for lr in lrs]
    low, high = Sweep(lrs, smoothed, smoothed, diverged=True).suggested_range()
    assert low == pytest.approx(1e-3, rel=0.01)
    assert high == pytest.approx(1e-2, rel=0.3)


def cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.slow
def test_lr_find_on_digits_suggests_a_range_whose_low_end_trains_well_and_draws_it(tmp_path):
    found = cli("lr-find", "digits_mlp", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    line = next(x for x in found.stdout.splitlines() if x.startswith("suggested learning-rate range: "))
    low, high = (float(word) for word in line.split(": ")[1].split(" (")[0].split(" to "))
    assert 0 < low < high
    figure = tmp_path / "runs" / "digits_mlp-lr-find.html"
    assert "plotly-graph-div" in figure.read_text() and f"figure: {figure.relative_to(tmp_path)}" in found.stdout

    # the quick check: 5 epochs at the range's low end train well; a thousand times below it, hardly at all
    data = make_splits(load_raw("digits"), seed=1, val_fraction=0.2, device="cpu")
    params = mlp.suggest(optuna.trial.FixedTrial(defaults_of(mlp)))

    def accuracy(lr: float) -> float:
        torch.manual_seed(1)
        model = mlp.build(params, data.input_shape, data.n_outputs)
        return list(fit(model, data, dataclasses.replace(params.training, lr=lr), epochs=5, seed=1))[-1].val_metric

    assert accuracy(low) > 0.9
    assert accuracy(low / 1000) < 0.5


@pytest.mark.slow
def test_compare_with_lr_range_auto_searches_only_the_suggested_range_and_records_it(tmp_path):
    args = ["compare", "digits_mlp", "--lr-range", "auto", "--trials", "4", "--seeds", "1", "--epochs", "1"]
    first = cli(*args, "--storage", "lr.db", "--no-progress", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    said = first.stdout.splitlines()[0]
    assert said.startswith("lr-find: searching the learning rate in ")
    low, high = (float(x) for x in said.split(" in ")[1].split(" ")[0].split(".."))
    for sampler in ("random", "tpe"):
        study = optuna.load_study(study_name=f"digits_mlp-{sampler}-seed0", storage=f"sqlite:///{tmp_path / 'lr.db'}")
        stored = study.user_attrs["config"]["lr_range"]
        assert stored == pytest.approx([low, high], rel=1e-2)
        assert all(stored[0] <= t.params["lr"] <= stored[1] for t in study.trials)
    again = cli(*args, "--storage", "lr.db", "--no-progress", cwd=tmp_path)  # the same range: a resume, not a refusal
    assert again.returncode == 0 and "0 trials to run" in again.stdout, again.stderr


@pytest.mark.parametrize("bad", ["1,0.1", "0,1", "x", "1e-3"])
def test_a_bad_lr_range_is_refused_on_one_line(tmp_path, bad):
    result = cli("compare", "digits_mlp", "--lr-range", bad, "--storage", "x.db", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: argument --lr-range: expected auto or LOW,HIGH")
    assert not (tmp_path / "x.db").exists()
