import optuna
import pytest
from optuna.artifacts import download_artifact, get_all_artifact_meta

from pipeline.dashboard.trial_views import artifact_store, with_trial_views
from pipeline.storage import open_storage
from pipeline.training import EpochResult

PRUNED, COMPLETE, FAIL = (
    optuna.trial.TrialState.PRUNED,
    optuna.trial.TrialState.COMPLETE,
    optuna.trial.TrialState.FAIL,
)


class FakeTraining:
    """Reports and keeps its epochs like pipeline.run.trial.Objective, without training: odd trials are pruned."""

    def __call__(self, trial: optuna.Trial) -> float:
        val = [1.0 / (epoch + 1) for epoch in range(3)]
        self.last_history = [EpochResult(epoch, loss / 2, loss, 0.5, 0.01) for epoch, loss in enumerate(val)]
        for epoch, loss in enumerate(val):
            trial.report(loss, epoch)
        if trial.number % 2:
            trial.set_user_attr(
                "end_reason", "pruned after epoch 3: best validation loss so far 0.33 is above the median 0.2"
            )
            raise optuna.TrialPruned()
        return val[-1]


@pytest.fixture
def sqlite_study(tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    return url, optuna.create_study(storage=open_storage(url), study_name="s")


def test_every_finished_trial_gets_its_learning_curve_as_an_svg_artifact(sqlite_study, tmp_path):
    url, study = sqlite_study
    store = artifact_store(url)
    study.optimize(with_trial_views(FakeTraining(), store), n_trials=4)
    assert [t.state for t in study.trials] == [COMPLETE, PRUNED, COMPLETE, PRUNED]
    for trial in study.trials:
        (meta,) = get_all_artifact_meta(trial, storage=study._storage)
        assert (meta.filename, meta.mimetype) == (f"learning-curve-trial-{trial.number}.svg", "image/svg+xml")
        path = tmp_path / f"{trial.number}.svg"
        download_artifact(artifact_store=store, artifact_id=meta.artifact_id, file_path=str(path))
        svg = path.read_text()
        assert svg.startswith("<svg") and svg.count("<polyline") == 2
        assert ("pruned after epoch 3" in svg) == (trial.state == PRUNED)


def test_the_store_sits_beside_the_database(sqlite_study, tmp_path):
    assert artifact_store(sqlite_study[0]) is not None
    assert (tmp_path / "study-artifacts").is_dir()
    assert artifact_store("sqlite://") is None  # in memory: nowhere beside it


def test_a_crashing_trial_gets_nothing_and_its_error_stops_the_study(sqlite_study):
    url, study = sqlite_study

    def crash(trial):
        trial.report(1.0, 0)
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        study.optimize(with_trial_views(crash, artifact_store(url)), n_trials=2)
    (trial,) = study.trials
    assert trial.state == FAIL
    assert get_all_artifact_meta(trial, storage=study._storage) == []
