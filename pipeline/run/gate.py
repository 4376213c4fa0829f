"""The storage's gate: one process at a time decides "is there budget left? then start a trial".

Optuna's ``MaxTrialsCallback`` counts after the fact, so concurrent workers overshoot the budget. Here a
worker holds an exclusive lock while it recovers stale trials, counts the study's finished and running
trials and, if there is room, creates its trial and records itself on it (run/claim.py). Which file is
locked is the storage handle's choice (``Storage.lock_file``): beside a storage file, or — for a database
server — in this machine's temp folder, so there the budget is checked per machine.
"""

from __future__ import annotations

import fcntl
from pathlib import Path

from pipeline.storage import Storage


class Gate:
    """An exclusive file lock, held for one ``with`` block. The kernel drops it if the holder dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = None

    def __enter__(self) -> Gate:
        assert self._file is None, "the gate is not re-entrant"
        self._file = open(self.path, "a")
        fcntl.flock(self._file, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()
        self._file = None


def gate_for(storage: Storage) -> Gate:
    return Gate(storage.lock_file)
