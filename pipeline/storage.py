"""Where studies live: ``--storage`` resolved once into a :class:`Storage` handle, checked before anything
is written, opened through :meth:`Storage.open` everywhere.

The default is one SQLite file per study script, ``runs/<study>.db``, which optuna-dashboard and
notebooks open directly. A bare path means an SQLite file at that path, or Optuna's journal file when
it ends in ``.log`` / ``.journal``; ``journal:///runs/x.log`` (relative) and ``journal:////abs/x.log``
name a journal file explicitly, as ``sqlite:///`` URLs do.

Which to use: SQLite for one to four local workers (the dashboard reads it while they write);
the journal file for more local workers (appends, no database lock; no heartbeat, see recovery.py);
PostgreSQL or MySQL for workers on several machines.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import optuna
import sqlalchemy.exc
from sqlalchemy import event
from sqlalchemy.engine import make_url

from pipeline.errors import UsageError

RUNS_DIR = Path("runs")
SCHEMES = ("sqlite", "journal", "postgresql", "mysql")
JOURNAL_SUFFIXES = (".log", ".journal")
SQLITE_BUSY_TIMEOUT_S = 60  # wait this long for another process's write lock before failing
HEARTBEAT_INTERVAL_S = 10  # how often a running trial's heartbeat is written (database storages)
# No heartbeat for this long: the trial's worker is gone (run/recovery.py). Longer than the busy timeout, so a
# worker whose heartbeat waits for another's write lock is not taken for dead; local workers are judged by PID.
GRACE_PERIOD_S = 2 * SQLITE_BUSY_TIMEOUT_S
MAX_RETRY = 1  # a trial whose worker died twice is not tried a third time


@dataclass(frozen=True)
class Storage:
    """One storage of studies, as the user named it: everything we need to know about it, in one place.

    Adding a backend means teaching this class (and :func:`resolve_storage`) about it.
    """

    url: str

    @property
    def kind(self) -> str:
        """``sqlite``, ``journal``, ``postgresql``, ``mysql`` or ``memory`` (in-memory SQLite)."""
        scheme = self.url.split("://", 1)[0].split("+", 1)[0]
        return "memory" if scheme == "sqlite" and self.file is None else scheme

    @property
    def file(self) -> Path | None:
        """The local file holding the studies (SQLite or journal), or None (in-memory, database server)."""
        return storage_file(self.url)

    @property
    def display(self) -> str:
        """The URL with any password masked: what we print and store."""
        return redact(self.url)

    @property
    def has_heartbeat(self) -> bool:
        """Whether Optuna can tell a dead worker's trial by its heartbeat (database storages; not the journal)."""
        return self.kind in ("sqlite", "postgresql", "mysql")

    @property
    def lock_file(self) -> Path:
        """The file the storage's gate locks (run/gate.py): ``<file>.gate`` beside a storage file; for a
        database server, a file named after its URL in the temp folder (so: per machine)."""
        if self.file is not None:
            return self.file.with_name(self.file.name + ".gate")  # not .lock: the journal backend owns that name
        digest = hashlib.sha256(self.url.encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"tune-{digest}.lock"

    @property
    def artifact_dir(self) -> Path | None:
        """Where trial artifacts (learning curves) go: ``<file>-artifacts/`` beside an SQLite file,
        ``runs/<database>-artifacts/`` for a database server, None for an in-memory database."""
        if self.file is not None:
            return self.file.with_name(f"{self.file.stem}-artifacts")
        if self.kind == "memory":
            return None
        return RUNS_DIR / f"{make_url(self.url).database or 'optuna'}-artifacts"

    @property
    def report_dir(self) -> Path:
        """Where HTML reports on these studies go: beside a storage file (runs/ by default), else runs/."""
        return self.file.parent if self.file is not None else RUNS_DIR

    def report_path(self, study: str) -> Path:
        """The HTML report's default file, named after the storage so two storages never share one:
        ``runs/x.db`` → ``runs/x.html``; for a database server, ``runs/STUDY.html``."""
        return self.file.with_name(f"{self.file.stem}.html") if self.file is not None else RUNS_DIR / f"{study}.html"

    def is_default_for(self, study: str) -> bool:
        return self.url == default_storage(study)

    def open(self, *, heartbeat: bool = False) -> optuna.storages.BaseStorage:
        """The Optuna storage, opened once per process (and per ``heartbeat``) for each file or server;
        see :func:`_open`. ``heartbeat``: for processes that run trials, on storages that have one."""
        if self.kind == "memory":
            return _open(self.url, heartbeat=False)  # a new database each time, as Optuna's own
        key = (str(self.file.resolve()) if self.file is not None else self.url, heartbeat)
        if key not in _OPENED:
            _OPENED[key] = _open(self.url, heartbeat=heartbeat and self.has_heartbeat)
        return _OPENED[key]


_OPENED: dict[tuple[str, bool], optuna.storages.BaseStorage] = {}


def default_storage(study: str) -> str:
    return f"sqlite:///{RUNS_DIR / f'{study}.db'}"


def resolve_storage(text: str | None, study: str) -> Storage:
    """The storage ``--storage`` names (URL or file path), or the study's default file, checked."""
    if text is None:
        RUNS_DIR.mkdir(exist_ok=True)
        url = default_storage(study)
    elif "://" in text:
        url = text
    elif Path(text).suffix in JOURNAL_SUFFIXES:
        url = f"journal:///{text}"
    else:
        url = f"sqlite:///{text}"
    scheme = url.split("://", 1)[0].split("+", 1)[0]
    if scheme not in SCHEMES:
        raise UsageError(
            f"unknown storage scheme {scheme!r} in {redact(url)} (use a file path or "
            f"{', '.join(s + '://' for s in SCHEMES)})"
        )
    if scheme == "sqlite":
        check_sqlite_path(sqlite_path(url))
    elif scheme == "journal":
        check_journal_path(journal_path(url))
    return Storage(url)


def journal_path(url: str) -> Path:
    """The file behind a ``journal:///`` URL: three slashes then a relative path, four for an absolute one."""
    path = url.split("://", 1)[1]
    if not path.startswith("/") or path == "/":
        raise UsageError(
            f"bad journal URL {url!r} (write journal:///relative/path.log or journal:////absolute/path.log)"
        )
    return Path(path[1:])


def storage_file(url: str) -> Path | None:
    """The local file holding the studies (SQLite or journal), or None (in-memory, database server)."""
    if url.startswith("sqlite"):
        return sqlite_path(url)
    if url.startswith("journal"):
        return journal_path(url)
    return None


def sqlite_path(url: str) -> Path | None:
    """The file behind an ``sqlite:///`` URL (None for an in-memory database)."""
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def check_sqlite_path(path: Path | None) -> None:
    """Refuse a path we could not create, or a file that is not an SQLite database, with what to do."""
    if path is None:
        return
    if _check_file_path(path, example="study.db") and not _is_sqlite(path):
        raise UsageError(f"{path} is not an SQLite database (pass a new file path, or an existing study's .db)")


def _is_sqlite(path: Path) -> bool:
    """Ask SQLite itself, read-only. (A plain open()/close() of the file would drop every POSIX lock this
    process's open connections hold on it — SQLite's own file handling knows to avoid that.)"""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        connection.execute("pragma schema_version").fetchone()
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        connection.close()


def check_journal_path(path: Path) -> None:
    """Refuse a journal path we could not create, or a file that is not an Optuna journal."""
    if _check_file_path(path, example="study.log"):
        with open(path, "rb") as f:
            first = f.readline()
        try:
            ok = not first or "op_code" in json.loads(first)
        except (ValueError, TypeError):
            ok = False
        if not ok:
            raise UsageError(
                f"{path} is not an Optuna journal file (pass a new file path, or an existing study's .log)"
            )


def _check_file_path(path: Path, *, example: str) -> bool:
    """Common checks for a storage file; True when it exists (its content is the caller's to check)."""
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"storage directory {parent}/ does not exist (create it, or pass another --storage)")
    if path.exists():
        if path.is_dir():
            raise UsageError(f"storage {path} is a directory (pass a file path such as {path}/{example})")
        return True
    try:
        with tempfile.NamedTemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise UsageError(
            f"cannot write in storage directory {parent}/ ({exc.strerror}); pass another --storage"
        ) from None
    return False


def open_storage(storage: Storage | str, *, heartbeat: bool = False) -> optuna.storages.BaseStorage:
    """``Storage(url).open()``: the Optuna storage behind a handle or a URL."""
    return (storage if isinstance(storage, Storage) else Storage(storage)).open(heartbeat=heartbeat)


def _open(url: str, *, heartbeat: bool = False) -> optuna.storages.BaseStorage:
    """An Optuna storage for ``url``; a damaged SQLite file is refused as bad input, not a crash.

    SQLite files use write-ahead logging with ``synchronous=NORMAL``: every report and user attr is
    a commit, and this cut our per-trial storage cost from ~120 to ~75 ms here (see benchmarks/).
    A crash of our process loses nothing committed; a power cut may lose the last few commits.
    ``heartbeat`` (for processes that run trials) turns on Optuna's heartbeat on RDB storages, so a trial
    whose process was killed is failed and re-queued (see recovery.py).
    """
    if url.startswith("journal"):
        backend = optuna.storages.journal.JournalFileBackend(str(journal_path(url)))
        return optuna.storages.JournalStorage(backend)
    sqlite = url.startswith("sqlite")
    kwargs = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S}} if sqlite else {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # the heartbeat API
            beats = (
                {
                    "heartbeat_interval": HEARTBEAT_INTERVAL_S,
                    "grace_period": GRACE_PERIOD_S,
                    "heartbeat_stale_trial_callback": optuna.storages.RetryHeartbeatStaleTrialCallback(
                        max_retry=MAX_RETRY
                    ),
                }
                if heartbeat
                else {}
            )
            storage = optuna.storages.RDBStorage(url, engine_kwargs=kwargs, **beats)
        if sqlite and sqlite_path(url) is not None:
            event.listen(storage.engine, "connect", _sqlite_pragmas)
            storage.engine.dispose()  # reconnect, so every pooled connection gets the pragmas
        return storage
    except ImportError:
        driver = {"postgresql": "psycopg2-binary", "mysql": "PyMySQL"}.get(
            url.split(":", 1)[0].split("+")[0], "its driver"
        )
        raise UsageError(f"storage {redact(url)} needs a database driver: .venv/bin/pip install {driver}") from None
    except sqlalchemy.exc.DatabaseError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if getattr(exc, "orig", None) else type(exc).__name__
        hint = "is it a damaged or foreign database?" if sqlite else "is the server up and the URL right?"
        raise UsageError(f"cannot open storage {redact(url)}: {_without_password(reason, url)} ({hint})") from None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _without_password(text: str, url: str) -> str:
    """A driver's message can quote the URL it was given: never let the password through."""
    try:
        password = make_url(url).password
    except Exception:
        return text
    return text.replace(password, "***") if password else text


def redact(url: str) -> str:
    """The URL with any password replaced by ``***``, for everything we print or store."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL we can parse: print nothing secret
        return url.split("@")[-1] if "@" in url else url
