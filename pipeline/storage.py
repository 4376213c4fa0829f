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
import os
import sqlite3
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import optuna
import sqlalchemy.exc
from sqlalchemy import event
from sqlalchemy.engine import make_url

from pipeline.errors import StorageFault, UsageError

RUNS_DIR = Path("runs")
SCHEMES = ("sqlite", "journal", "postgresql", "mysql")
JOURNAL_SUFFIXES = (".log", ".journal")
# Wait this long for another process's write lock before failing (TUNE_LOCK_TIMEOUT_S changes it).
SQLITE_BUSY_TIMEOUT_S = float(os.environ.get("TUNE_LOCK_TIMEOUT_S", 60))
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
    # "write" (compare, run, workers): may create the file, its tables and set WAL. "existing" (dashboard,
    # notes): must already hold Optuna's tables; changes neither schema nor journal mode. "read" (report,
    # trial, notebook): opened read-only, so nothing in the file can change.
    access: str = "write"

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
    def writable(self) -> bool:
        """Whether this process may write the storage file and its folder (SQLite's WAL files sit beside it);
        True for database servers, whose permissions only the server knows."""
        if self.file is None:
            return True
        return os.access(self.file.parent, os.W_OK) and (not self.file.exists() or os.access(self.file, os.W_OK))

    @property
    def has_heartbeat(self) -> bool:
        """Whether running trials write Optuna's heartbeat, by which workers on other hosts tell a dead worker's
        trial: database servers. Every worker of a SQLite or journal file runs on the file's machine (SQLite's
        locks are not safe over a network filesystem), where a dead worker is told by its PID (run/recovery.py),
        so there the heartbeat would only cost a write and a thread per trial."""
        return self.kind in ("postgresql", "mysql")

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
        key = (str(self.file.resolve()) if self.file is not None else self.url, heartbeat, self.access)
        if key not in _OPENED:
            _OPENED[key] = _open(self.url, heartbeat=heartbeat and self.has_heartbeat, access=self.access)
            _IN_USE[str(self.file) if self.file is not None else self.display] = None
        return _OPENED[key]

    def wait_for_write_lock(self) -> None:
        """Before a run writes: if another process holds the SQLite file's write lock, say so and wait up to
        ``SQLITE_BUSY_TIMEOUT_S``, then give up with a :class:`StorageFault` (instead of silence, then a trace)."""
        if self.kind != "sqlite" or self.file is None or not self.file.exists():
            return
        if _try_write_lock(self.file, timeout=0.5):
            return
        print(
            f"waiting up to {SQLITE_BUSY_TIMEOUT_S:g} s for the write lock on {self.file}, held by another process…",
            file=sys.stderr,
            flush=True,
        )
        if not _try_write_lock(self.file, timeout=SQLITE_BUSY_TIMEOUT_S):
            raise StorageFault(
                f"storage {self.file} is locked by another process (waited {SQLITE_BUSY_TIMEOUT_S:g} s); close "
                "the program holding it, then rerun the same command"
            )


_OPENED: dict[tuple[str, bool, str], optuna.storages.BaseStorage] = {}
_IN_USE: dict[str, None] = {}  # displays of the storages this process opened, in order: named by fault_message


def opened_any() -> bool:
    """Whether this process has opened any storage yet (before that, nothing can have been written)."""
    return bool(_IN_USE)


def default_storage(study: str) -> str:
    return f"sqlite:///{RUNS_DIR / f'{study}.db'}"


def resolve_storage(text: str | None, study: str | None, *, access: str = "write") -> Storage:
    """The storage ``--storage`` names (URL or file path), or the study's default file, checked for ``access``
    (see :class:`Storage`) before anything opens it: bad input is a ``UsageError``, a file we may not write a
    ``StorageFault``."""
    if text is None:
        if access == "write":
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
    if scheme in ("sqlite", "postgresql", "mysql"):
        _check_url(url)
    storage = Storage(url, access=access)
    if storage.kind == "memory":
        raise UsageError(
            f"{redact(url)} is an in-memory database, gone when this command ends; pass a file path such as "
            "runs/study.db"
        )
    if scheme == "sqlite":
        check_sqlite_path(storage.file, access=access, study=study)
    elif scheme == "journal":
        check_journal_path(storage.file, access=access, study=study)
    return storage


def _check_url(url: str) -> None:
    """A database URL SQLAlchemy can parse, port included (it parses lazily and fails deep inside a run), and
    no unescaped ``@`` in its password: SQLAlchemy would split there and the driver's error would quote the
    password's tail as a host name."""
    location = url.partition("://")[2].split("/", 1)[0]
    if location.count("@") > 1:
        raise UsageError(
            f"bad storage URL {redact(url)}: its password contains '@'; escape it as %40 (and : / as %3A %2F)"
        )
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018
    except (ValueError, sqlalchemy.exc.ArgumentError) as exc:
        raise UsageError(
            f"bad storage URL {redact(url)} ({str(exc).splitlines()[0]}); write "
            "postgresql://user:password@host:5432/database (escape @ : / in a password as %40 %3A %2F)"
        ) from None


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


def check_sqlite_path(path: Path | None, *, access: str = "write", study: str | None = None) -> None:
    """Refuse a path we could not create, a file that is not SQLite or holds another application's tables,
    and (``access`` other than write) a file with no studies yet; a file we may not write is a fault."""
    if path is None:
        return
    exists = _check_file_path(path, example="study.db", access=access, study=study)
    if not exists:
        return
    tables = _sqlite_tables(path)
    if tables is None:
        if path.read_bytes()[:16] == b"SQLite format 3\x00":  # only now: open()/close() would drop our locks
            raise UsageError(
                f"cannot open storage {path}: it is a damaged SQLite database (restore it from a copy, or pass "
                "another --storage)"
            )
        raise UsageError(f"{path} is not an SQLite database (pass a new file path, or an existing study's .db)")
    if tables and not OPTUNA_TABLES <= tables:
        shown = ", ".join(sorted(tables)[:4]) + (", …" if len(tables) > 4 else "")
        raise UsageError(
            f"{path} is another application's SQLite database (tables: {shown}), not an Optuna storage; "
            "pass a new file path"
        )
    if not tables and access != "write":
        raise UsageError(_nothing_stored(path, study))
    if access == "write":
        _check_writable(path)


OPTUNA_TABLES = {"studies", "trials", "version_info"}


def _sqlite_tables(path: Path) -> set[str] | None:
    """The tables in an SQLite file, asking SQLite itself, read-only (a plain open()/close() of the file would
    drop every POSIX lock this process's open connections hold on it); None when it is not SQLite."""
    immutable = "" if os.access(path.parent, os.W_OK) else "&immutable=1"  # a WAL file in a read-only folder
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro{immutable}", uri=True)
    except sqlite3.OperationalError as exc:
        raise StorageFault(f"storage {path} cannot be opened: {exc}") from None
    try:
        rows = connection.execute("select name from sqlite_master where type = 'table'").fetchall()
        return {name for (name,) in rows}
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "unable to open" in str(exc):
            raise StorageFault(f"storage {path} cannot be read: {exc}") from None
        return None
    except sqlite3.DatabaseError:
        return None
    finally:
        connection.close()


def _check_writable(path: Path) -> None:
    """A run writes the file and, for SQLite's write-ahead log, files beside it: both must be writable."""
    for what, target in (("file", path), ("folder", path.parent)):
        if not os.access(target, os.W_OK):
            raise StorageFault(
                f"storage {path} is read-only (its {what} {target} is not writable); make it writable "
                f"(chmod u+w {target}), or copy it elsewhere and pass --storage"
            )


def _nothing_stored(path: Path, study: str | None) -> str:
    run = f"'tune compare {study}'" if study else "'tune compare STUDY'"
    return f"no comparison stored at {path} (run {run} first, or pass --storage)"


def check_journal_path(path: Path, *, access: str = "write", study: str | None = None) -> None:
    """Refuse a journal path we could not create, or a file that is not an Optuna journal."""
    if _check_file_path(path, example="study.log", access=access, study=study):
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
        if access == "write":
            _check_writable(path)


def _check_file_path(path: Path, *, example: str, access: str, study: str | None) -> bool:
    """Common checks for a storage file; True when it exists (its content is the caller's to check)."""
    parent = path.parent
    if not parent.is_dir():
        if access != "write":
            raise UsageError(_nothing_stored(path, study))
        raise UsageError(f"storage directory {parent}/ does not exist (create it, or pass another --storage)")
    if path.exists():
        if path.is_dir():
            raise UsageError(f"storage {path} is a directory (pass a file path such as {path}/{example})")
        return True
    if access != "write":
        raise UsageError(_nothing_stored(path, study))
    try:
        with tempfile.NamedTemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise StorageFault(
            f"cannot create storage {path}: cannot write in its folder {parent}/ ({exc.strerror}); pass another "
            "--storage"
        ) from None
    return False


def _try_write_lock(path: Path, *, timeout: float) -> bool:
    """Whether this process can take the SQLite file's write lock within ``timeout`` seconds (released at once)."""
    connection = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return False
        raise
    finally:
        connection.close()


def open_storage(storage: Storage | str, *, heartbeat: bool = False) -> optuna.storages.BaseStorage:
    """``Storage(url).open()``: the Optuna storage behind a handle or a URL."""
    return (storage if isinstance(storage, Storage) else Storage(storage)).open(heartbeat=heartbeat)


def _open(url: str, *, heartbeat: bool = False, access: str = "write") -> optuna.storages.BaseStorage:
    """An Optuna storage for ``url``; a damaged SQLite file is refused as bad input, not a crash.

    SQLite files use write-ahead logging with ``synchronous=NORMAL``: every report and user attr is
    a commit, and this cut our per-trial storage cost from ~120 to ~75 ms here (see benchmarks/).
    A crash of our process loses nothing committed; a power cut may lose the last few commits.
    ``heartbeat`` (for processes that run trials) turns on Optuna's heartbeat on RDB storages, so a trial
    whose process was killed is failed and re-queued (see recovery.py). ``access`` "read" opens an SQLite
    file read-only (``immutable`` in a read-only folder, where SQLite could not make its WAL index), and only
    "write" sets the journal mode.
    """
    if url.startswith("journal"):
        backend = optuna.storages.journal.JournalFileBackend(str(journal_path(url)))
        return optuna.storages.JournalStorage(backend)
    sqlite = url.startswith("sqlite")
    # A server may restart under us: test each pooled connection before use (a closed one is replaced).
    kwargs = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S}} if sqlite else {"pool_pre_ping": True}
    shown = url
    url = _with_installed_driver(url)
    if sqlite and access == "read":
        path = sqlite_path(url).resolve()
        immutable = "" if os.access(path.parent, os.W_OK) else "&immutable=1"
        url = f"sqlite:///file:{path}?mode=ro{immutable}&uri=true"
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
        if sqlite and access == "write" and sqlite_path(url) is not None:
            event.listen(storage.engine, "connect", _sqlite_pragmas)
            storage.engine.dispose()  # reconnect, so every pooled connection gets the pragmas
        return storage
    except ImportError:
        raise UsageError(f"storage {redact(shown)} needs a database driver: {_driver_advice(url)}") from None
    except sqlalchemy.exc.DatabaseError as exc:
        fault = fault_message(exc, shown)
        if fault is not None:
            raise StorageFault(fault) from None
        reason = str(exc.orig).strip().splitlines()[0] if getattr(exc, "orig", None) else type(exc).__name__
        hint = "is it a damaged or foreign database?" if sqlite else "is the server up and the URL right?"
        raise UsageError(f"cannot open storage {redact(shown)}: {_without_password(reason, shown)} ({hint})") from None


def _with_installed_driver(url: str) -> str:
    """``postgresql://`` means SQLAlchemy's default driver, psycopg2; with only psycopg (3, what the
    ``postgres`` extra installs) at hand, use that instead of failing."""
    import importlib.util

    if url.startswith("postgresql://") and importlib.util.find_spec("psycopg2") is None:
        if importlib.util.find_spec("psycopg") is not None:
            return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _driver_advice(url: str) -> str:
    scheme = url.split("://", 1)[0]
    if scheme in ("postgresql", "postgresql+psycopg"):
        return "install the postgres extra: .venv/bin/pip install -e '.[postgres]' (psycopg)"
    if scheme.startswith("mysql"):
        return "install PyMySQL: .venv/bin/pip install PyMySQL, and use mysql+pymysql://"
    driver = scheme.split("+", 1)[1] if "+" in scheme else "the default one"
    return f"its driver ({driver}) is not installed: pip install it, or use a driver that is"


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
    """The URL with any password replaced by ``***``, for everything we print or store. The password is
    everything between the user's ``:`` and the last ``@`` before the host, so an unescaped ``@`` in it is
    masked too."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, host = rest.rsplit("@", 1)
    user, colon, _password = credentials.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{host}"


# What each storage fault looks like (SQLite's and the file system's words), and what to tell the user.
FAULTS = (
    ("readonly database", "is read-only", "make the file and its folder writable, then rerun the same command"),
    ("read-only file system", "is read-only", "make the file and its folder writable, then rerun the same command"),
    ("disk is full", "ran out of disk space", "free some space, then rerun the same command to resume"),
    ("no space left", "ran out of disk space", "free some space, then rerun the same command to resume"),
    ("quota exceeded", "ran out of disk quota", "free some space, then rerun the same command to resume"),
    ("database is locked", "stayed locked by another process", "close the program holding it, then rerun"),
    (
        "unable to open database",
        "cannot be opened",
        "check that the file and its folder still exist and are writable, then rerun",
    ),
    ("permission denied", "is not writable", "check the permissions of the file and its folder, then rerun"),
    ("disk i/o error", "hit a disk I/O error", "check the disk, then rerun the same command"),
    (
        "connection refused",
        "cannot be reached (connection refused)",
        "start the server or fix the URL, then rerun the same command",
    ),
    ("could not connect", "cannot be reached", "start the server or fix the URL, then rerun the same command"),
    ("server closed the connection", "lost its connection to the server", "check the server, then rerun"),
    ("can't connect", "cannot be reached", "start the server or fix the URL, then rerun the same command"),
    ("terminating connection", "lost its connection to the server", "check the server, then rerun"),
    ("the database system is", "is not accepting connections", "wait for the server, then rerun"),
    ("connection is closed", "lost its connection to the server", "check the server, then rerun"),
)
# The faults above that a server coming back can cure: a worker waits them out (tune worker).
CONNECTION_LOST = ("cannot be reached", "lost its connection to the server", "is not accepting connections")


def connection_lost(exc: BaseException) -> str | None:
    """The one-line fault when ``exc`` means the database server went away (or is not back yet), else None."""
    message = str(exc) if isinstance(exc, StorageFault) else fault_message(exc)  # a fault we already worded
    return message if message is not None and any(what in message for what in CONNECTION_LOST) else None


def fault_message(exc: BaseException, url: str | None = None) -> str | None:
    """One line for an exception that means the storage, or the disk under a file we write, failed —
    read-only, full, locked, unreachable — naming the storage or the file; None for anything else. Looks
    through the chain of causes: Optuna wraps SQLAlchemy's errors, which wrap the driver's."""
    seen: BaseException | None = exc
    while seen is not None:
        text = str(seen).lower()
        for words, what, todo in FAULTS:
            if words in text:
                filename = getattr(seen, "filename", None) if isinstance(seen, OSError) else None
                if filename is not None and str(filename) not in _IN_USE:  # a report, an artifact, an export
                    return f"cannot write {filename}: {seen.strerror}; {todo}"
                name = filename or (redact(url) if url else next(reversed(_IN_USE), "the storage"))
                waited = f" (waited {SQLITE_BUSY_TIMEOUT_S:g} s)" if words == "database is locked" else ""
                return f"storage {name} {what}{waited}; {todo}"
        seen = seen.__cause__ or seen.__context__
    return None
