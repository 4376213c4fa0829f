"""A study's pruner vs no pruning, live: same sampler (TPE), same seeds, same budget of finished trials.

Reports the epochs consumed, the wall time, and the final best validation loss per seed, with the Wilcoxon
signed-rank test on the paired seeds (does pruning cost quality?).

    python benchmarks/pruning.py [--study NAME] [--seeds N] [--trials N] [--pruner NAME:key=value] [--out DIR]
    (full: --seeds 10 --trials 100; --study defaults to digits_mlp (its JSON: pruning.json; another study's:
    pruning_<study>.json); --pruner to the study's own, e.g. successive_halving to try another)
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

import _common
import optuna
import torch

from pipeline.analysis import analyze
from pipeline.analysis.stats import compare_pairs
from pipeline.errors import UsageError
from pipeline.pruners import parse_pruner, pruner_settings
from pipeline.run.driver import RunOptions, run_arms
from pipeline.study_scripts import load_study_spec

optuna.logging.set_verbosity(optuna.logging.ERROR)


def run(spec, folder: Path, name: str):
    url = f"sqlite:///{folder / f'{name}.db'}"
    run_arms(spec, spec.arms(), RunOptions(url, torch.device("cpu")))
    return analyze(url, spec.name).best.set_index("seed").sort_index()


def main() -> None:
    args = _common.seeds_and_trials(__doc__, pruner=True)
    study = load_study_spec(args.study)
    try:
        name, overrides = parse_pruner(args.pruner) if args.pruner else (study.pruner, study.pruner_settings)
        settings = pruner_settings(name, overrides, epochs=study.epochs)
    except UsageError as exc:
        sys.exit(f"error: {exc}")
    base = dataclasses.replace(
        study, seeds=args.seeds, trials=args.trials, samplers=("tpe",), pruner=name, pruner_settings=settings
    )
    with tempfile.TemporaryDirectory() as tmp:
        pruned = run(base, Path(tmp), "pruned")
        unpruned = run(dataclasses.replace(base, pruner="none", pruner_settings={}), Path(tmp), "none")
    test = compare_pairs(pruned.best_value, unpruned.best_value)
    figures = {
        "study": base.name,
        "sampler": "tpe",
        "seeds": args.seeds,
        "trials": args.trials,
        "epochs": base.epochs,
        "pruner": base.pruner,
        "pruner_settings": base.pruner_settings,
        "epochs_consumed": {"pruned": int(pruned.epochs_run.sum()), "none": int(unpruned.epochs_run.sum())},
        "wall_s": {"pruned": float(pruned.wall_seconds.sum()), "none": float(unpruned.wall_seconds.sum())},
        "final_best_median": {"pruned": float(pruned.best_value.median()), "none": float(unpruned.best_value.median())},
        "wilcoxon_p": None if test["p_value"] != test["p_value"] else test["p_value"],
        "wins_ties_losses_of_pruning": [test["wins"], test["ties"], test["losses"]],
        "target": "≥ 2× fewer epochs with no significant loss in final best",
    }
    figures["epochs_ratio"] = figures["epochs_consumed"]["none"] / figures["epochs_consumed"]["pruned"]
    figures["wall_ratio"] = figures["wall_s"]["none"] / figures["wall_s"]["pruned"]
    print(f"{base.name}, TPE, {args.seeds} paired seeds × {args.trials} finished trials × ≤{base.epochs} epochs")
    for arm in ("pruned", "none"):
        label = base.pruner if arm == "pruned" else "none"
        print(
            f"  {label:<18} {figures['epochs_consumed'][arm]:6d} epochs, {figures['wall_s'][arm]:7.1f} s, "
            f"median final best {figures['final_best_median'][arm]:.4f}"
        )
    p = "n/a" if figures["wilcoxon_p"] is None else f"{figures['wilcoxon_p']:.3g}"
    print(
        f"  pruning uses {figures['epochs_ratio']:.2f}× fewer epochs, {figures['wall_ratio']:.2f}× less time; "
        f"final best Wilcoxon p = {p} (W/T/L {test['wins']}/{test['ties']}/{test['losses']})"
    )
    _common.save("pruning" if base.name == "digits_mlp" else f"pruning_{base.name}", figures, out=args.out)


if __name__ == "__main__":
    main()
