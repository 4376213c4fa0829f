"""The storage's gate: one process at a time decides "is there budget left? then start a trial".

Optuna's ``MaxTrialsCallback`` counts after the fact, so concurrent workers overshoot the budget. Here a
worker holds an exclusive lock on a file beside the storage while it recovers stale trials, counts the
study's finished and running trials and, if there is room, creates its trial and records itself on it.
The lock is per storage and per machine (``flock``): workers on several machines need a database
server and accept that the budget is checked per machine.
"""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
from pathlib import Path


class Gate:
    """An exclusive, re-releasable file lock. The kernel drops it if the holder dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = None

    def acquire(self) -> None:
        assert self._file is None, "the gate is not re-entrant"
        self._file = open(self.path, "a")
        fcntl.flock(self._file, fcntl.LOCK_EX)

    def release(self) -> None:
        """Release if held; a no-op otherwise (the trial that started may have released it already)."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> Gate:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def gate_for(storage_file: Path | None, url: str) -> Gate:
    """``<file>.gate`` beside a storage file; for a database server, a lock file named after its URL."""
    if storage_file is not None:
        return Gate(storage_file.with_name(storage_file.name + ".gate"))  # not .lock: the journal backend owns that name
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return Gate(Path(tempfile.gettempdir()) / f"tune-{digest}.lock")
