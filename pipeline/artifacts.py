"""Optuna's artifact store beside a storage: the dashboard's learning curves and the trials' checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from optuna.artifacts import FileSystemArtifactStore

from pipeline.files import write_atomically
from pipeline.storage import Storage


class ArtifactStore(FileSystemArtifactStore):
    """Optuna's file-system artifact store, writing each file whole or not at all (files.py)."""

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        write_atomically(Path(self._get_filepath(artifact_id)), content_body)


def artifact_store(storage: Storage | str) -> ArtifactStore | None:
    """The artifact store beside the database (``Storage.artifact_dir``, created if missing and we may); None
    for in-memory storage."""
    folder = (storage if isinstance(storage, Storage) else Storage(storage)).artifact_dir
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only folder: the dashboard still serves the studies, without new artifacts
        pass
    return ArtifactStore(folder)
