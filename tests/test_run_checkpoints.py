"""Checkpoints, in one process on a real SQLite file: a trial whose process dies mid-training leaves its state
in the artifact store; the retry recovery.py makes resumes from it and trains only the epochs left."""

from __future__ import annotations

import optuna
import pytest

from pipeline.artifacts import artifact_store
from pipeline.data import load_raw, make_splits
from pipeline.errors import UsageError
from pipeline.objectives import mlp
from pipeline.run.checkpoints import AUTO_EVERY_S, Checkpoints
from pipeline.run.recovery import recover_stale_trials
from pipeline.run.trial import Objective
from pipeline.storage import Storage, open_storage
from pipeline.trial_states import val_losses
from tests.test_run_trial import ADAM as NO_DROPOUT

ADAM = {**NO_DROPOUT, "dropout": 0.3}  # dropout draws from torch's global generator: the checkpoint keeps it too

COMPLETE, FAIL = optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL


class DiesAtStep(optuna.pruners.BasePruner):
    """Ends the process's Python at the report of ``step`` the way a kill does for the objective: no handler of
    the objective runs (SystemExit is none of what it catches), so nothing is cleaned up."""

    def __init__(self, step: int) -> None:
        self.step = step

    def prune(self, study, trial) -> bool:
        if trial.last_step == self.step:
            raise SystemExit("killed")
        return False


@pytest.fixture(scope="module")
def tiny_data():
    return make_splits(load_raw("digits"), seed=0, val_fraction=0.2, device="cpu")


@pytest.fixture
def study(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    return url, optuna.create_study(storage=open_storage(url), study_name="s")


def test_a_retried_trial_resumes_from_the_dead_ones_last_epoch_and_trains_only_the_rest(study, tiny_data):
    url, study = study
    store = artifact_store(url)
    study.enqueue_trial(ADAM)
    study.pruner = DiesAtStep(2)  # dies while reporting epoch 3: epochs 1–3 were saved just before
    objective = Objective(mlp, tiny_data, epochs=6, seed=0, checkpoint_store=store, checkpoints="epoch")
    with pytest.raises(SystemExit):
        study.optimize(objective, n_trials=1)
    (dead,) = study.get_trials()
    assert (
        dead.user_attrs["checkpoint"] == "checkpoint-s-trial0.pt"
        and (Storage(url).artifact_dir / "checkpoint-s-trial0.pt").exists()
    )
    assert dead.state == optuna.trial.TrialState.RUNNING

    assert recover_stale_trials(study) == [0]  # no worker recorded: stale, failed and re-queued with its params
    study.pruner = optuna.pruners.NopPruner()
    study.optimize(objective, n_trials=1)
    dead, retry = study.get_trials()
    assert (dead.state, retry.state, retry.params) == (FAIL, COMPLETE, dead.params)
    assert retry.user_attrs["resumed_from"] == {"trial": 0, "epochs": 3, "seeded_by": 0}
    assert (retry.user_attrs["epochs_trained"], retry.user_attrs["epochs_run"]) == (3, 6)
    assert sorted(retry.intermediate_values) == [0, 1, 2, 3, 4, 5]  # the restored epochs reported again

    uninterrupted = Objective(mlp, tiny_data, epochs=6, seed=0)
    uninterrupted(optuna.trial.FixedTrial(ADAM, number=0))  # trial 0 as it would have trained without the kill
    assert val_losses(retry) == [epoch.val_loss for epoch in uninterrupted.last_history]

    assert retry.user_attrs["checkpoint"] is None  # finished: its file and the dead trial's are gone
    assert not list(Storage(url).artifact_dir.glob("checkpoint-*"))


def test_a_retry_whose_checkpoint_never_got_written_starts_afresh(study, tiny_data):
    url, study = study
    store = artifact_store(url)
    study.enqueue_trial(ADAM, user_attrs={"checkpoint": "checkpoint-s-trial9.pt"})  # named, but no such file
    study.optimize(Objective(mlp, tiny_data, epochs=2, seed=0, checkpoint_store=store, checkpoints="epoch"), n_trials=1)
    (trial,) = study.get_trials()
    assert trial.state == COMPLETE and "resumed_from" not in trial.user_attrs and trial.user_attrs["epochs_run"] == 2


@pytest.mark.parametrize(
    "policy, epoch_seconds, saves",
    [
        ("auto", [0.01] * 20, 0),  # digits: a whole trial is shorter than one interval
        ("auto", [AUTO_EVERY_S * 0.6] * 6, 3),  # long epochs: every other one
        ("auto", [AUTO_EVERY_S * 1.5] * 3, 3),
        ("epoch", [0.01] * 4, 4),
        ("off", [AUTO_EVERY_S * 2] * 4, 0),
    ],
)
def test_when_a_trial_saves(study, tiny_data, policy, epoch_seconds, saves):
    from pipeline.training import Training, TrainingParams

    url, study = study
    trial = study.ask()
    checkpoints = Checkpoints(artifact_store(url), policy)
    checkpoints.restore(trial, None)  # nothing inherited: training untouched
    training = Training(
        mlp.build(mlp.suggest(optuna.trial.FixedTrial(ADAM)), (64,), 10),
        tiny_data,
        TrainingParams(lr=0.01, batch_size=64),
        epochs=1,
        seed=0,
    )
    assert sum(checkpoints.after_epoch(trial, training, s) for s in epoch_seconds) == saves


def test_an_unknown_policy_is_refused():
    with pytest.raises(UsageError, match=r"unknown checkpoints 'always' \(choose from: auto, epoch, off\)"):
        Checkpoints(None, "always")
