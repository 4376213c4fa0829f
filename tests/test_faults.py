"""Faults and bad input, tried as a user meets them: real processes, real files, real signals.

Every case checks the exit code, that the message is one ``error:`` line without a traceback, and what the
storage holds before and after (nothing changed on a refusal; nothing finished lost on a fault; the rerun
completes). Signals and kills land at a chosen SQL statement, every time, through an SQLAlchemy hook in the
process under test (``inject.py`` below). Where file modes must apply, the process runs without the
capabilities that let root ignore them (``setpriv``): CI runs as root.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

TINY = ["--trials", "2", "--seeds", "1", "--epochs", "1"]
NOT_ROOT = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]  # file modes apply again

# Runs `tune ARGS` with a hook that acts once, when the INJECT_AT-th statement starting with INJECT_SQL (and
# whose parameters contain INJECT_MATCH) is about to run: send a signal to itself, or chmod paths.
INJECT = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine

sql, match, at = os.environ["INJECT_SQL"], os.environ.get("INJECT_MATCH", ""), int(os.environ["INJECT_AT"])
action, seen = os.environ["INJECT_ACTION"], []

@event.listens_for(Engine, "before_cursor_execute")
def inject(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip().upper().startswith(sql) and match in str(parameters):
        seen.append(statement)
        if len(seen) == at:
            if action.startswith("chmod:"):
                for path in action[len("chmod:"):].split(","):
                    os.chmod(path, 0o555 if os.path.isdir(path) else 0o444)
            else:
                os.kill(os.getpid(), getattr(signal, action))

from pipeline.cli import main
main(sys.argv[1:])
"""


def tune(*args, cwd: Path, env: dict | None = None, prefix: list[str] = (), timeout: float = 300):
    return subprocess.run(
        [*prefix, sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )


def tune_injected(tmp_path: Path, *args, sql: str, at: int, action: str, match: str = "", prefix=()):
    script = tmp_path / "inject.py"
    script.write_text(INJECT)
    env = {"INJECT_SQL": sql, "INJECT_AT": str(at), "INJECT_ACTION": action, "INJECT_MATCH": match}
    return subprocess.run(
        [*prefix, sys.executable, str(script), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
    )


def one_line_error(result, code: int, pattern: str) -> str:
    """The run exited with ``code`` and its last stderr line is an ``error:`` matching ``pattern``; no traceback."""
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and __import__("re").search(pattern, last), result.stderr
    return last


def stored(path: Path) -> dict:
    """What an Optuna SQLite file holds, read-only: studies with their attrs, and trials with state and values."""
    if not path.exists():
        return {}
    c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        studies = dict(c.execute("select study_id, study_name from studies"))
        attrs = c.execute("select study_id, key, value_json from study_user_attributes order by 1, 2").fetchall()
        trials = c.execute(
            "select t.study_id, t.number, t.state, v.value from trials t left join trial_values v "
            "on v.trial_id = t.trial_id order by 1, 2"
        ).fetchall()
    finally:
        c.close()
    return {
        name: {
            "attrs": {k: json.loads(v) for i, k, v in attrs if i == sid},
            "trials": [(n, state, value) for i, n, state, value in trials if i == sid],
        }
        for sid, name in studies.items()
    }


def states(path: Path) -> dict[str, list[str]]:
    return {name: [state for _, state, _ in study["trials"]] for name, study in stored(path).items()}


def finished(path: Path) -> dict[str, int]:
    return {name: sum(s in ("COMPLETE", "PRUNED") for s in ss) for name, ss in states(path).items()}


@pytest.fixture(scope="module")
def comparison(tmp_path_factory) -> Path:
    """A finished tiny comparison (random and TPE, seed 0, 2 trials of 1 epoch). Copy it before changing it."""
    folder = tmp_path_factory.mktemp("faults")
    result = tune("compare", "digits_mlp", *TINY, "--storage", "made.db", "--no-progress", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "made.db"


@pytest.fixture
def copy(comparison, tmp_path) -> Path:
    target = tmp_path / "x.db"
    shutil.copy(comparison, target)
    return target


# 1. Interrupted or killed while the studies are being created.


@pytest.mark.parametrize("signal_name, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_while_the_studies_are_created_leaves_none_and_the_rerun_runs(tmp_path, signal_name, code):
    # At the third study's creation: two complete studies exist, the third is being made.
    args = ["compare", "digits_mlp", "--trials", "1", "--seeds", "2", "--epochs", "1", "--storage", "c.db"]
    result = tune_injected(tmp_path, *args, sql="INSERT INTO STUDIES", at=3, action=signal_name)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr and "stopped by" in result.stderr
    assert stored(tmp_path / "c.db") == {}  # all or nothing
    rerun = tune(*args, "--no-progress", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert finished(tmp_path / "c.db") == {f"digits_mlp-{s}-seed{k}": 1 for s in ("random", "tpe") for k in (0, 1)}


def test_a_kill_while_a_study_is_being_made_is_completed_by_the_rerun_not_refused(tmp_path):
    args = ["compare", "digits_mlp", *TINY, "--storage", "k.db"]
    # The TPE study's second attribute (its sampler's name): it exists, half made, with no budget nor config.
    # (Matched with its key: the random study's stored settings name tpe among the samplers too.)
    result = tune_injected(
        tmp_path, *args, sql="INSERT INTO STUDY_USER_ATTRIBUTES", match="'sampler', '\"tpe\"'", at=1, action="SIGKILL"
    )
    assert result.returncode == -signal.SIGKILL
    half = stored(tmp_path / "k.db")
    assert "trials" not in half["digits_mlp-tpe-seed0"]["attrs"]
    rerun = tune(*args, "--no-progress", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert finished(tmp_path / "k.db") == {"digits_mlp-random-seed0": 2, "digits_mlp-tpe-seed0": 2}
    assert stored(tmp_path / "k.db")["digits_mlp-tpe-seed0"]["attrs"]["trials"] == 2


# 2 and 4. Bad settings are refused before anything is written.


@pytest.mark.parametrize(
    "args, message",
    [
        (["--pruner", "hyperband:min_resource=abc"], r"pruner 'hyperband' setting min_resource='abc': expected an"),
        (["--pruner", "hyperband:min_resource=0"], r"min_resource=0: expected an integer >= 1"),
        (["--pruner", "hyperband:max_resource=abc"], r"max_resource='abc': expected an integer or 'auto'"),
        (["--seeds", "99999"], r"seeds must be at most 100, got 99999"),
        (["--seed", "100000000000000000000"], r"unrecognized arguments: --seed"),  # not an abbreviation of --seeds
    ],
)
def test_a_bad_setting_is_refused_before_anything_is_written(copy, args, message):
    before = stored(copy)
    one_line_error(tune("compare", "digits_mlp", "--storage", str(copy), *args, cwd=copy.parent), 2, message)
    new = copy.parent / "new.db"
    one_line_error(tune("compare", "digits_mlp", "--storage", str(new), *args, cwd=copy.parent), 2, message)
    assert stored(copy) == before and not new.exists()


def test_a_seed_beyond_32_bits_is_refused(tmp_path):
    result = tune("run", "digits_mlp", "--sampler", "tpe", "--seed", str(10**20), "--storage", "s.db", cwd=tmp_path)
    one_line_error(result, 2, r"--seed: expected a seed, an integer from 0 to 4294967295")
    assert not (tmp_path / "s.db").exists()


@pytest.mark.skipif(__import__("importlib.util").util.find_spec("cmaes") is not None, reason="cmaes is installed")
def test_a_sampler_whose_package_is_missing_makes_no_study(copy):
    before = stored(copy)
    result = tune("compare", "digits_mlp", "--storage", str(copy), "--samplers", "random,cmaes", *TINY, cwd=copy.parent)
    one_line_error(result, 2, r"the cmaes sampler needs the package 'cmaes'")
    assert stored(copy) == before


# 3. Another application's SQLite file is refused; reading never writes.


def test_another_applications_database_is_refused_by_every_command_and_left_unchanged(tmp_path):
    app = tmp_path / "app.db"
    connection = sqlite3.connect(app)
    connection.execute("create table invoices (id integer primary key, total real)")
    connection.execute("insert into invoices values (1, 9.5)")
    connection.commit()
    connection.close()
    before = app.read_bytes()
    for command in (["compare", "digits_mlp", *TINY], ["report", "digits_mlp"], ["dashboard"]):
        result = tune(*command, "--storage", str(app), cwd=tmp_path)
        one_line_error(result, 2, r"another application's SQLite database \(tables: invoices\)")
    assert app.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]


def test_a_report_changes_nothing_in_the_storage_not_even_its_journal_mode(copy, tmp_path):
    connection = sqlite3.connect(copy)
    connection.execute("pragma journal_mode=delete")  # as plain Optuna leaves a file
    connection.close()
    before = copy.read_bytes()
    (tmp_path / "out").mkdir()
    result = tune("report", "digits_mlp", "--storage", str(copy), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "x.html").stat().st_size > 10_000  # -o FOLDER: the default name inside it
    assert copy.read_bytes() == before
    connection = sqlite3.connect(copy)
    assert connection.execute("pragma journal_mode").fetchone() == ("delete",)
    connection.close()


# 5. A kill while the report is written.


def test_a_kill_while_the_report_is_written_leaves_the_previous_report_whole(copy, tmp_path):
    report = copy.with_suffix(".html")
    report.write_text("<html>the previous report</html>")
    script = tmp_path / "kill_at_fsync.py"
    script.write_text(
        "import os, signal, sys\n"
        "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)  # the new report is written, not yet renamed\n"
        "from pipeline.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    result = subprocess.run(
        [sys.executable, str(script), "report", "digits_mlp", "--storage", str(copy)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert result.returncode == -signal.SIGKILL
    assert report.read_text() == "<html>the previous report</html>"
    again = tune("report", "digits_mlp", "--storage", str(copy), cwd=tmp_path)
    assert again.returncode == 0 and "<title>digits_mlp sampler comparison</title>" in report.read_text()


# 6. A signal while a finished trial is committed.


@pytest.mark.parametrize("signal_name, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_while_a_result_is_committed_keeps_the_trial_and_stops_cleanly(tmp_path, signal_name, code):
    args = ["compare", "digits_mlp", *TINY, "--storage", "t.db"]
    # The first trial's result: UPDATE trials SET state='COMPLETE' (or PRUNED), the commit that matters.
    result = tune_injected(tmp_path, *args, sql="UPDATE TRIALS SET STATE", match="COMPLETE", at=1, action=signal_name)
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"stopped by {'Ctrl-C' if code == 130 else 'SIGTERM'}" in result.stderr.strip().splitlines()[-1]
    assert states(tmp_path / "t.db")["digits_mlp-random-seed0"] == ["COMPLETE"]  # kept, not RUNNING, not lost
    rerun = tune(*args, "--no-progress", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert finished(tmp_path / "t.db") == {"digits_mlp-random-seed0": 2, "digits_mlp-tpe-seed0": 2}
    assert "RUNNING" not in str(states(tmp_path / "t.db"))


# 7. Workers end with their parent.


def test_a_worker_whose_parent_is_killed_stops_instead_of_training_on(tmp_path):
    # Long trials (300 epochs, no pruning): left alone, the worker would train for half a minute more.
    args = ["compare", "digits_mlp", "--trials", "3", "--seeds", "1", "--epochs", "300", "--pruner", "none"]
    args += ["--storage", "w.db"]
    parent = subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args, "--workers", "2", "--no-progress"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _children(parent.pid):
            time.sleep(0.2)
        children = _children(parent.pid)
        assert children, "the worker process never started"
        while time.monotonic() < deadline and str(states(tmp_path / "w.db")).count("RUNNING") < 2:
            time.sleep(0.2)  # until both train
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in children):
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in children), "the worker trains on without its parent"
    finally:
        for pid in _children(parent.pid):
            os.kill(pid, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
    rerun = tune(*args, "--no-progress", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert finished(tmp_path / "w.db") == {"digits_mlp-random-seed0": 3, "digits_mlp-tpe-seed0": 3}
    assert "RUNNING" not in str(states(tmp_path / "w.db"))  # the trials both left were recovered


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and "pipeline.run.work" in (entry / "cmdline").read_bytes().decode(
                errors="replace"
            ):
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# 8. Ctrl-C while starting.


def test_ctrl_c_while_the_libraries_load_is_one_line_and_writes_nothing(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "compare", "digits_mlp", *TINY, "--storage", "s.db"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    time.sleep(0.6)  # python is up; torch and optuna are still importing, no storage is open yet
    process.send_signal(signal.SIGINT)
    stderr = process.communicate(timeout=60)[1]
    assert process.returncode == 130, stderr
    assert stderr.strip() == "stopped by Ctrl-C before anything was written"
    assert not (tmp_path / "s.db").exists()


# 9. Read-only files and folders.


def test_a_read_only_folder_can_be_reported_on_but_not_run_in(copy, tmp_path):
    folder = copy.parent
    before = stored(copy)
    (tmp_path / "reports").mkdir()
    os.chmod(tmp_path / "reports", 0o777)
    os.chmod(folder, 0o555)
    try:
        result = tune("compare", "digits_mlp", *TINY, "--storage", str(copy), cwd="/", prefix=NOT_ROOT)
        one_line_error(result, 1, rf"storage {copy} is read-only \(its folder {folder} is not writable\)")
        out = tmp_path / "reports" / "r.html"
        result = tune("report", "digits_mlp", "--storage", str(copy), "-o", str(out), cwd="/", prefix=NOT_ROOT)
        assert result.returncode == 0, result.stderr
        assert "Verdict:" in result.stdout and out.stat().st_size > 10_000
        result = tune("report", "digits_mlp", "--storage", str(copy), cwd="/", prefix=NOT_ROOT)  # beside it
        one_line_error(result, 1, rf"cannot write {folder}/x.html: Permission denied")
    finally:
        os.chmod(folder, 0o755)
    assert stored(copy) == before
    assert not list(folder.glob("*.html")) and not list(folder.glob(".*partial"))


def test_a_read_only_database_file_is_a_storage_fault_and_changes_nothing(copy):
    os.chmod(copy, 0o444)
    before = copy.read_bytes()
    result = tune("compare", "digits_mlp", "--trials", "3", "--seeds", "1", "--epochs", "1", "--storage", str(copy),
                  cwd=copy.parent, prefix=NOT_ROOT)  # fmt: skip
    one_line_error(result, 1, rf"storage {copy} is read-only \(its file {copy} is not writable\)")
    assert copy.read_bytes() == before


def test_a_database_made_read_only_mid_run_ends_in_one_line_and_resumes_once_writable(tmp_path):
    args = ["compare", "digits_mlp", "--trials", "4", "--seeds", "1", "--epochs", "1", "--storage", "m.db"]
    db = tmp_path / "m.db"
    paths = f"{db},{tmp_path}"
    os.chmod(tmp_path, 0o777)
    result = tune_injected(
        tmp_path, *args, sql="UPDATE TRIALS SET STATE", match="COMPLETE", at=2, action=f"chmod:{paths}", prefix=NOT_ROOT
    )
    os.chmod(tmp_path, 0o755)
    os.chmod(db, 0o644)
    kept = finished(db)
    assert result.returncode in (0, 1), result.stderr
    if result.returncode == 1:  # a new connection to the database, or the report beside it, was refused
        one_line_error(result, 1, r"(storage .*m\.db .*|cannot write m\.html: Permission denied)")
    assert sum(kept.values()) >= 1
    rerun = tune(*args, "--no-progress", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert finished(db) == {"digits_mlp-random-seed0": 4, "digits_mlp-tpe-seed0": 4}
    assert "RUNNING" not in str(states(db))


# 10. Disk full.


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB file system (tmpfs) mounted for the test; skipped where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_ends_in_one_line_keeps_what_finished_and_resumes_once_there_is_room(small_disk):
    args = ["compare", "digits_mlp", "--trials", "400", "--seeds", "1", "--epochs", "1", "--storage", "f.db"]
    result = tune(*args, "--samplers", "random", "--no-progress", cwd=small_disk, timeout=600)
    one_line_error(result, 1, r"ran out of disk space; free some space, then rerun the same command")
    kept = finished(small_disk / "f.db")["digits_mlp-random-seed0"]
    assert 0 < kept < 400
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    rerun = tune(*args[:3], str(kept + 2), *args[4:], "--samplers", "random", "--no-progress", cwd=small_disk)
    assert rerun.returncode == 0, rerun.stderr
    assert finished(small_disk / "f.db")["digits_mlp-random-seed0"] == kept + 2
    assert "RUNNING" not in str(states(small_disk / "f.db"))


# 11. Locked by another process.


def hold_write_lock(path: Path, seconds: float) -> subprocess.Popen:
    code = (
        "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
        "c.execute('begin exclusive'); print('locked', flush=True); time.sleep(float(sys.argv[2]))"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_database_locked_by_another_process_is_waited_for_announced_then_given_up(copy):
    before = stored(copy)
    holder = hold_write_lock(copy, 60)
    try:
        result = tune("compare", "digits_mlp", "--trials", "3", "--seeds", "1", "--epochs", "1", "--storage",
                      str(copy), cwd=copy.parent, env={"TUNE_LOCK_TIMEOUT_S": "3"})  # fmt: skip
    finally:
        holder.kill()
        holder.wait()
    assert f"waiting up to 3 s for the write lock on {copy}, held by another process" in result.stderr
    one_line_error(result, 1, rf"storage {copy} is locked by another process \(waited 3 s\)")
    assert stored(copy) == before


def test_a_lock_released_while_we_wait_lets_the_run_go_on(copy):
    holder = hold_write_lock(copy, 120)
    run = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "compare", "digits_mlp", "--trials", "3", "--seeds", "1", "--epochs", "1",
         "--storage", str(copy), "--no-progress"],
        cwd=copy.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        announced = run.stderr.readline()  # blocks until it says it waits
    finally:
        holder.kill()
        holder.wait()
    rest = run.communicate(timeout=300)[1]
    assert announced.startswith(f"waiting up to 60 s for the write lock on {copy}"), announced + rest
    assert run.returncode == 0, rest
    assert finished(copy) == {"digits_mlp-random-seed0": 3, "digits_mlp-tpe-seed0": 3}


# 12-14. Input that used to crash.


@pytest.mark.parametrize(
    "args, message",
    [
        (["compare", "digits_mlp", "--storage", "sqlite://"], r"in-memory database, gone when this command ends"),
        (["compare", "digits_mlp", "--storage", "sqlite:///:memory:"], r"in-memory database"),
        (["compare", "digits_mlp", "--storage", "postgresql://u:p@db:notaport/x"], r"bad storage URL .*notaport"),
        (["compare", "digits_mlp", "--storage", "postgresql://u:p@[::1:5432/x"], r"bad storage URL"),
        (["compare", "fashion_mnist_mlp", "--data-dir", "afile", *TINY], r"--data-dir .*afile is a file"),
        (["compare", "digits_mlp.py"], r"study script digits_mlp.py not found; did you mean the study name"),
        (["compare", "{exits}"], r"exits.py called sys.exit\(3\) while loading"),
        (["report", "digits_mlp", "--storage", "{copy}", "-o", "{tmp}/no/such/r.html"], r"report directory"),
    ],
)
def test_input_that_used_to_crash_is_one_line(copy, tmp_path, args, message):
    (tmp_path / "afile").write_text("not a folder")
    (tmp_path / "exits.py").write_text("import sys\nsys.exit(3)\n")
    before = stored(copy)
    fill = {"{exits}": str(tmp_path / "exits.py"), "{copy}": str(copy)}
    args = [fill.get(a, a).replace("{tmp}", str(tmp_path)) for a in args]
    one_line_error(tune(*args, cwd=tmp_path), 2, message)
    assert stored(copy) == before
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").iterdir())


def test_a_password_with_an_unescaped_at_sign_is_never_printed(tmp_path):
    result = tune("compare", "digits_mlp", "--storage", "postgresql://me:pa@ss@127.0.0.1:1/x", *TINY, cwd=tmp_path)
    assert result.returncode in (1, 2) and "Traceback" not in result.stderr
    assert "pa@ss" not in result.stderr + result.stdout and "ss@127" not in result.stderr + result.stdout
    assert "me:***@127.0.0.1:1/x" in result.stderr


def test_a_killed_trial_with_checkpoints_is_retried_from_its_last_saved_epoch(tmp_path):
    """kill -9 while trial 0 reports its third epoch (saved just before): the rerun retries its parameters from
    that checkpoint, trains the last two epochs only, and the retried trial reruns to the same losses."""
    args = ["run", "digits_mlp", "--sampler", "random", "--seed", "0", "--trials", "2", "--epochs", "5",
            "--checkpoints", "epoch", "--storage", "c.db", "--no-progress"]  # fmt: skip
    killed = tune_injected(tmp_path, *args, sql="INSERT INTO TRIAL_INTERMEDIATE_VALUES", at=3, action="SIGKILL")
    assert killed.returncode == -signal.SIGKILL
    artifacts = tmp_path / "c-artifacts"
    assert [p.name for p in artifacts.glob("checkpoint-*")] == ["checkpoint-digits_mlp-random-seed0-trial0.pt"]

    rerun = tune(*args, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    study = optuna.load_study(study_name="digits_mlp-random-seed0", storage=f"sqlite:///{tmp_path / 'c.db'}")
    dead, retry, fresh = study.get_trials()
    assert (dead.state.name, retry.state.name, fresh.state.name) == ("FAIL", "COMPLETE", "COMPLETE")
    assert retry.params == dead.params and dead.user_attrs["end_reason"].startswith("stale: its worker")
    assert retry.user_attrs["resumed_from"] == {"trial": 0, "epochs": 3, "seeded_by": 0}
    assert (retry.user_attrs["epochs_trained"], retry.user_attrs["epochs_run"]) == (2, 5)
    assert "resumed_from" not in fresh.user_attrs and fresh.user_attrs["epochs_run"] == 5
    assert not list(artifacts.glob("checkpoint-*"))  # both finished here: no checkpoint left behind

    again = tune("trial", "digits_mlp", "--storage", "c.db", "--study-name", "digits_mlp-random-seed0",
                 "--number", "1", "--retrain", cwd=tmp_path)  # fmt: skip
    assert again.returncode == 0 and "the same over the 5 stored epochs" in again.stdout, again.stdout + again.stderr
