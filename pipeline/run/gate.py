"""The storage's gate: one process at a time decides "is there budget left? then start a trial".

Optuna's ``MaxTrialsCallback`` counts after the fact, so concurrent workers overshoot the budget. Here a
worker holds an exclusive lock while it recovers stale trials, counts the study's finished and running
trials and, if there is room, creates its trial and records itself on it (run/claim.py).

Which lock is the storage handle's choice. On PostgreSQL it is an advisory lock in the database itself
(:class:`DatabaseGate`), so the budget holds across every host that reaches the server. Otherwise it is a
file lock (``Storage.lock_file``): beside a storage file, or — for MySQL — in this machine's temp folder, so
there the budget is checked per machine.
"""

from __future__ import annotations

import fcntl
import hashlib
from pathlib import Path

from sqlalchemy import text

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


class DatabaseGate:
    """A PostgreSQL session-level advisory lock, held for one ``with`` block on a connection of its own:
    exclusive across hosts, and released by the server if the holder's connection dies."""

    KEY = int.from_bytes(hashlib.sha256(b"tune: the budget gate").digest()[:8], "big", signed=True)

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._connection = None

    def __enter__(self) -> DatabaseGate:
        assert self._connection is None, "the gate is not re-entrant"
        self._connection = self.storage.open().engine.connect()
        try:
            self._connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": self.KEY})
        except BaseException:
            self._connection.close()
            self._connection = None
            raise
        return self

    def __exit__(self, *exc) -> None:
        connection, self._connection = self._connection, None
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.KEY})
            connection.commit()
        finally:
            connection.close()  # a broken connection: the server has dropped the lock with it


def gate_for(storage: Storage) -> Gate | DatabaseGate:
    return DatabaseGate(storage) if storage.kind == "postgresql" else Gate(storage.lock_file)
