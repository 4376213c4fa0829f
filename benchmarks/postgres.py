"""PostgreSQL beside SQLite and the journal file: Optuna's bookkeeping per trial on each storage, side by
side in one run, and finished trials per minute of a digits_mlp comparison with 1, 2 and 4 ``tune worker``
processes sharing one PostgreSQL database. The server is a throwaway one on this machine
(deploy/local_postgres.sh, on 127.0.0.1); on 2 cores, more than 2 workers cannot train faster — the
4-worker row shows what contention costs, not what a cluster gains.

    python benchmarks/postgres.py [--trials N] [--out DIR]      (trials per study of each worker run)
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common
import optuna

from pipeline.objectives import mlp
from pipeline.pruners import first_prunable_step, make_pruner, pruner_settings
from pipeline.samplers import make_sampler, sampler_settings
from pipeline.storage import open_storage
from pipeline.study_scripts import load_study_spec
from pipeline.trial_states import FINISHED, TRAIN_LOSS, store_epochs

REPO = Path(__file__).resolve().parent.parent
SERVER = REPO / "deploy" / "local_postgres.sh"


def bookkeeping_ms_per_trial(storage, trials: int, epochs: int = 12) -> float:
    """Median ms per trial of everything but training: TPE sampling of the MLP space, a report per epoch
    and a pruning check once the pruner can prune, and the user attrs our objective stores."""
    settings = load_study_spec("digits_mlp").pruner_settings
    study = optuna.create_study(
        storage=storage,
        sampler=make_sampler("tpe", sampler_settings("tpe", 0)),
        pruner=make_pruner("median", pruner_settings("median", settings, epochs=epochs)),
    )
    prune_from = first_prunable_step("median", settings)
    losses = [2.0 / (e + 1) for e in range(epochs)]
    spent = []
    for _ in range(trials):
        start = time.perf_counter()
        trial = study.ask()
        params = mlp.suggest(trial)
        shift = params.training.lr  # make trials differ so the pruner has something to decide
        for epoch, loss in enumerate(losses):
            trial.report(loss + shift, epoch)
            if epoch >= prune_from and trial.should_prune():
                break
        attrs = {
            "val_accuracy": 0.9,
            "n_params": 1000,
            "epochs_run": epochs,
            "train_seconds": 0.0,
        }
        for key, value in attrs.items():
            trial.set_user_attr(key, value)
        store_epochs(trial, TRAIN_LOSS, losses)  # as run.trial.record does
        study.tell(trial, losses[-1] + shift)
        spent.append(time.perf_counter() - start)
    return statistics.median(spent) * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(port: int, sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-qc", sql], check=True)


def tune(*args: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "pipeline", *args]
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def workers_run(port: int, workers: int, trials: int, folder: Path) -> dict:
    """A fresh database, the comparison created once, then ``workers`` workers until every budget is met."""
    database = f"w{workers}"
    psql(port, f"create database {database}")
    url = f"postgresql://postgres@127.0.0.1:{port}/{database}"
    budget = ["--trials", str(trials), "--seeds", "1", "--epochs", "4"]
    created = tune("compare", "digits_mlp", *budget, "--storage", url, "--create-only", cwd=folder)
    assert created.wait() == 0, created.stderr.read()
    start = time.perf_counter()
    procs = [
        tune("worker", "digits_mlp", "--storage", url, "--threads", "1", "--no-progress", cwd=folder / f"host{i}")
        for i in range(workers)
        if (folder / f"host{i}").mkdir(parents=True, exist_ok=True) is None
    ]
    errors = [p.stderr.read() for p in procs if p.wait() != 0]
    wall = time.perf_counter() - start
    storage = open_storage(url.replace("postgresql://", "postgresql+psycopg://"))
    counts = {
        s.study_name: len(optuna.load_study(study_name=s.study_name, storage=storage).get_trials(states=FINISHED))
        for s in optuna.get_all_study_summaries(storage, include_best_trial=False)
    }
    storage.engine.dispose()
    finished = sum(counts.values())
    return {
        "workers": workers,
        "wall_s": wall,
        "finished": finished,
        "trials_per_min": finished / wall * 60,
        "exact_budgets": all(n == trials for n in counts.values()),
        "errors": len(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=12, help="trials per study in each worker run")
    parser.add_argument("--out", type=Path, default=_common.RESULTS, help="folder for the JSON file")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tune-bench-pg-"))
    folder.chmod(0o755)  # the server runs as the postgres user: it must reach its folder inside
    port = free_port()
    subprocess.run([str(SERVER), "start", str(folder / "server"), str(port)], check=True, stdout=subprocess.DEVNULL)
    try:
        psql(port, "create database bookkeeping")
        storages = {
            "sqlite": open_storage(f"sqlite:///{folder / 'bookkeeping.db'}"),
            "journal": optuna.storages.JournalStorage(
                optuna.storages.journal.JournalFileBackend(str(folder / "bookkeeping.log"))
            ),
            "postgresql": open_storage(f"postgresql+psycopg://postgres@127.0.0.1:{port}/bookkeeping"),
        }
        per_trial = {name: bookkeeping_ms_per_trial(storage, max(args.trials, 5)) for name, storage in storages.items()}
        runs = [workers_run(port, n, args.trials, folder) for n in (1, 2, 4)]
    finally:
        subprocess.run([str(SERVER), "stop", str(folder / "server")], check=False, stdout=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)
    print("Optuna's bookkeeping per trial (TPE sampling + 12 reports/pruning checks + user attrs), median:")
    for name, ms in per_trial.items():
        print(f"  {name:<10} {ms:7.1f} ms   ({ms / per_trial['sqlite']:.2f}× SQLite)")
    one = runs[0]["trials_per_min"]
    print(f"digits_mlp, random + tpe, {args.trials} trials each, 4 epochs, on PostgreSQL ({os.cpu_count()} cores):")
    for run in runs:
        print(
            f"  {run['workers']} worker(s): {run['trials_per_min']:5.1f} trials/min "
            f"({run['trials_per_min'] / one:.2f}×), "
            f"{run['finished']} finished, exact budgets: {run['exact_budgets']}, errors: {run['errors']}"
        )
    _common.save("postgres", {"bookkeeping_ms_per_trial": per_trial, "workers": runs}, out=args.out)


if __name__ == "__main__":
    main()
