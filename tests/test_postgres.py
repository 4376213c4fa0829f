"""PostgreSQL as users run it across hosts: a throwaway server from Debian's postgresql (initdb + pg_ctl as the
``postgres`` user, on 127.0.0.1 and a free port, stopped by its PID), and workers as separate processes in
separate folders that share nothing but the database."""

from __future__ import annotations

import glob
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import optuna
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow
PASSWORD = "s3cret"


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail("PostgreSQL is missing: 'make test' installs Debian's postgresql package")
    return found[-1]


class Server:
    """One throwaway PostgreSQL cluster in a temp folder, password login over TCP on 127.0.0.1 only."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="tune-pg-"))  # not under pytest's 0700 folders: postgres reads it
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            os.chown(self.root, pwd.getpwnam("postgres").pw_uid, -1)
        secret = self.root / "pw"
        secret.write_text(PASSWORD)
        os.chmod(secret, 0o644)
        self._run(pg_bin("initdb"), "-D", self.data, "-U", "postgres", f"--pwfile={secret}", "--auth=scram-sha-256",
                  "--no-sync", "-E", "UTF8")  # fmt: skip
        self.start()

    @property
    def data(self) -> str:
        return str(self.root / "data")

    def _run(self, *args) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self._run(pg_bin("pg_ctl"), "-D", self.data, "-o", options, "-l", str(self.root / "log"), "-w", "start")
        self.pid = int(Path(self.data, "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        """Fast shutdown by PID (SIGINT: connections are cut, running transactions rolled back)."""
        os.kill(self.pid, signal.SIGINT)
        deadline = time.monotonic() + 30
        while Path(f"/proc/{self.pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)

    def url(self, database: str, password: str = PASSWORD) -> str:
        return f"postgresql://postgres:{password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        env = {**os.environ, "PGPASSWORD": PASSWORD}
        psql = ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-qc", f"create database {name}"]
        subprocess.run(psql, check=True, capture_output=True, env=env, timeout=60)
        return self.url(name)


@pytest.fixture(scope="module")
def server():
    running = Server()
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(running.root, ignore_errors=True)


@pytest.fixture
def database(server, request) -> str:
    return server.create_database("t_" + request.node.name.split("[")[0][-40:].lower())


def tune(*args, cwd: Path, extra_env: dict | None = None, **popen):
    cwd.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pipeline", *args]
    env = {**os.environ, "PYTHONPATH": str(REPO), "TUNE_PROGRESS_EVERY_S": "3600", **(extra_env or {})}
    if popen:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def start_worker(url: str, folder: Path) -> subprocess.Popen:
    return tune("worker", "digits_mlp", "--storage", url, "--threads", "1", "--no-progress", cwd=folder, popen=True)


def ran_by(trial: optuna.trial.FrozenTrial, process: subprocess.Popen) -> bool:
    return trial.user_attrs.get("worker", {}).get("pid") == process.pid


def create(url: str, tmp_path: Path, *args: str):
    made = tune("compare", "digits_mlp", *args, "--storage", url, "--create-only", cwd=tmp_path / "creator")
    assert made.returncode == 0, made.stderr
    assert f"tune worker digits_mlp --storage {url.replace(PASSWORD, '***')}" in made.stdout
    assert PASSWORD not in made.stdout + made.stderr
    return made


def states(url: str) -> dict[str, list[optuna.trial.FrozenTrial]]:
    storage = optuna.storages.RDBStorage(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        return {
            s.study_name: optuna.load_study(study_name=s.study_name, storage=storage).get_trials()
            for s in optuna.get_all_study_summaries(storage, include_best_trial=False)
        }
    finally:
        storage.engine.dispose()


def finished(trials) -> int:
    return sum(t.state.name in ("COMPLETE", "PRUNED") for t in trials)


def test_three_workers_on_separate_hosts_finish_a_comparison_exactly_and_the_report_reads_it(database, tmp_path):
    create(database, tmp_path, "--trials", "5", "--seeds", "2", "--epochs", "2")
    workers = [start_worker(database, tmp_path / f"host{i}") for i in range(3)]
    outputs = [w.communicate(timeout=600) for w in workers]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
        assert "every study has its budget" in out
    studies = states(database)
    assert sorted(studies) == sorted(f"digits_mlp-{s}-seed{k}" for k in (0, 1) for s in ("random", "tpe"))
    pids = set()
    for name, trials in studies.items():
        assert finished(trials) == len(trials) == 5, name  # exact budgets, nothing failed
        params = [tuple(sorted(t.params.items())) for t in trials]
        assert len(set(params)) == len(params), name  # no parameter set drawn twice
        pids |= {t.user_attrs["worker"]["pid"] for t in trials}
    assert len(pids) >= 2  # the work was shared
    report = tune("report", "digits_mlp", "--storage", database, "-o", "r.html", cwd=tmp_path / "laptop")
    assert report.returncode == 0, report.stderr
    assert "Verdict" in (tmp_path / "laptop" / "r.html").read_text()
    best = tune("best", "digits_mlp", "--storage", database, "--format", "json", cwd=tmp_path / "laptop")
    assert best.returncode == 0, best.stderr
    chosen = json.loads(best.stdout)["best"]
    assert chosen["val_loss"] == min(t.value for ts in studies.values() for t in ts if t.state.name == "COMPLETE")


def test_the_notebook_reads_a_comparison_in_postgresql(database, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    from tests.test_notebook import NOTEBOOK, this_python_kernel

    create(database, tmp_path, "--trials", "3", "--seeds", "1", "--epochs", "2")
    worker = tune("worker", "digits_mlp", "--storage", database, "--threads", "1", cwd=tmp_path / "host")
    assert worker.returncode == 0, worker.stderr
    monkeypatch.setenv("COMPARISON_STORAGE", database)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook, km=this_python_kernel(tmp_path), timeout=180, resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()  # raises on a cell error
    printed = [o.text for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"]
    assert printed[0].startswith("tpe vs random: ")


def test_without_the_driver_the_error_names_the_postgres_extra(tmp_path):
    hide = "import sys; sys.modules['psycopg'] = sys.modules['psycopg2'] = None; from pipeline.cli import main; "
    command = hide + "main(['report', 'digits_mlp', '--storage', 'postgresql://me:pw@127.0.0.1:1/x'])"
    result = subprocess.run([sys.executable, "-c", command], cwd=tmp_path, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip() == (
        "error: storage postgresql://me:***@127.0.0.1:1/x needs a database driver: install the postgres extra: "
        ".venv/bin/pip install -e '.[postgres]' (psycopg)"
    )


def test_a_worker_that_cannot_get_the_database_back_gives_up_on_one_line(server, database, tmp_path):
    create(database, tmp_path, "--trials", "4", "--seeds", "1", "--epochs", "40", "--pruner", "none")
    worker = tune("worker", "digits_mlp", "--storage", database, "--threads", "1", "--no-progress",
                  cwd=tmp_path / "host", popen=True, extra_env={"TUNE_DB_RETRY_S": "3"})  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(
        t.state.name == "RUNNING" for ts in states(database).values() for t in ts
    ):
        time.sleep(0.2)
    server.stop()
    try:
        _, err = worker.communicate(timeout=120)
    finally:
        server.start()
    assert worker.returncode == 1 and "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert "retrying for up to 3 s" in lines[0]
    assert lines[-1].startswith("error: storage postgresql://postgres:***@") and lines[-1].endswith(
        "(gave up after retrying for 3 s)"
    )


def test_a_worker_killed_mid_trial_has_its_trial_failed_and_retried_by_the_others(database, tmp_path):
    create(database, tmp_path, "--trials", "4", "--seeds", "1", "--epochs", "20", "--pruner", "none")
    workers = [start_worker(database, tmp_path / f"host{i}") for i in range(3)]
    victim = workers[0]
    deadline = time.monotonic() + 120
    running = []
    while time.monotonic() < deadline and not running:
        running = [t for ts in states(database).values() for t in ts if t.state.name == "RUNNING" and ran_by(t, victim)]
        time.sleep(0.2)
    assert running, "the first worker never ran a trial"
    victim.kill()  # kill -9, mid-trial
    victim.wait()
    for worker in workers[1:]:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err
    trials = {t.number: t for ts in states(database).values() for t in ts if t._trial_id == running[0]._trial_id}
    (dead,) = trials.values()
    assert dead.state.name == "FAIL"
    assert dead.user_attrs["end_reason"].startswith(f"stale: its worker (pid {victim.pid} on ")
    study = next(ts for ts in states(database).values() if any(t._trial_id == dead._trial_id for t in ts))
    retried = [t for t in study if t.system_attrs.get("failed_trial") == dead.number]
    assert len(retried) == 1 and retried[0].state.name == "COMPLETE" and retried[0].params == dead.params
    for name, ts in states(database).items():
        assert finished(ts) == 4, name


def test_workers_outlast_a_database_restart_and_nothing_finished_is_lost(server, database, tmp_path):
    create(database, tmp_path, "--trials", "4", "--seeds", "1", "--epochs", "15", "--pruner", "none")
    workers = [start_worker(database, tmp_path / f"host{i}") for i in range(2)]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sum(finished(ts) for ts in states(database).values()) < 2:
        time.sleep(0.2)
    before = sum(finished(ts) for ts in states(database).values())
    server.stop()
    time.sleep(4)
    server.start()
    results = [w.communicate(timeout=600) for w in workers]
    for worker, (_, err) in zip(workers, results, strict=True):
        assert worker.returncode in (0, 1) and "Traceback" not in err, err
        if worker.returncode == 1:  # gave up: one line
            assert err.strip().splitlines()[-1].startswith("error: storage "), err
    assert any("retrying for up to 120 s" in err for _, err in results)
    after = states(database)
    assert sum(finished(ts) for ts in after.values()) >= before  # nothing finished was lost
    rerun = tune("worker", "digits_mlp", "--storage", database, "--no-progress", cwd=tmp_path / "late")
    assert rerun.returncode == 0, rerun.stderr
    assert {name: finished(ts) for name, ts in states(database).items()} == {
        "digits_mlp-random-seed0": 4,
        "digits_mlp-tpe-seed0": 4,
    }
    assert not [t for ts in states(database).values() for t in ts if t.state.name == "RUNNING"]


@pytest.mark.parametrize(
    "case, url, shown",
    [
        ("refused", "postgresql://postgres:{pw}@127.0.0.1:1/x", r"cannot be reached \(connection refused\)"),
        ("bad password", "{server}:wrong", r"password authentication failed"),
        ("missing database", "{server}:nodb", r'database "nodb" does not exist'),
    ],
)
def test_connection_problems_are_one_line_with_the_password_masked(server, tmp_path, case, url, shown):
    if url.startswith("{server}:wrong"):
        url = server.url("postgres", password="wrong")
    elif url.startswith("{server}:nodb"):
        url = server.url("nodb")
    else:
        url = url.format(pw=PASSWORD)
    result = tune("compare", "digits_mlp", "--storage", url, "--create-only", cwd=tmp_path)
    assert result.returncode in (1, 2) and "Traceback" not in result.stderr, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and __import__("re").search(shown, line), line
    assert PASSWORD not in line and "wrong" not in line.split("failed")[0] and ":***@" in line


def readme_block(section: str, index: int = 0) -> list[str]:
    text = (REPO / "README.md").read_text()
    after = text[text.index(f"## {section}") :]
    block = re.findall(r"```bash\n(.*?)```", after, re.S)[index]
    return [line.split("  #")[0].rstrip() for line in block.splitlines() if line.strip()]


def test_the_scaling_out_section_runs_as_written_against_a_local_server(tmp_path):
    """Its commands in order — start a server, create, two workers, report, stop — on a free port and a small
    budget; the dashboard line (it serves until Ctrl-C) is left to the dashboard tests."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    folder = tempfile.mkdtemp(prefix="tune-readme-pg-")
    lines = [line for line in readme_block("Scaling out") if not line.startswith("tune dashboard")]
    script = "\n".join(lines).replace("5433", port).replace("--trials 10 --seeds 2", "--trials 3 --seeds 1 --epochs 2")
    script = script.replace("local_postgres.sh start", f"local_postgres.sh start {folder} {port}")
    script = script.replace("local_postgres.sh stop", f"local_postgres.sh stop {folder}")
    script = script.replace("deploy/", f"{REPO}/deploy/")  # run from a folder of its own, not the clone
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "PYTHONPATH": str(REPO)}
    try:
        result = subprocess.run(["bash", "-euc", script + "\nwait\n"], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=600)  # fmt: skip
    finally:
        pid_file = Path(folder, "data", "postmaster.pid")
        if pid_file.exists():  # the script failed before its stop line: stop the server by its PID
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
            time.sleep(2)
        shutil.rmtree(folder, ignore_errors=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"tune worker digits_mlp --storage postgresql://postgres@127.0.0.1:{port}/tune" in result.stdout
    assert result.stdout.count("every study has its budget") == 2 and "Verdict: tpe vs random" in result.stdout
    assert "stopped PostgreSQL" in result.stdout


def test_the_ssh_loop_starts_workers_that_finish_the_comparison(database, tmp_path):
    """deploy/ssh_workers.sh with an ``ssh`` that runs the command here instead of on the named host."""
    create(database, tmp_path, "--trials", "3", "--seeds", "1", "--epochs", "2")
    fake_ssh = tmp_path / "ssh"
    fake_ssh.write_text('#!/bin/sh\nshift\nexec sh -c "$1"\n')  # drop the host, run the command
    fake_ssh.chmod(0o755)
    env = {**os.environ, "SSH": str(fake_ssh), "THREADS": "1", "PYTHONPATH": str(REPO)}
    hosts = [f"host-{os.getpid()}-{k}" for k in (1, 2)]
    logs = [REPO / "runs" / f"worker-{host}-1.log" for host in hosts]
    try:
        started = subprocess.run([str(REPO / "deploy" / "ssh_workers.sh"), "digits_mlp", database, *hosts],
                                 capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
        assert started.returncode == 0, started.stderr
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not all(
            log.exists() and "every study has its budget" in log.read_text() for log in logs
        ):
            time.sleep(0.5)
        assert all("every study has its budget" in log.read_text() for log in logs), [log.read_text() for log in logs]
    finally:
        for log in logs:
            log.unlink(missing_ok=True)
    assert {name: finished(ts) for name, ts in states(database).items()} == {
        "digits_mlp-random-seed0": 3,
        "digits_mlp-tpe-seed0": 3,
    }
