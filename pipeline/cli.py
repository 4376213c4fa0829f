"""Command line: ``tune compare STUDY``, ``tune run STUDY``, ``tune studies``.

Bad input ends with one ``error: ...`` line and exit code 2, before anything is stored.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path

import optuna

from pipeline import analysis
from pipeline.config import StudySpec
from pipeline.console import Progress, format_sampler_table
from pipeline.device import resolve_device
from pipeline.driver import RunOptions, run_arms
from pipeline.errors import UsageError
from pipeline.pruners import parse_pruner
from pipeline.samplers import SAMPLERS
from pipeline.storage import redact, resolve_storage, sqlite_path
from pipeline.study_scripts import available, load_study_spec

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130

DESCRIPTION = """\
Tune a PyTorch model with Optuna. A study script (studies/NAME.py) declares the data, the objective
module, epochs, trial budget, pruner and seeds; 'compare' runs every sampler on every seed as separate
Optuna studies in one SQLite file (runs/NAME.db), pruning by validation loss after each epoch, and
prints how the samplers compare. Re-running a command resumes it."""

EPILOG = """\
examples:
  tune compare digits_mlp                      # Random vs TPE, 5 seeds, the study's budget
  tune compare digits_mlp --trials 10 --seeds 2 --epochs 5
  tune compare fashion_mnist_mlp --pruner median:n_warmup_steps=3
  tune run digits_mlp --sampler tpe --seed 0   # one Optuna study
  tune studies                                 # the study scripts there are"""


class Parser(argparse.ArgumentParser):
    """argparse that reports bad input on one line instead of usage + error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def seed_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a seed (an integer >= 0), got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a seed (an integer >= 0), got {text!r}")
    return value


def sampler_list(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    for name in names:
        if name not in SAMPLERS:
            raise argparse.ArgumentTypeError(f"unknown sampler {name!r} (choose from: {', '.join(SAMPLERS)})")
    if not names:
        raise argparse.ArgumentTypeError(f"name at least one sampler (choose from: {', '.join(SAMPLERS)})")
    return names


def build_parser(study: StudySpec | None = None) -> Parser:
    prog = Path(sys.argv[0]).name if study is not None else "tune"
    parser = Parser(prog=prog, description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    compare = commands.add_parser("compare", help="run every sampler on every seed and compare them", description="Run every sampler × seed as separate Optuna studies in one storage, resuming any that exist, then print the per-sampler table and the verdict.")
    run = commands.add_parser("run", help="run one Optuna study (one sampler, one seed)", description="Run (or resume) a single Optuna study: one sampler, one seed.")
    for sub in (compare, run):
        if study is None:
            sub.add_argument("study", metavar="STUDY", help=f"a study script name ({', '.join(available())}) or a path to one")
        overrides = sub.add_argument_group("override the study script")
        if sub is compare:
            overrides.add_argument("--samplers", type=sampler_list, help=f"comma-separated, from: {', '.join(SAMPLERS)} (default: the script's, usually random,tpe)")
            overrides.add_argument("--seeds", type=positive_int, metavar="N", help="number of paired seeds 0..N-1 (default: the script's, usually 5)")
        else:
            overrides.add_argument("--sampler", required=True, choices=SAMPLERS)
            overrides.add_argument("--seed", required=True, type=seed_int, metavar="K")
        overrides.add_argument("--trials", type=positive_int, metavar="N", help="finished (complete + pruned) trials per study")
        overrides.add_argument("--epochs", type=positive_int, metavar="N", help="training epochs per trial")
        overrides.add_argument("--pruner", metavar="NAME[:k=v,...]", help="median (default), none, percentile, successive_halving, hyperband; e.g. median:n_warmup_steps=3,n_startup_trials=5")
        where = sub.add_argument_group("where things are")
        where.add_argument("--storage", metavar="URL|PATH", help="SQLite file path or storage URL (default: runs/STUDY.db)")
        where.add_argument("--device", default="auto", help="auto (CUDA when present, else CPU), cpu, cuda, cuda:N, mps (default: auto)")
        where.add_argument("--data-dir", default="data", type=Path, help="torchvision datasets live under DIR/<Dataset>/ (default: data)")
        where.add_argument("--no-download", dest="download", action="store_false", help="never try to download a missing dataset")
        sub.add_argument("--no-progress", dest="progress", action="store_false", default=None, help="no progress bar (it is shown on terminals only anyway)")
        sub.add_argument("-v", "--verbose", action="store_true", help="show Optuna's log line for every trial")

    commands.add_parser("studies", help="list the study scripts in studies/")
    return parser


def main(argv: list[str] | None = None, *, study: StudySpec | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if study is not None and not argv:
        argv = ["compare"]  # `python studies/NAME.py` runs the comparison
    parser = build_parser(study)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        raise SystemExit(EXIT_USAGE)
    try:
        if args.command == "studies":
            print("\n".join(available()))
            return
        spec = apply_overrides(study or load_study_spec(args.study), args)
        run_command(spec, args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    except KeyboardInterrupt:
        print("\ninterrupted: the running trial is marked FAIL and finished trials are kept; rerun the same command to resume", file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None


def apply_overrides(spec: StudySpec, args: argparse.Namespace) -> StudySpec:
    changes = {k: getattr(args, k) for k in ("trials", "epochs") if getattr(args, k) is not None}
    if args.command == "compare":
        changes.update({k: getattr(args, k) for k in ("samplers", "seeds") if getattr(args, k) is not None})
    if args.pruner is not None:
        name, settings = parse_pruner(args.pruner)
        # Same pruner: the command line adjusts the script's settings. Another pruner: starts from its defaults.
        changes["pruner_settings"] = {**spec.pruner_settings, **settings} if name == spec.pruner else settings
        changes["pruner"] = name
    return dataclasses.replace(spec, **changes) if changes else spec


def run_command(spec: StudySpec, args: argparse.Namespace) -> None:
    if not args.verbose:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    arms = spec.arms() if args.command == "compare" else [spec.arm(args.sampler, args.seed)]
    options = RunOptions(
        storage_url=resolve_storage(args.storage, spec.name),
        device=resolve_device(args.device),
        data_dir=args.data_dir,
        download=args.download,
    )
    progress = Progress(spec.name, bar=args.progress)

    def start(remaining: int) -> None:  # called once the data, storage and stored configs checked out
        samplers = ", ".join(dict.fromkeys(a.sampler for a in arms))
        print(
            f"{spec.name}: {spec.objective.__name__.rsplit('.', 1)[-1]} on {spec.dataset}; {samplers} × "
            f"{len({a.seed for a in arms})} seed(s); {spec.trials} trials of up to {spec.epochs} epochs per study; "
            f"{spec.pruner} pruner; {options.device}; {redact(options.storage_url)}; {remaining} trials to run",
            flush=True,
        )
        progress.start(remaining)

    try:
        run_arms(spec, arms, options, on_start=start, on_trial=progress.trial)
    finally:
        progress.close()
    print_summary(spec, arms, options.storage_url)


def print_summary(spec: StudySpec, arms: list, storage_url: str) -> None:
    trials = analysis.load_trials(storage_url, [a.study_name for a in arms])
    best = analysis.best_per_study(trials)
    print()
    print(format_sampler_table(analysis.sampler_table(best)))
    if len({a.sampler for a in arms}) > 1:
        print()
        for line in analysis.verdict(best):
            print(f"Verdict: {line}")
    print()
    path = sqlite_path(storage_url)
    print(f"Results: {path if path else redact(storage_url)} ({len(arms)} Optuna studies, value = final validation loss)")
    print(f"Browse:  .venv/bin/optuna-dashboard {redact(storage_url)}")
