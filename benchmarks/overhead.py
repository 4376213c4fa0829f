"""Bookkeeping overhead: the share of a study's wall time not spent training or evaluating, and the
per-trial cost of each storage with the real search space, reports, pruning and our user attrs.

The study runs twice, on SQLite (the default storage) and on a journal file, in the same process. Training
time is what each trial records in ``train_seconds``: building the model and optimizer, training and
evaluating; every Optuna call is outside it. The bookkeeping rows time Optuna alone (no training, no
pipeline code) on each storage: that part of the overhead is Optuna's floor for this search space.

    python benchmarks/overhead.py [--trials N] [--out DIR]      (full budget: --trials 100)
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

import _common
import optuna
import torch

from pipeline.data import load_raw
from pipeline.objectives import mlp
from pipeline.pruners import first_prunable_step, make_pruner, pruner_settings
from pipeline.run.driver import RunOptions, run_arms
from pipeline.samplers import make_sampler, sampler_settings
from pipeline.storage import open_storage
from pipeline.study_scripts import load_study_spec
from pipeline.trial_states import TRAIN_LOSS, store_epochs

optuna.logging.set_verbosity(optuna.logging.WARNING)


def study_overhead(trials: int, url: str) -> dict:
    """digits_mlp, TPE + median pruner: wall time of the run vs time inside build/train/evaluate."""
    spec = dataclasses.replace(load_study_spec("digits_mlp"), trials=trials, seeds=1, samplers=("tpe",))
    load_raw(spec.dataset)  # the dataset is read once per process; keep that out of the per-trial figure
    start = time.perf_counter()
    run_arms(spec, spec.arms(), RunOptions(url, torch.device("cpu")))
    wall = time.perf_counter() - start
    study = optuna.load_study(study_name=spec.arms()[0].study_name, storage=open_storage(url))
    training = sum(t.user_attrs.get("train_seconds", 0.0) for t in study.trials)
    return {
        "trials": trials,
        "epochs_run": sum(t.user_attrs.get("epochs_run", 0) for t in study.trials),
        "wall_s": wall,
        "train_and_eval_s": training,
        "overhead_share": 1 - training / wall,
        "overhead_ms_per_trial": (wall - training) / trials * 1000,
    }


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=30, help="trials of the digits_mlp study (full: 100)")
    parser.add_argument("--out", type=Path, default=_common.RESULTS, help="folder for the JSON file")
    args = parser.parse_args()
    torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)  # torch's one-off lazy import (~2 s) is not per trial
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        studies = {
            "sqlite": study_overhead(args.trials, f"sqlite:///{folder / 'overhead.db'}"),
            "journal": study_overhead(args.trials, f"journal:///{folder / 'overhead.log'}"),
        }
        storages = {
            "in-memory": optuna.storages.InMemoryStorage(),
            "sqlite": open_storage(f"sqlite:///{folder / 'bookkeeping.db'}"),
            "journal": optuna.storages.JournalStorage(
                optuna.storages.journal.JournalFileBackend(str(folder / "bookkeeping.log"))
            ),
        }
        per_trial = {name: bookkeeping_ms_per_trial(storage, args.trials) for name, storage in storages.items()}
    for name, study in studies.items():
        study["optuna_floor_share"] = per_trial[name] * study["trials"] / 1000 / study["wall_s"]
    print(f"digits_mlp, TPE + median pruner, {args.trials} trials:")
    for name, study in studies.items():
        print(
            f"  {name:<8} wall {study['wall_s']:5.1f} s, training {study['train_and_eval_s']:5.1f} s "
            f"({study['epochs_run']} epochs) → overhead {study['overhead_share']:.1%} of wall, "
            f"{study['overhead_ms_per_trial']:.0f} ms per trial; Optuna's own bookkeeping alone ≈ "
            f"{study['optuna_floor_share']:.0%}" + ("  (target ≤ 10%)" if name == "sqlite" else "")
        )
    print("Optuna's bookkeeping per trial, alone (TPE sampling + 12 reports/pruning checks + user attrs), median:")
    for name, ms in per_trial.items():
        print(f"  {name:<10} {ms:7.1f} ms   ({ms / per_trial['in-memory']:.1f}× in-memory)")
    _common.save(
        "overhead",
        {
            "study": studies["sqlite"],
            "study_journal": studies["journal"],
            "bookkeeping_ms_per_trial": per_trial,
            "target_overhead_share": 0.10,
        },
        out=args.out,
    )


if __name__ == "__main__":
    main()
