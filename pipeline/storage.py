"""Where studies live: resolve ``--storage`` to a URL, check it before anything is written, open it.

The default is one SQLite file per study script, ``runs/<study>.db``, which optuna-dashboard and
notebooks open directly. A bare path means an SQLite file at that path.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import optuna
import sqlalchemy.exc
from sqlalchemy import event
from sqlalchemy.engine import make_url

from pipeline.errors import UsageError

RUNS_DIR = Path("runs")
SCHEMES = ("sqlite", "postgresql", "mysql")
SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_BUSY_TIMEOUT_S = 60  # wait this long for another process's write lock before failing


def default_storage(study: str) -> str:
    return f"sqlite:///{RUNS_DIR / f'{study}.db'}"


def resolve_storage(text: str | None, study: str) -> str:
    """A storage URL from ``--storage`` (URL or SQLite file path), or the study's default file."""
    if text is None:
        RUNS_DIR.mkdir(exist_ok=True)
        url = default_storage(study)
    elif "://" in text:
        url = text
    else:
        url = f"sqlite:///{text}"
    scheme = url.split("://", 1)[0].split("+", 1)[0]
    if scheme not in SCHEMES:
        raise UsageError(f"unknown storage scheme {scheme!r} in {redact(url)} (use a file path or {', '.join(s + '://' for s in SCHEMES)})")
    if scheme == "sqlite":
        check_sqlite_path(sqlite_path(url))
    return url


def sqlite_path(url: str) -> Path | None:
    """The file behind an ``sqlite:///`` URL (None for an in-memory database)."""
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def artifact_dir(url: str) -> Path | None:
    """Where trial artifacts (learning curves) go: ``<file>-artifacts/`` beside an SQLite file,
    ``runs/<database>-artifacts/`` for a database server, None for an in-memory database."""
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        return path.with_name(f"{path.stem}-artifacts") if path else None
    return RUNS_DIR / f"{make_url(url).database or 'optuna'}-artifacts"


def report_dir(url: str) -> Path:
    """Where HTML reports on the studies in ``url`` go: beside an SQLite file (runs/ by default), else runs/."""
    path = sqlite_path(url) if url.startswith("sqlite") else None
    return path.parent if path else RUNS_DIR


def check_sqlite_path(path: Path | None) -> None:
    """Refuse a path we could not create, or a file that is not an SQLite database, with what to do."""
    if path is None:
        return
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"storage directory {parent}/ does not exist (create it, or pass another --storage)")
    if path.exists():
        if path.is_dir():
            raise UsageError(f"storage {path} is a directory (pass a file path such as {path}/study.db)")
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
        if head and head != SQLITE_MAGIC:
            raise UsageError(f"{path} is not an SQLite database (pass a new file path, or an existing study's .db)")
        return
    try:
        with tempfile.NamedTemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write in storage directory {parent}/ ({exc.strerror}); pass another --storage") from None


def open_storage(url: str) -> optuna.storages.BaseStorage:
    """An Optuna RDB storage; a damaged SQLite file is refused as bad input, not a crash.

    SQLite files use write-ahead logging with ``synchronous=NORMAL``: every report and user attr is
    a commit, and this cut our per-trial storage cost from ~120 to ~75 ms here (see benchmarks/).
    A crash of our process loses nothing committed; a power cut may lose the last few commits.
    """
    sqlite = url.startswith("sqlite")
    kwargs = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S}} if sqlite else {}
    try:
        storage = optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
        if sqlite and sqlite_path(url) is not None:
            event.listen(storage.engine, "connect", _sqlite_pragmas)
            storage.engine.dispose()  # reconnect, so every pooled connection gets the pragmas
        return storage
    except sqlalchemy.exc.DatabaseError as exc:
        reason = str(exc.orig) if getattr(exc, "orig", None) else type(exc).__name__
        raise UsageError(f"cannot open storage {redact(url)}: {reason} (is it a damaged or foreign database?)") from None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def redact(url: str) -> str:
    """The URL with any password replaced by ``***``, for everything we print or store."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL we can parse: print nothing secret
        return url.split("@")[-1] if "@" in url else url
