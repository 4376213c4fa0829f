import optuna
import pytest

from pipeline.data import load_raw, make_splits
from pipeline.objectives import mlp
from pipeline.run.trial import Objective
from pipeline.trial_states import train_losses, val_losses

PRUNED, COMPLETE = optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.COMPLETE
ADAM = {
    "lr": 3e-3,
    "batch_size": 64,
    "optimizer": "adam",
    "weight_decay": 1e-5,
    "schedule": "none",
    "depth": 1,
    "width": 32,
    "dropout": 0.0,
    "activation": "relu",
}


@pytest.fixture(scope="module")
def tiny_data():
    return make_splits(load_raw("digits"), seed=0, val_fraction=0.2, device="cpu")


def study_with(pruner=None, sampler=None):
    return optuna.create_study(pruner=pruner or optuna.pruners.NopPruner(), sampler=sampler)


def test_objective_reports_validation_loss_once_per_epoch_and_returns_the_last(tiny_data):
    study = study_with()
    study.enqueue_trial(ADAM)
    study.optimize(Objective(mlp, tiny_data, epochs=4, seed=0), n_trials=1)
    trial = study.trials[0]
    assert trial.state == COMPLETE
    assert sorted(trial.intermediate_values) == [0, 1, 2, 3]
    assert trial.value == trial.intermediate_values[3]


def test_each_trial_stores_what_it_did(tiny_data):
    study = study_with()
    study.enqueue_trial(ADAM)
    study.optimize(Objective(mlp, tiny_data, epochs=3, seed=0), n_trials=1)
    attrs = study.trials[0].user_attrs
    assert set(attrs) == {"epochs_run", "n_params", "val_accuracy", "train_seconds"}
    assert attrs["epochs_run"] == 3
    assert attrs["n_params"] == 64 * 32 + 32 + 32 * 10 + 10
    assert 0.5 < attrs["val_accuracy"] <= 1.0
    assert attrs["train_seconds"] > 0
    assert attrs["train_seconds"] <= study.trials[0].duration.total_seconds()  # Optuna's own calls are not counted
    assert len(train_losses(study.trials[0])) == len(val_losses(study.trials[0])) == 3


def test_a_trial_page_stays_narrow_no_user_attr_is_a_list(tiny_data):
    """optuna-dashboard prints each user attr on one unwrapped line: per-epoch lists made pages 4,000 px wide."""
    study = study_with()
    study.enqueue_trial(ADAM)
    study.optimize(Objective(mlp, tiny_data, epochs=12, seed=0), n_trials=1)
    trial = study.trials[0]
    assert all(len(str(value)) < 60 for value in trial.user_attrs.values()), trial.user_attrs
    assert len(train_losses(trial)) == 12  # kept as a system attr, which the dashboard does not print


def test_objective_raises_trial_pruned_when_its_pruner_says_so(tiny_data):
    study = study_with(pruner=optuna.pruners.ThresholdPruner(upper=0.0))  # any loss is above 0: prune at once
    study.enqueue_trial(ADAM)
    study.optimize(Objective(mlp, tiny_data, epochs=5, seed=0), n_trials=1)
    trial = study.trials[0]
    assert trial.state == PRUNED
    assert list(trial.intermediate_values) == [0]
    assert trial.user_attrs["epochs_run"] == 1
    assert trial.user_attrs["end_reason"].startswith("pruned after epoch 1")


def test_median_pruner_prunes_bad_trials_after_warmup_epochs(tiny_data):
    pruner = optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1)
    study = study_with(pruner=pruner)
    for lr in (3e-3, 5e-3, 1e-5, 2e-5):  # two good trials first, then two that barely learn
        study.enqueue_trial(ADAM | {"lr": lr})
    study.optimize(Objective(mlp, tiny_data, epochs=4, seed=0), n_trials=4)
    states = [t.state for t in study.trials]
    assert states[:2] == [COMPLETE, COMPLETE]
    assert states[2:] == [PRUNED, PRUNED]
    assert all(max(t.intermediate_values) == 1 for t in study.trials[2:])  # first chance after the warmup


class AskedAt(optuna.pruners.BasePruner):
    """A real pruner that never prunes and remembers at which steps it was asked."""

    def __init__(self):
        self.steps = []

    def prune(self, study, trial):
        self.steps.append(trial.last_step)
        return False


def test_the_pruner_is_not_asked_before_the_first_epoch_it_could_prune(tiny_data):
    pruner = AskedAt()
    study = study_with(pruner=pruner)
    study.enqueue_trial(ADAM)
    study.optimize(Objective(mlp, tiny_data, epochs=4, seed=0, prune_from=2), n_trials=1)
    assert pruner.steps == [2, 3]
    assert sorted(study.trials[0].intermediate_values) == [0, 1, 2, 3]  # every epoch is still reported


@pytest.mark.filterwarnings("ignore:Fixed parameter lr:UserWarning")  # 1e6 is outside the space on purpose
def test_a_diverging_trial_ends_pruned_with_its_reason_and_the_study_goes_on(tiny_data):
    study = study_with()
    study.enqueue_trial(ADAM | {"optimizer": "sgd", "momentum": 0.99, "lr": 1e6})
    study.enqueue_trial(ADAM)
    study.optimize(Objective(mlp, tiny_data, epochs=3, seed=0), n_trials=2)
    diverged, healthy = study.trials
    assert diverged.state == PRUNED
    assert "diverged in epoch" in diverged.user_attrs["end_reason"]
    assert healthy.state == COMPLETE


def test_trial_k_starts_from_the_same_weights_in_every_arm(tiny_data):
    values = []
    for sampler in (optuna.samplers.RandomSampler(seed=1), optuna.samplers.TPESampler(seed=2)):
        study = study_with(sampler=sampler)
        study.enqueue_trial(ADAM)
        study.optimize(Objective(mlp, tiny_data, epochs=2, seed=0), n_trials=1)
        values.append(study.trials[0].value)
    assert values[0] == values[1]


def test_a_trial_pruned_after_its_third_epoch_says_epoch_3_everywhere(tiny_data, tmp_path):
    from optuna.artifacts import download_artifact, get_all_artifact_meta
    from optuna_dashboard._note import get_note_from_system_attrs

    from pipeline.analysis.tables import load_tables
    from pipeline.dashboard.trial_views import artifact_store, with_trial_views
    from pipeline.storage import open_storage

    url = f"sqlite:///{tmp_path / 'epochs.db'}"
    storage = open_storage(url)
    study = optuna.create_study(
        storage=storage, study_name="s", pruner=optuna.pruners.ThresholdPruner(upper=0.0, n_warmup_steps=2)
    )  # any loss is above 0: prunes at step 2, after the third epoch
    study.set_user_attr("sampler", "tpe")
    study.enqueue_trial(ADAM)
    store = artifact_store(url)
    study.optimize(with_trial_views(Objective(mlp, tiny_data, epochs=6, seed=0), store), n_trials=1)
    trial = study.trials[0]
    assert trial.state == PRUNED and max(trial.intermediate_values) == 2  # Optuna's step: 0-based
    assert trial.user_attrs["epochs_run"] == 3
    assert trial.user_attrs["end_reason"].startswith("pruned after epoch 3 ")
    notes = storage.get_study_system_attrs(study._study_id)  # where optuna-dashboard keeps trial notes
    note = get_note_from_system_attrs(notes, trial._trial_id)["body"]
    assert note.startswith("**Pruned after epoch 3 ")
    (meta,) = get_all_artifact_meta(trial, storage=storage)
    download_artifact(artifact_store=store, artifact_id=meta.artifact_id, file_path=str(tmp_path / "curve.svg"))
    svg = (tmp_path / "curve.svg").read_text()
    assert "pruned after epoch 3" in svg and ">3</text>" in svg and ">epoch</text>" in svg  # the x axis ends at 3
    epochs = load_tables(storage, ["s"]).epochs
    assert epochs.epoch.tolist() == [1, 2, 3]  # what the report and the notebook plot


@pytest.mark.filterwarnings("ignore:Fixed parameter lr with value 1e-09 is out of range")  # on purpose
def test_early_stopping_ends_a_trial_complete_on_a_plateau_and_records_its_epoch(tiny_data):
    from pipeline.training import EarlyStopping

    study = study_with()
    study.enqueue_trial({**ADAM, "lr": 1e-9})  # the weights hardly move: a plateau from epoch 1 on
    objective = Objective(mlp, tiny_data, epochs=8, seed=0, early_stopping=EarlyStopping(patience=2, min_delta=1e-4))
    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state == COMPLETE  # not pruned: nothing compared it with other trials
    assert (trial.user_attrs["stopped_early"], trial.user_attrs["epochs_run"]) == (3, 3)
    assert sorted(trial.intermediate_values) == [0, 1, 2] and trial.value == trial.intermediate_values[2]
    assert trial.user_attrs["end_reason"].startswith(
        "stopped early after epoch 3: validation loss did not improve by more than 0.0001 for 2 epochs (best "
    )


def test_a_trial_still_improving_at_its_last_epoch_is_not_called_stopped_early(tiny_data):
    from pipeline.training import EarlyStopping

    study = study_with()
    study.enqueue_trial(ADAM)
    study.optimize(Objective(mlp, tiny_data, epochs=3, seed=0, early_stopping=EarlyStopping(patience=1)), n_trials=1)
    attrs = study.trials[0].user_attrs
    assert attrs["epochs_run"] == 3 and "stopped_early" not in attrs and "end_reason" not in attrs


@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_a_trials_results_are_stored_together_in_one_commit_on_sqlite(tmp_path, kind):
    from sqlalchemy import event

    from pipeline.storage import open_storage
    from pipeline.trial_states import TRAIN_LOSS, store_attrs

    url = f"sqlite:///{tmp_path / 'a.db'}" if kind == "sqlite" else f"journal:///{tmp_path / 'a.log'}"
    study = optuna.create_study(storage=open_storage(url))
    trial = study.ask()
    commits = []
    if kind == "sqlite":
        event.listen(study._storage._backend.engine, "commit", lambda connection: commits.append(1))
    store_attrs(trial, {"epochs_run": 3, "end_reason": "why"}, {TRAIN_LOSS: [0.5, 0.4, 0.3]})
    writes = len(commits)
    assert trial.user_attrs == {"epochs_run": 3, "end_reason": "why"}  # the trial's own view, as set_user_attr keeps
    study.tell(trial, 0.3)
    stored = optuna.load_study(study_name=study.study_name, storage=open_storage(url)).trials[0]
    assert stored.user_attrs == {"epochs_run": 3, "end_reason": "why"}
    assert train_losses(stored) == [0.5, 0.4, 0.3]
    if kind == "sqlite":
        assert writes == 1  # Optuna's set_user_attr commits once per attr: three here


def test_a_sigterm_lost_in_a_garbage_collector_callback_is_raised_at_the_next_epoch(tiny_data):
    """Python only reports an exception raised while a weakref callback runs; the trial must still stop."""
    import os
    import signal
    import weakref

    from pipeline import exits
    from pipeline.errors import Terminated

    class Thing:
        pass

    previous = signal.signal(signal.SIGTERM, exits._raise_terminated)
    try:
        thing = Thing()
        ref = weakref.ref(thing, lambda _: os.kill(os.getpid(), signal.SIGTERM) or sum(range(1000)))
        del thing  # the callback runs, the signal's Terminated is raised inside it and lost
        assert ref() is None
        study = study_with()
        study.enqueue_trial(ADAM)
        with pytest.raises(Terminated):
            study.optimize(Objective(mlp, tiny_data, epochs=3, seed=0), n_trials=1)
        assert study.trials[0].user_attrs["epochs_run"] == 1  # stopped after the epoch it was in
    finally:
        signal.signal(signal.SIGTERM, previous)
        exits._terminated = False
