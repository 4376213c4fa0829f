"""Random vs TPE on digits_mlp with paired seeds: how much sooner does TPE reach random's final best?

Reports the speedup over random (the trials — and epochs — random's median best-so-far needs to reach its
own median final best, divided by what TPE's needs; 1× for an arm identical to random) with its paired
bootstrap 95% CI, the Wilcoxon signed-rank p-value at 25/50/100% of the budget, the final best validation
loss per sampler (median [IQR]) and the verdict's text. Uses the analysis module.

    python benchmarks/sampler_efficiency.py [--seeds N] [--trials N] [--out DIR]   (full: --seeds 10 --trials 100)
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import _common
import optuna
import torch

from pipeline.analysis import analyze
from pipeline.run.driver import RunOptions, run_arms
from pipeline.study_scripts import load_study_spec

optuna.logging.set_verbosity(optuna.logging.ERROR)


def main() -> None:
    args = _common.seeds_and_trials(__doc__)
    spec = dataclasses.replace(
        load_study_spec("digits_mlp"), seeds=args.seeds, trials=args.trials, samplers=("random", "tpe")
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'samplers.db'}"
        run_arms(spec, spec.arms(), RunOptions(url, torch.device("cpu")))
        result = analyze(url, spec.name)
    speedup = result.speedup[result.speedup.sampler == "tpe"].set_index("axis")
    tests = result.tests[result.tests.sampler == "tpe"].set_index("fraction")
    table = result.table.set_index("sampler")
    figures = {
        "study": spec.name,
        "seeds": args.seeds,
        "trials": args.trials,
        "epochs": spec.epochs,
        "speedup_trials": _number(speedup.loc["trial", "speedup"]),
        "speedup_epochs": _number(speedup.loc["epochs", "speedup"]) if "epochs" in speedup.index else None,
        "speedup_trials_ci95": [_number(speedup.loc["trial", "ci_low"]), _number(speedup.loc["trial", "ci_high"])],
        "tpe_trials_to_reach_random_final_best": _number(speedup.loc["trial", "needed"]),
        "random_trials_to_reach_its_final_best": _number(speedup.loc["trial", "baseline_needed"]),
        "verdict": result.verdict[0] if result.verdict else None,
        "wilcoxon": {
            f"{int(f * 100)}%": {
                "p_value": _number(r.p_value),
                "wins": int(r.wins),
                "ties": int(r.ties),
                "losses": int(r.losses),
                "median_difference": _number(r.median_difference),
            }
            for f, r in tests.iterrows()
        },
        "final_best": {
            s: {"median": r.best_value_median, "q1": r.best_value_q1, "q3": r.best_value_q3}
            for s, r in table.iterrows()
        },
        "target": "speedup ≥ 2.5× with p < 0.05 at full budget",
    }
    print(f"digits_mlp, random vs TPE, {args.seeds} paired seeds × {args.trials} trials × ≤{spec.epochs} epochs")
    reached = figures["speedup_trials"]
    print(
        f"  speedup over random (trials): {'not reached' if reached is None else f'{reached:.2f}×'}"
        f"  [95% CI {_times(figures['speedup_trials_ci95'][0])} to {_times(figures['speedup_trials_ci95'][1])}]"
        f"  (TPE needs {figures['tpe_trials_to_reach_random_final_best']} trials, random "
        f"{figures['random_trials_to_reach_its_final_best']})"
    )
    print(f"  verdict: {figures['verdict']}")
    for fraction, w in figures["wilcoxon"].items():
        p = "n/a" if w["p_value"] is None else f"{w['p_value']:.3g}"
        print(f"  at {fraction:>4} of the budget: Wilcoxon p = {p}, W/T/L {w['wins']}/{w['ties']}/{w['losses']}")
    for sampler, b in figures["final_best"].items():
        print(f"  {sampler:<7} final best val loss {b['median']:.4f} [{b['q1']:.4f}–{b['q3']:.4f}]")
    _common.save("sampler_efficiency", figures, out=args.out)


def _times(value: float | None) -> str:
    return "n/a" if value is None else "not reached" if value == 0 else f"{value:.2f}×"


def _number(value) -> float | None:
    return None if value is None or value != value else float(value)  # NaN → None in JSON


if __name__ == "__main__":
    main()
