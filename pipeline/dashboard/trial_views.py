"""What optuna-dashboard shows for each trial beyond Optuna's own: a learning-curve artifact, and a
note saying why the trial ended early when it did.

Both are attached while the trial still runs, wrapped around the objective: Optuna refuses to
change a finished trial, so an optimize callback would be too late.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import optuna
from optuna.artifacts import FileSystemArtifactStore, upload_artifact
from optuna_dashboard import save_note

from pipeline.artifacts import artifact_store
from pipeline.dashboard.svg import learning_curve_svg
from pipeline.storage import Storage


def trial_views(objective: Callable[[optuna.Trial], float], storage: Storage) -> Callable[[optuna.Trial], float]:
    """The driver's ``RunOptions.trial_views`` hook: :func:`with_trial_views` with the storage's artifact store."""
    store = artifact_store(storage)
    return objective if store is None else with_trial_views(objective, store)


def with_trial_views(
    objective: Callable[[optuna.Trial], float], store: FileSystemArtifactStore
) -> Callable[[optuna.Trial], float]:
    """``objective``, plus for each finished (complete or pruned) trial its end note and — when the objective
    keeps its epochs, as ``run.trial.Objective`` does in ``last_history`` — its learning curve."""

    def run(trial: optuna.Trial) -> float:
        try:
            value = objective(trial)
        except optuna.TrialPruned:
            attach_views(trial, store, getattr(objective, "last_history", []))
            raise
        attach_views(trial, store, getattr(objective, "last_history", []))
        return value

    return run


def attach_views(trial: optuna.Trial, store: FileSystemArtifactStore, history: Sequence) -> None:
    """``history``: the trial's epochs (``training.EpochResult``), restored ones included."""
    reason = trial.user_attrs.get("end_reason")  # the trial's cached copy: no storage round trip
    if reason:
        save_note(trial, f"**{reason[:1].upper()}{reason[1:]}.**\n")
    if history:
        title = f"trial {trial.number}" + (f": {reason.split(':')[0]}" if reason else "")
        svg = learning_curve_svg([e.train_loss for e in history], [e.val_loss for e in history], title=title)
        upload_learning_curve(trial, store, svg)


def upload_learning_curve(trial: optuna.Trial, store: FileSystemArtifactStore, svg: str) -> str:
    """Attach ``svg`` to ``trial`` as ``learning-curve-trial-N.svg``; returns the artifact id."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"learning-curve-trial-{trial.number}.svg"  # the name the dashboard shows
        path.write_text(svg, encoding="utf-8")
        return upload_artifact(artifact_store=store, file_path=str(path), study_or_trial=trial)
