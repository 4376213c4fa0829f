"""Which pruner saves the most epochs without losing quality: Optuna's pruners replayed over real learning curves.

Step 1 trains every trial to its last epoch: random search, no pruner, ``--seeds`` paired seeds × ``--trials``
trials of each study (digits_mlp, 12 epochs, and diabetes_mlp, 20 epochs), and keeps each trial's validation
loss after every epoch. Step 2 replays those trials, in their order, through each candidate pruner (Optuna's
own classes, on an in-memory study): report epoch by epoch, stop where the pruner says so.

The replay is exact for random search: trial n of seed s draws its parameters from its own stream and its
weights from its own seed (seeds.py), whatever happened to the trials before it, so its curve is the one a
pruned run would have seen until it was stopped. It is not exact for TPE (pruned values change what TPE
proposes next), so step 3 runs a few pruners live with TPE — the ``--live`` list, those of them that pass the
replay — against TPE without pruning, same seeds, in parallel processes (one thread each).

A comparison runs both samplers with one pruner, so the default is judged on both: the saving of a
comparison is all epochs without pruning over all epochs with it (random + TPE), and a pruner qualifies
when it passes for each sampler. The recommendation is the qualifying pruner that saves the most.

Per pruner: epochs trained vs none (the saving), the final best validation loss per seed against no pruning
(paired: Wilcoxon p, wins/ties/losses of pruning), and whether it passes: p ≥ 0.05 *and* no worse on a
majority of seeds. The default recommended per study is the passing pruner with the largest saving.

    python benchmarks/pruner_search.py [--seeds N] [--trials N] [--curves FILE] [--live NAME:k=v ...] [--out DIR]
    (full: --seeds 10 --trials 100; --curves keeps step 1's curves in FILE and reuses them when it exists;
    --live none skips step 3)
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import gzip
import json
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

import _common
import optuna
import pandas as pd
import torch

from pipeline.analysis import analyze
from pipeline.analysis.stats import compare_pairs
from pipeline.pruners import make_pruner, parse_pruner, pruner_settings
from pipeline.run.driver import RunOptions, run_arms
from pipeline.storage import open_storage
from pipeline.study_scripts import load_study_spec
from pipeline.trial_states import val_losses

optuna.logging.set_verbosity(optuna.logging.ERROR)

STUDIES = ("digits_mlp", "diabetes_mlp")
CANDIDATES = [  # (pruner, settings over its defaults); steps are epochs, counted from 0
    *[("median", {"n_warmup_steps": w}) for w in (0, 1, 2, 3, 5)],
    ("median", {"n_warmup_steps": 1, "n_startup_trials": 10}),
    *[("percentile", {"percentile": q, "n_warmup_steps": w}) for q in (40.0, 25.0) for w in (1, 3)],
    *[("patient", {"patience": p, "n_warmup_steps": w}) for p in (1, 2) for w in (0, 1)],
    *[("wilcoxon", {"p_threshold": p, "n_startup_steps": 2}) for p in (0.1, 0.3)],
    *[("successive_halving", {"min_resource": r, "reduction_factor": f}) for r in (1, 2, 4) for f in (2, 3)],
    *[("hyperband", {"min_resource": r, "reduction_factor": 3}) for r in (1, 2)],
]


# Step 3's pruners, from gentle to aggressive (the study's own is always added).
LIVE = [
    "median:n_warmup_steps=2",
    "median:n_warmup_steps=1",
    "successive_halving:min_resource=2,reduction_factor=3",
    "hyperband:min_resource=1,reduction_factor=3",
]


@dataclasses.dataclass
class Curve:
    losses: list[float]  # validation loss after each epoch trained
    diverged: bool  # ended PRUNED by a NaN/infinite loss (the loop's own stop), not by a pruner


def record(name: str, seeds: int, trials: int) -> dict[int, list[Curve]]:
    """Step 1: every trial of random search on ``name`` trained to its last epoch, per seed, in trial order."""
    spec = dataclasses.replace(
        load_study_spec(name), seeds=seeds, trials=trials, samplers=("random",), pruner="none", pruner_settings={}
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"journal:///{Path(tmp) / 'curves.log'}"
        run_arms(spec, spec.arms(), RunOptions(url, torch.device("cpu"), checkpoints="off"))
        curves = {}
        for arm in spec.arms():
            study = optuna.load_study(study_name=arm.study_name, storage=open_storage(url))
            curves[arm.seed] = [
                Curve(val_losses(t), t.state == optuna.trial.TrialState.PRUNED)
                for t in sorted(study.trials, key=lambda t: t.number)
                if t.state.is_finished() and t.state != optuna.trial.TrialState.FAIL
            ]
    return curves


def replay(curves: list[Curve], pruner: optuna.pruners.BasePruner) -> tuple[int, float]:
    """Step 2: one seed's trials through ``pruner``; returns (epochs trained, best COMPLETE final loss)."""
    study = optuna.create_study(pruner=pruner)
    epochs = 0
    for curve in curves:
        trial = study.ask()
        state = optuna.trial.TrialState.PRUNED if curve.diverged else optuna.trial.TrialState.COMPLETE
        for epoch, loss in enumerate(curve.losses):
            trial.report(loss, epoch)
            epochs += 1
            if trial.should_prune():
                state = optuna.trial.TrialState.PRUNED
                break
        value = curve.losses[-1] if state == optuna.trial.TrialState.COMPLETE else None
        study.tell(trial, value, state=state)
    complete = [t.value for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    return epochs, min(complete) if complete else float("nan")


def judge(curves: dict[int, list[Curve]], name: str, overrides: dict, epochs: int) -> dict:
    settings = pruner_settings(name, overrides, epochs=epochs)
    results = {seed: replay(seed_curves, make_pruner(name, settings)) for seed, seed_curves in curves.items()}
    full = {seed: replay(seed_curves, optuna.pruners.NopPruner()) for seed, seed_curves in curves.items()}
    seeds = sorted(results)
    test = compare_pairs(
        pd.Series([results[s][1] for s in seeds], index=seeds), pd.Series([full[s][1] for s in seeds], index=seeds)
    )
    p = test["p_value"]
    trained = sum(results[s][0] for s in seeds)
    not_worse = test["wins"] + test["ties"]
    return {
        "pruner": name,
        "settings": settings,
        "label": f"{name}:" + ",".join(f"{k}={v}" for k, v in overrides.items()),
        "epochs": trained,
        "epochs_none": sum(full[s][0] for s in seeds),
        "saving": sum(full[s][0] for s in seeds) / trained,
        "median_best": float(pd.Series([results[s][1] for s in seeds]).median()),
        "median_best_none": float(pd.Series([full[s][1] for s in seeds]).median()),
        "wilcoxon_p": None if p != p else p,
        "wins_ties_losses": [test["wins"], test["ties"], test["losses"]],
        "passes": (p != p or p >= 0.05) and not_worse > len(seeds) / 2,
    }


def live_run(name: str, seeds: int, trials: int, pruner: str, settings: dict) -> dict:
    """One TPE run of study ``name`` with ``pruner``: per seed, its final best and the epochs it trained."""
    torch.set_num_threads(1)
    spec = dataclasses.replace(
        load_study_spec(name), seeds=seeds, trials=trials, samplers=("tpe",), pruner=pruner, pruner_settings=settings
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"journal:///{Path(tmp) / 'live.log'}"
        run_arms(spec, spec.arms(), RunOptions(url, torch.device("cpu"), checkpoints="off"))
        best = analyze(url, spec.name).best.set_index("seed").sort_index()
    return {"best": best.best_value.to_dict(), "epochs": int(best.epochs_run.sum())}


def live(name: str, seeds: int, trials: int, labels: list[str]) -> dict[str, dict]:
    """Step 3: ``labels`` (and no pruning) run live with TPE, in parallel processes; per label its judgement."""
    spec = load_study_spec(name)
    settings = {label: parse_pruner(label) for label in labels}
    jobs = {"none": ("none", {})} | {
        label: (pruner, pruner_settings(pruner, overrides, epochs=spec.epochs))
        for label, (pruner, overrides) in settings.items()
    }
    spawn = multiprocessing.get_context("spawn")  # fresh processes: no torch state inherited
    with concurrent.futures.ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=spawn) as pool:
        futures = {label: pool.submit(live_run, name, seeds, trials, *job) for label, job in jobs.items()}
        runs = {label: future.result() for label, future in futures.items()}
    none = runs.pop("none")
    judged = {}
    for label, run in runs.items():
        seeds_ = sorted(run["best"])
        test = compare_pairs(
            pd.Series([run["best"][s] for s in seeds_], index=seeds_),
            pd.Series([none["best"][s] for s in seeds_], index=seeds_),
        )
        p = test["p_value"]
        judged[label] = {
            "epochs": run["epochs"],
            "epochs_none": none["epochs"],
            "saving": none["epochs"] / run["epochs"],
            "median_best": float(pd.Series(run["best"]).median()),
            "median_best_none": float(pd.Series(none["best"]).median()),
            "wilcoxon_p": None if p != p else p,
            "wins_ties_losses": [test["wins"], test["ties"], test["losses"]],
            "passes": (p != p or p >= 0.05) and test["wins"] + test["ties"] > len(seeds_) / 2,
        }
    return judged


def pareto(rows: list[dict]) -> list[str]:
    """Labels of the rows no other row beats on both saving and median final best."""
    return [
        r["label"]
        for r in rows
        if not any(
            o["saving"] >= r["saving"]
            and o["median_best"] <= r["median_best"]
            and (o["saving"], o["median_best"]) != (r["saving"], r["median_best"])
            for o in rows
        )
    ]


def _label(text: str) -> str:
    pruner, overrides = parse_pruner(text)
    return f"{pruner}:" + ",".join(f"{k}={v}" for k, v in overrides.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3, help="paired seeds (full: 10)")
    parser.add_argument("--trials", type=int, default=20, help="trials per seed (full: 100)")
    parser.add_argument(
        "--curves", type=Path, help="a .json.gz file for step 1's curves: written, or reused if it exists"
    )
    parser.add_argument(
        "--live",
        nargs="+",
        default=LIVE,
        metavar="NAME:k=v",
        help="pruners for step 3, run live with TPE if they pass the replay (default: %(default)s; 'none' skips it)",
    )
    parser.add_argument("--out", type=Path, default=_common.RESULTS, help="folder for the JSON file")
    args = parser.parse_args()
    torch.set_num_threads(1)  # tiny models: one thread is as fast, and leaves a core to the rest of the machine
    start = time.perf_counter()
    if args.curves is not None and args.curves.exists():
        stored = json.loads(gzip.decompress(args.curves.read_bytes()))
        curves = {
            name: {int(s): [Curve(**c) for c in cs] for s, cs in per_seed.items()} for name, per_seed in stored.items()
        }
    else:
        curves = {name: record(name, args.seeds, args.trials) for name in STUDIES}
        if args.curves is not None:
            plain = {n: {s: [dataclasses.asdict(c) for c in cs] for s, cs in ps.items()} for n, ps in curves.items()}
            args.curves.write_bytes(gzip.compress(json.dumps(plain).encode()))
    recorded = time.perf_counter() - start
    figures = {"target": "≥ 2× fewer epochs, Wilcoxon p ≥ 0.05 and no worse on a majority of seeds", "studies": {}}
    for name, per_seed in curves.items():
        spec = load_study_spec(name)
        rows = [judge(per_seed, pruner, overrides, spec.epochs) for pruner, overrides in CANDIDATES]
        passing = [r for r in rows if r["passes"]]
        best = max(passing, key=lambda r: r["saving"]) if passing else None
        current = judge(per_seed, spec.pruner, spec.pruner_settings, spec.epochs)
        n_seeds, n_trials = len(per_seed), len(next(iter(per_seed.values())))
        print(f"{name}: random search, {n_seeds} seeds × {n_trials} trials × ≤{spec.epochs} epochs, replayed")
        print(f"  {'pruner':<52} {'saving':>7} {'median best':>12}  {'p':>6}  W/T/L   passes")
        for r in sorted(rows, key=lambda r: -r["saving"]):
            p = "n/a" if r["wilcoxon_p"] is None else f"{r['wilcoxon_p']:.3f}"
            print(
                f"  {r['label']:<52} {r['saving']:6.2f}× {r['median_best']:12.4f}  {p:>6}  "
                f"{'/'.join(map(str, r['wins_ties_losses'])):<7} {'yes' if r['passes'] else 'no'}"
            )
        print(f"  no pruning: median best {rows[0]['median_best_none']:.4f}, {rows[0]['epochs_none']} epochs")
        print(f"  the study's pruner today ({current['label']}): {current['saving']:.2f}×")
        by_label = {r["label"]: r for r in rows} | {current["label"]: current}
        wanted = [] if args.live == ["none"] else [*args.live, current["label"]]
        to_run = [label for label in dict.fromkeys(_label(w) for w in wanted) if by_label.get(label, {}).get("passes")]
        tpe = live(name, n_seeds, n_trials, to_run) if to_run else {}
        qualified = []
        if tpe:
            print(f"  live with TPE ({n_seeds} seeds × {n_trials} trials), against TPE without pruning:")
        for label, t in tpe.items():
            r = by_label[label]
            both = (r["epochs_none"] + t["epochs_none"]) / (r["epochs"] + t["epochs"])
            t["comparison_saving"] = both
            p = "n/a" if t["wilcoxon_p"] is None else f"{t['wilcoxon_p']:.3f}"
            print(
                f"  {label:<52} {t['saving']:6.2f}× {t['median_best']:12.4f}  {p:>6}  "
                f"{'/'.join(map(str, t['wins_ties_losses'])):<7} {'yes' if t['passes'] else 'no'}   "
                f"(random + TPE: {both:.2f}×)"
            )
            if t["passes"]:
                qualified.append((both, label))
        if tpe:
            print(f"  TPE without pruning: median best {next(iter(tpe.values()))['median_best_none']:.4f}")
        best = max(qualified)[1] if qualified else None
        verdict = "no pruner passes for both samplers"
        if best:
            saving = tpe[best]["comparison_saving"]
            met = "met" if saving >= 2 else "not met"
            verdict = f"recommended: {best}, {saving:.2f}× fewer epochs per comparison (target ≥ 2×: {met})"
        print(f"  → {verdict}")
        figures["studies"][name] = {
            "seeds": n_seeds,
            "trials": n_trials,
            "epochs": spec.epochs,
            "current": current,
            "replay_random": rows,
            "pareto_random": pareto(rows),
            "live_tpe": tpe,
            "recommended": best,
            "target_met": bool(best and tpe[best]["comparison_saving"] >= 2),
        }
    figures["record_s"] = recorded
    _common.save("pruner_search", figures, out=args.out)


if __name__ == "__main__":
    main()
