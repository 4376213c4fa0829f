"""The thread policy: how many torch threads a trial trains with, and the OpenMP wait policy set before torch."""

import os
import subprocess
import sys
import time

import optuna
import pytest
import torch
from conftest import REPO
from torch import nn

from pipeline.data import load_raw, make_splits
from pipeline.models import MLP
from pipeline.objectives import mlp
from pipeline.run.threads import PARALLEL_FROM, CoreMeter, ThreadPolicy, available_cores, multiply_adds
from pipeline.run.trial import Objective

BUSY = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass\n"


def test_multiply_adds_count_linear_and_convolution_layers():
    model = MLP(in_features=64, n_classes=10, hidden=[32], dropout=0.0, act="relu")
    assert multiply_adds(model, (64,)) == 64 * 32 + 32 * 10
    conv = nn.Sequential(nn.Conv2d(1, 8, kernel_size=3, padding=1), nn.Flatten(), nn.Linear(8 * 28 * 28, 10))
    assert multiply_adds(conv, (1, 28, 28)) == 8 * 28 * 28 * (1 * 3 * 3) + 8 * 28 * 28 * 10


def test_a_small_model_trains_on_one_thread_and_a_fixed_count_is_kept():
    small = multiply_adds(MLP(in_features=64, n_classes=10, hidden=[256, 256], dropout=0.0, act="relu"), (64,)) * 128
    assert small < PARALLEL_FROM
    assert ThreadPolicy().choose(small) == 1
    assert ThreadPolicy(3).choose(small) == 3  # --threads 3
    assert ThreadPolicy(workers=available_cores()).choose(PARALLEL_FROM * 10) == 1  # one core each


def test_a_big_model_gets_this_workers_share_of_the_cores_at_most():
    policy = ThreadPolicy(workers=1)
    assert 1 <= policy.choose(PARALLEL_FROM * 10) <= available_cores()


def test_the_core_meter_sees_another_process_working_and_not_this_one():
    meter = CoreMeter()
    meter.others_busy()
    time.sleep(0.8)
    before = meter.others_busy()  # whatever else this machine is doing
    busy = subprocess.Popen([sys.executable, "-c", BUSY.format(seconds=1.5)])
    try:
        time.sleep(1.0)
        assert meter.others_busy() > before + 0.6  # about one core more
    finally:
        busy.wait()
    time.sleep(0.8)
    before = meter.others_busy()
    end = time.monotonic() + 0.8
    while time.monotonic() < end:  # this process busy on one core
        pass
    assert meter.others_busy() < before + 0.5


@pytest.mark.skipif(available_cores() < 2, reason="needs two cores to tell a choice from the floor of one")
def test_a_big_model_beside_a_busy_machine_gets_fewer_threads():
    policy = ThreadPolicy(workers=1)
    policy.choose(PARALLEL_FROM * 10)
    hogs = [subprocess.Popen([sys.executable, "-c", BUSY.format(seconds=2.0)]) for _ in range(available_cores())]
    try:
        time.sleep(1.2)
        assert policy.choose(PARALLEL_FROM * 10) < available_cores()
    finally:
        for hog in hogs:
            hog.wait()


def test_each_trial_records_the_threads_it_trained_with():
    data = make_splits(load_raw("digits"), seed=0, val_fraction=0.2, device="cpu")
    before = torch.get_num_threads()
    try:
        for fixed, expected in ((None, 1), (2, 2)):  # the digits MLP is small work: one thread
            study = optuna.create_study()
            study.optimize(Objective(mlp, data, epochs=1, seed=0, threads=ThreadPolicy(fixed)), n_trials=1)
            assert study.trials[0].user_attrs["threads"] == expected
            assert torch.get_num_threads() == expected
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("given, expected", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_idle_openmp_threads_sleep_unless_the_user_says_otherwise(given, expected):
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given:
        env["OMP_WAIT_POLICY"] = given
    shown = subprocess.run(
        [sys.executable, "-c", "import pipeline, os; print(os.environ['OMP_WAIT_POLICY'])"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == expected
