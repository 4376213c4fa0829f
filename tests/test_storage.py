import sqlite3
from pathlib import Path

import optuna
import pytest

from pipeline.errors import StorageFault, UsageError
from pipeline.storage import Storage, open_storage, redact, resolve_storage


def test_a_bare_path_means_an_sqlite_file(tmp_path):
    storage = resolve_storage(str(tmp_path / "a.db"), "s")
    assert (
        storage.url == f"sqlite:///{tmp_path / 'a.db'}"
        and storage.kind == "sqlite"
        and storage.file == tmp_path / "a.db"
    )


def test_the_default_is_one_file_per_study_under_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    storage = resolve_storage(None, "digits_mlp")
    assert storage.url == "sqlite:///runs/digits_mlp.db" and storage.is_default_for("digits_mlp")
    assert (tmp_path / "runs").is_dir()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: str(d / "missing" / "a.db"), "storage directory .*missing/ does not exist"),
        (
            lambda d: (d / "notes.db").write_text("hello, not a database") and str(d / "notes.db"),
            "is not an SQLite database",
        ),
        (lambda d: str(d), "is a directory"),
        (lambda d: "redis://localhost/0", "unknown storage scheme 'redis'"),
        (lambda d: "sqlite://", "in-memory database, gone when this command ends"),
        (lambda d: "sqlite:///:memory:", "in-memory database"),
        (lambda d: "postgresql://u:p@db:notaport/optuna", "bad storage URL postgresql://u:\\*\\*\\*@db:notaport"),
        (lambda d: "postgresql://u:p@[::1:5432/optuna", "bad storage URL"),
    ],
)
def test_unusable_storage_is_refused_before_anything_is_written(tmp_path, make, message):
    with pytest.raises(UsageError, match=message):
        resolve_storage(make(tmp_path), "s")


def test_a_folder_we_cannot_write_in_is_a_storage_fault_not_a_usage_error():
    with pytest.raises(StorageFault, match="cannot write in its folder /sys/"):
        resolve_storage("/sys/a.db", "s")


def test_another_applications_sqlite_database_is_refused_and_left_as_it_was(tmp_path):
    path = tmp_path / "app.db"
    connection = sqlite3.connect(path)
    connection.execute("create table users (id integer, name text)")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    for access in ("write", "existing", "read"):
        with pytest.raises(UsageError, match=r"another application's SQLite database \(tables: users\)"):
            resolve_storage(str(path), "s", access=access)
    assert path.read_bytes() == before
    assert not (tmp_path / "app.db-wal").exists()


def test_reading_a_storage_changes_nothing_in_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    optuna.create_study(storage=url, study_name="a").optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    before = (tmp_path / "r.db").read_bytes()  # made by plain Optuna: rollback journal, not WAL
    storage = resolve_storage(str(tmp_path / "r.db"), "s", access="read")
    assert len(optuna.load_study(study_name="a", storage=storage.open()).trials) == 2
    assert (tmp_path / "r.db").read_bytes() == before


@pytest.mark.parametrize("access", ["existing", "read"])
def test_reading_needs_a_storage_that_holds_studies(tmp_path, access):
    (tmp_path / "empty.db").touch()
    for path in (tmp_path / "missing.db", tmp_path / "empty.db"):
        with pytest.raises(UsageError, match=f"no comparison stored at {path} \\(run 'tune compare s' first"):
            resolve_storage(str(path), "s", access=access)
    assert not (tmp_path / "missing.db").exists()
    assert (tmp_path / "empty.db").stat().st_size == 0


def test_a_damaged_sqlite_file_is_refused_and_left_as_it_was(tmp_path):
    path = tmp_path / "damaged.db"
    optuna.create_study(storage=f"sqlite:///{path}", study_name="a")
    connection = sqlite3.connect(path)
    connection.execute("create table t (x)")
    connection.executemany("insert into t values (?)", [(i,) for i in range(2000)])
    connection.commit()
    connection.close()
    content = path.read_bytes()
    path.write_bytes(content[:100] + b"\xff" * 4000 + content[4100:])  # keep the header, break the pages
    before = path.read_bytes()
    with pytest.raises(UsageError, match="cannot open storage"):
        open_storage(resolve_storage(str(path), "s"))
    assert path.read_bytes() == before


def test_sqlite_storage_uses_write_ahead_logging(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 'w.db'}")
    optuna.create_study(storage=storage, study_name="x")
    mode = sqlite3.connect(tmp_path / "w.db").execute("pragma journal_mode").fetchone()[0]
    assert mode == "wal"


def test_passwords_never_appear_in_printed_urls():
    assert redact("postgresql://me:s3cret@db.local/optuna") == "postgresql://me:***@db.local/optuna"
    assert redact("postgresql://me:pa@ss@db.local:5432/optuna") == "postgresql://me:***@db.local:5432/optuna"
    assert redact("postgresql://me@db.local/optuna") == "postgresql://me@db.local/optuna"


def test_artifacts_and_reports_sit_beside_the_database(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'digits_mlp.db'}")
    assert storage.artifact_dir == tmp_path / "digits_mlp-artifacts"
    assert storage.report_dir == tmp_path
    assert Storage("sqlite://").artifact_dir is None  # in memory: no place beside it
    server = Storage("postgresql://tuner:secret@db/optuna")
    assert server.artifact_dir == Path("runs/optuna-artifacts") and server.report_dir == Path("runs")
    assert server.report_path("digits_mlp") == Path("runs/digits_mlp.html")


@pytest.mark.parametrize(
    "url, kind, file, heartbeat",
    [
        ("sqlite:///runs/x.db", "sqlite", Path("runs/x.db"), False),  # one machine: PIDs tell dead workers
        ("journal:///runs/x.log", "journal", Path("runs/x.log"), False),
        ("sqlite://", "memory", None, False),
        ("postgresql://me:s3cret@db.local:5432/optuna", "postgresql", None, True),
    ],
)
def test_a_storage_handle_knows_its_kind_file_heartbeat_and_places(url, kind, file, heartbeat):
    storage = Storage(url)
    assert (storage.kind, storage.file, storage.has_heartbeat) == (kind, file, heartbeat)
    assert "s3cret" not in storage.display
    if file is not None:
        assert storage.report_path("digits_mlp") == file.with_suffix(".html")
        assert storage.lock_file == file.with_name(file.name + ".gate")


def test_a_storage_is_opened_once_per_process(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'once.db'}")
    assert storage.open() is storage.open() is Storage(storage.url).open()
    assert storage.open(heartbeat=True) is not storage.open()  # a trial runner's storage beats; a reader's does not
