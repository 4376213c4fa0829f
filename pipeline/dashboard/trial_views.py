"""What optuna-dashboard shows for each trial beyond Optuna's own: a learning-curve artifact, and a
note saying why the trial ended early when it did.

Both are attached while the trial still runs, wrapped around the objective: Optuna refuses to
change a finished trial, so an optimize callback would be too late.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import optuna
from optuna.artifacts import FileSystemArtifactStore, upload_artifact
from optuna_dashboard import save_note

from pipeline.dashboard.svg import learning_curve_svg
from pipeline.files import write_atomically
from pipeline.storage import Storage


class ArtifactStore(FileSystemArtifactStore):
    """Optuna's file-system artifact store, writing each file whole or not at all (files.py)."""

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        write_atomically(Path(self._get_filepath(artifact_id)), content_body)


def artifact_store(storage: Storage | str) -> FileSystemArtifactStore | None:
    """The learning-curve store beside the database (created if missing and we may); None for in-memory
    storage."""
    folder = (storage if isinstance(storage, Storage) else Storage(storage)).artifact_dir
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only folder: the dashboard still serves the studies, without new artifacts
        pass
    return ArtifactStore(folder)


def trial_views(objective: Callable[[optuna.Trial], float], storage: Storage) -> Callable[[optuna.Trial], float]:
    """The driver's ``RunOptions.trial_views`` hook: :func:`with_trial_views` with the storage's artifact store."""
    store = artifact_store(storage)
    return objective if store is None else with_trial_views(objective, store)


def with_trial_views(
    objective: Callable[[optuna.Trial], float], store: FileSystemArtifactStore
) -> Callable[[optuna.Trial], float]:
    """``objective``, plus for each finished (complete or pruned) trial its learning curve and end note."""

    def run(trial: optuna.Trial) -> float:
        try:
            value = objective(trial)
        except optuna.TrialPruned:
            attach_views(trial, store)
            raise
        attach_views(trial, store)
        return value

    return run


def attach_views(trial: optuna.Trial, store: FileSystemArtifactStore) -> None:
    attrs = trial.user_attrs  # the trial's cached copy: no storage round trip
    reason = attrs.get("end_reason")
    if reason:
        save_note(trial, f"**{reason[:1].upper()}{reason[1:]}.**\n")
    if attrs.get("val_loss"):
        title = f"trial {trial.number}" + (f": {reason.split(':')[0]}" if reason else "")
        upload_learning_curve(
            trial, store, learning_curve_svg(attrs.get("train_loss", []), attrs["val_loss"], title=title)
        )


def upload_learning_curve(trial: optuna.Trial, store: FileSystemArtifactStore, svg: str) -> str:
    """Attach ``svg`` to ``trial`` as ``learning-curve-trial-N.svg``; returns the artifact id."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"learning-curve-trial-{trial.number}.svg"  # the name the dashboard shows
        path.write_text(svg, encoding="utf-8")
        return upload_artifact(artifact_store=store, file_path=str(path), study_or_trial=trial)
