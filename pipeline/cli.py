"""Command line: ``tune compare STUDY``, ``tune run STUDY``, ``tune report STUDY``, ``tune dashboard STUDY``,
``tune best STUDY``, ``tune retrain STUDY``, ``tune trial STUDY``, ``tune lr-find STUDY``, ``tune studies``.

Bad input ends with one ``error: ...`` line and exit code 2, before anything is stored (pipeline/exits.py).
What a run shows — the progress bar, the tables, the verdict, the report and the study notes — is made here,
after the run, from one analysis of the comparison: the run layer (pipeline/run/) imports none of it.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

# Only light modules at the top: `tune --help`, `--version` and argparse's refusals answer without torch,
# Optuna or pandas; each command imports what it needs.
from pipeline.choices import (
    BASELINE,
    CHECKPOINTS,
    DEFAULT_HOST,
    DEFAULT_PORT,
    EVALUATORS,
    MAX_SEED,
    MAX_SEEDS,
    SAMPLERS,
)
from pipeline.errors import StorageFault, UsageError
from pipeline.exits import EXIT_USAGE, run_or_exit
from pipeline.study_scripts import everywhere, load_study_spec

if TYPE_CHECKING:
    from pipeline.config import StudySpec
    from pipeline.storage import Storage

SQLITE_SENSIBLE_WORKERS = 4
TRIAL_VIEWS = "pipeline.dashboard:trial_views"  # what worker processes wrap their objectives with
THREADS_HELP = (
    "torch threads per trial (default: chosen per trial: one for a small model, else this worker's share of the "
    "cores that are free; each trial records its count in its 'threads' attr)"
)

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
  tune compare digits_mlp --samplers random,tpe,grid   # a grid arm too (27 points)
  tune lr-find digits_mlp                      # which learning rates are worth searching (--lr-range auto)
  tune run digits_mlp --sampler tpe --seed 0   # one Optuna study
  tune report digits_mlp                       # write runs/digits_mlp.html: verdict, statistics, figures
  tune dashboard digits_mlp                    # browse runs/digits_mlp.db on http://127.0.0.1:8080/dashboard/
  tune best digits_mlp --export best.json      # the best configuration overall and per sampler, as JSON too
  tune retrain digits_mlp                      # retrain the best on train + validation, test it once
  tune trial digits_mlp --study-name digits_mlp-tpe-seed0 --number 7 --retrain   # one trial, again, exactly
  tune studies                                 # the study scripts: ./studies/ here, then the bundled ones"""


class Parser(argparse.ArgumentParser):
    """argparse that reports bad input on one line instead of usage + error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _int_in(text: str, low: int, high: float, expected: str) -> int:
    """``text`` as an integer from ``low`` to ``high``, else argparse's one-line refusal naming ``expected``."""
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    return _int_in(text, 1, float("inf"), "a positive integer")


def seed_int(text: str) -> int:
    return _int_in(text, 0, MAX_SEED, f"a seed, an integer from 0 to {MAX_SEED}")


def trial_number(text: str) -> int:
    return _int_in(text, 0, float("inf"), "a trial number (an integer >= 0)")


def sampler_list(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    for name in names:
        if name not in SAMPLERS:
            raise argparse.ArgumentTypeError(f"unknown sampler {name!r} (choose from: {', '.join(SAMPLERS)})")
        if names.count(name) > 1:
            raise argparse.ArgumentTypeError(f"sampler {name!r} is named twice in {text!r}; name each sampler once")
    if not names:
        raise argparse.ArgumentTypeError(f"name at least one sampler (choose from: {', '.join(SAMPLERS)})")
    return names


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return value


def lr_range_arg(text: str) -> tuple[float, float] | str:
    """``auto`` or ``LOW,HIGH`` with 0 < LOW < HIGH."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        low = high = -1.0
    if not 0 < low < high < float("inf"):
        raise argparse.ArgumentTypeError(
            f"expected auto or LOW,HIGH with 0 < LOW < HIGH (e.g. 1e-3,3e-2), got {text!r}"
        )
    return low, high


def early_stopping_arg(text: str) -> dict | str:
    """``PATIENCE`` or ``PATIENCE,MIN_DELTA`` → the StudySpec setting; ``off`` → the string "off"."""
    if text.strip().lower() == "off":
        return "off"
    patience, _, delta = text.partition(",")
    try:
        setting = {"patience": int(patience), "min_delta": float(delta) if delta else 0.0}
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected PATIENCE or PATIENCE,MIN_DELTA (e.g. 3 or 3,0.001) or off, got {text!r}"
        ) from None
    return setting


def data_options(parser: argparse.ArgumentParser) -> None:
    """--device, --data-dir and --no-download, for the commands that load data outside compare and run."""
    parser.add_argument("--device", default="auto", help="auto (CUDA when present, else CPU), cpu, cuda, cuda:N, mps")
    parser.add_argument("--data-dir", default="data", type=Path, help="torchvision datasets live under DIR/")
    parser.add_argument("--no-download", dest="download", action="store_false", help="never try to download")


def json_object(text: str) -> dict:
    import json

    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a JSON object, e.g. '{{\"width\": 128}}': {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object of parameter names and values, got {text!r}")
    return value


def port_int(text: str) -> int:
    return _int_in(text, 0, 65535, "a port number 0-65535 (0: any free port)")


def version_line() -> str:
    """``tune 0.1.0 (optuna 5.0.0, torch 2.14.1, Python 3.11.7)``, read from the installed packages' metadata."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from pipeline import __version__

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    libraries = ", ".join(f"{name} {installed(name)}" for name in ("optuna", "optuna-dashboard", "torch"))
    return f"tune {__version__} ({libraries}, Python {platform.python_version()})"


def build_parser(study: StudySpec | None = None) -> Parser:
    prog = Path(sys.argv[0]).name if study is not None else "tune"
    parser = Parser(
        prog=prog,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    # allow_abbrev=False everywhere: "--seed" must not silently mean "--seeds".
    parser.add_argument("--version", action="version", version=version_line())
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=functools.partial(Parser, allow_abbrev=False)
    )

    compare = commands.add_parser(
        "compare",
        help="run every sampler on every seed and compare them",
        description="Run every sampler × seed as separate Optuna studies in one storage, resuming any that "
        "exist, then print the per-sampler table and the verdict.",
    )
    run = commands.add_parser(
        "run",
        help="run one Optuna study (one sampler, one seed)",
        description="Run (or resume) a single Optuna study: one sampler, one seed.",
    )
    for sub in (compare, run):
        if study is None:
            sub.add_argument(
                "study",
                metavar="STUDY",
                help=f"a study script name ({', '.join(everywhere())}; ./studies/ first) or a path to one",
            )
        overrides = sub.add_argument_group("override the study script")
        if sub is compare:
            overrides.add_argument(
                "--samplers",
                type=sampler_list,
                help=f"comma-separated, from: {', '.join(SAMPLERS)} (default: the script's, usually random,tpe)",
            )
            overrides.add_argument(
                "--seeds",
                type=positive_int,
                metavar="N",
                help=f"number of paired seeds 0..N-1, at most {MAX_SEEDS} (default: the script's, usually 5)",
            )
        else:
            overrides.add_argument("--sampler", required=True, choices=SAMPLERS)
            overrides.add_argument("--seed", required=True, type=seed_int, metavar="K")
        overrides.add_argument(
            "--trials", type=positive_int, metavar="N", help="finished (complete + pruned) trials per study"
        )
        overrides.add_argument("--epochs", type=positive_int, metavar="N", help="training epochs per trial")
        overrides.add_argument(
            "--timeout",
            type=positive_seconds,
            metavar="SECONDS",
            help="a time budget per study for this run, as Optuna's timeout: no new trial once it has run that "
            "long (the running one finishes); the trial budget still caps it. Rerun to continue",
        )
        overrides.add_argument(
            "--lr-range",
            type=lr_range_arg,
            metavar="auto|LOW,HIGH",
            help="search the learning rate only in LOW..HIGH (log scale; default 1e-5..1e-1), or 'auto': run "
            "'tune lr-find' first and use the range it suggests. Stored on the studies",
        )
        overrides.add_argument(
            "--early-stopping",
            type=early_stopping_arg,
            metavar="PATIENCE[,MIN_DELTA]",
            help="end a trial, COMPLETE, once its validation loss has not fallen by more than MIN_DELTA (default "
            "0) for PATIENCE epochs; off turns off a script's setting. Stored on the studies",
        )
        overrides.add_argument(
            "--pruner",
            metavar="NAME[:k=v,...]",
            help="median (default), median-accuracy (our own: on validation accuracy), none, patient, percentile, "
            "successive_halving, hyperband, wilcoxon; e.g. "
            "median:n_warmup_steps=3,n_startup_trials=5",
        )
        overrides.add_argument(
            "--sampler-option",
            action="append",
            default=[],
            metavar="NAME:k=v,...",
            help="a sampler's settings over its defaults, e.g. tpe:n_startup_trials=5 (repeat for several "
            "samplers); stored on the studies, so a resume must repeat it",
        )
        where = sub.add_argument_group("where things are")
        where.add_argument(
            "--storage", metavar="URL|PATH", help="SQLite file path or storage URL (default: runs/STUDY.db)"
        )
        where.add_argument(
            "--device",
            default="auto",
            help="auto (CUDA when present, else CPU), cpu, cuda, cuda:N, mps (default: auto)",
        )
        where.add_argument(
            "--data-dir",
            default="data",
            type=Path,
            help="torchvision datasets live under DIR/<Dataset>/ (default: data)",
        )
        where.add_argument(
            "--no-download", dest="download", action="store_false", help="never try to download a missing dataset"
        )
        sub.add_argument(
            "--checkpoints",
            choices=CHECKPOINTS,
            default="auto",
            help="when a trial saves its training state, so that a trial whose process died is retried from its "
            "last saved epoch: auto (default: after an epoch once 10 s of training have passed since the last "
            "save, so short epochs never pay for it), epoch (after every epoch), off",
        )
        sub.add_argument("--threads", type=positive_int, metavar="N", help=THREADS_HELP)
        sub.add_argument(
            "--workers",
            type=positive_int,
            default=1,
            metavar="N",
            help="worker processes sharing the studies (default: 1, reproducible); see README 'Long runs'",
        )
        if sub is compare:
            sub.add_argument(
                "--create-only",
                action="store_true",
                help="check everything and create the studies, then print the 'tune worker' command that runs "
                "them from any host (README 'Scaling out')",
            )
        sub.add_argument(
            "--no-progress",
            dest="progress",
            action="store_false",
            default=None,
            help="no progress bar (it is shown on terminals only anyway)",
        )
        sub.add_argument("-v", "--verbose", action="store_true", help="show Optuna's log line for every trial")

    worker = commands.add_parser(
        "worker",
        help="run trials of an existing comparison until every budget is met (any host, any number at once)",
        description="Join the comparison that 'tune compare ... --create-only' made in --storage: take trials of "
        "every unfinished study (all samplers, all seeds) until each has its budget, then exit 0. Start as many "
        "as you like, on as many hosts as reach the database (PostgreSQL for several hosts): each trial records "
        "its worker (host, pid), and a dead worker's trials are failed and retried. The settings come from the "
        "studies; only the study script itself must be the same on every host.",
    )
    if study is None:
        worker.add_argument("study", metavar="STUDY", help="the study script (name or path) the comparison ran")
    worker.add_argument("--storage", metavar="URL|PATH", required=True, help="the comparison's storage URL")
    data_options(worker)
    worker.add_argument("--checkpoints", choices=CHECKPOINTS, default="auto", help="as for compare (default: auto)")
    worker.add_argument("--threads", type=positive_int, metavar="N", help=THREADS_HELP)
    worker.add_argument(
        "--no-progress", dest="progress", action="store_false", default=None, help="no progress bar or lines"
    )

    dashboard = commands.add_parser(
        "dashboard",
        help="browse the studies in optuna-dashboard (on 127.0.0.1)",
        description="Serve optuna-dashboard on a study's storage, with each trial's learning curve, until "
        "Ctrl-C. It has no authentication and can delete studies: it listens on 127.0.0.1 unless --host says "
        "otherwise.",
    )
    if study is None:
        dashboard.add_argument(
            "study",
            metavar="STUDY",
            nargs="?",
            help="a study script name or path: serves its runs/STUDY.db (or pass --storage)",
        )
    dashboard.add_argument(
        "--storage", metavar="URL|PATH", help="SQLite file path or storage URL (default: runs/STUDY.db)"
    )
    dashboard.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default: {DEFAULT_HOST}; anything but loopback is warned about)",
    )
    dashboard.add_argument(
        "--port", type=port_int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0 picks a free one)"
    )

    report = commands.add_parser(
        "report",
        help="write the comparison's HTML report (works offline)",
        description="Analyze every study of STUDY in its storage (paired-seed statistics, anytime curves, "
        "pruning, importances, learning curves) and write one self-contained HTML file, verdict first.",
    )
    if study is None:
        report.add_argument(
            "study",
            metavar="STUDY",
            help="a study script name or path: reports on its runs/STUDY.db (or pass --storage)",
        )
    report.add_argument(
        "--storage", metavar="URL|PATH", help="SQLite file path or storage URL (default: runs/STUDY.db)"
    )
    report.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="PATH",
        help="where to write the HTML: a file, or a folder for the default name (default: STUDY.html beside "
        "the SQLite file)",
    )
    report.add_argument(
        "--baseline", choices=SAMPLERS, help="the sampler the others are measured against (default: random)"
    )
    report.add_argument(
        "--importance",
        choices=EVALUATORS,
        default="ped-anova",
        help="parameter importance evaluator (default: ped-anova; fanova is slower)",
    )

    trial = commands.add_parser(
        "trial",
        help="show one trial: its parameters, seeds, and the Python to train it again exactly",
        description="Print one trial's parameters and seeds and the Python that rebuilds and trains it exactly; "
        "--retrain runs that training and shows each epoch's validation loss beside the stored one.",
    )
    if study is None:
        trial.add_argument("study", metavar="STUDY", help="a study script name or path")
    trial.add_argument(
        "--study-name", required=True, metavar="NAME", help="the Optuna study, e.g. digits_mlp-tpe-seed0"
    )
    trial.add_argument("--number", required=True, type=trial_number, metavar="N", help="the trial number")
    trial.add_argument("--storage", metavar="URL|PATH", help="SQLite file path or storage URL (default: runs/STUDY.db)")
    trial.add_argument("--retrain", action="store_true", help="train it again now (CPU) and compare, epoch by epoch")

    best = commands.add_parser(
        "best",
        help="the best configuration found, overall and per sampler (table or JSON)",
        description="The best COMPLETE trial of the comparison overall and per sampler: study, trial number, "
        "validation loss and metric, epochs, parameters and where they came from (config hash, versions). "
        "Pruned trials never count.",
    )
    if study is None:
        best.add_argument("study", metavar="STUDY", help="a study script name or path")
    best.add_argument("--storage", metavar="URL|PATH", help="SQLite file path or storage URL (default: runs/STUDY.db)")
    best.add_argument("--format", choices=("table", "json"), default="table", help="what to print (default: table)")
    best.add_argument("--export", type=Path, metavar="PATH", help="also write the JSON to PATH (e.g. best.json)")

    retrain = commands.add_parser(
        "retrain",
        help="retrain the best configuration on training + validation data, then test it once",
        description="Retrain a trial's configuration (default: the best COMPLETE trial, as 'tune best' shows it) "
        "on the training and validation data together for its epochs with its torch seed, evaluate it once on "
        "the held-out test split, and save the weights (a state_dict) and the test figures beside the storage, "
        "recorded on the study too. A second retrain of the same trial shows that result instead of reading "
        "the test split again; --force retrains.",
    )
    if study is None:
        retrain.add_argument("study", metavar="STUDY", help="a study script name or path")
    retrain.add_argument(
        "--trial", metavar="STUDY_NAME:N", help="another trial, e.g. digits_mlp-tpe-seed0:7 (default: the best)"
    )
    retrain.add_argument(
        "--storage", metavar="URL|PATH", help="SQLite file path or storage URL (default: runs/STUDY.db)"
    )
    data_options(retrain)
    retrain.add_argument("--force", action="store_true", help="retrain and test again even if done before")

    lr = commands.add_parser(
        "lr-find",
        help="the learning-rate range test: which learning rates are worth searching",
        description="Train the study's model (its objective module's DEFAULTS, or --params / --trial) for one "
        "pass over the training data — at least 200 batches — while the learning rate rises exponentially from "
        "1e-7 to 10, stopping when the smoothed loss blows up. Prints the suggested range, from the steepest "
        "descent to the lowest loss before divergence, and writes a figure of loss against learning rate. "
        "Validation and test data are not touched.",
    )
    if study is None:
        lr.add_argument("study", metavar="STUDY", help="a study script name or path")
    lr.add_argument(
        "--params", type=json_object, metavar="JSON", help="parameters over the defaults, e.g. '{\"width\": 128}'"
    )
    lr.add_argument("--trial", metavar="STUDY_NAME:N", help="a stored trial's parameters, e.g. digits_mlp-tpe-seed0:7")
    lr.add_argument("--storage", metavar="URL|PATH", help="where --trial is (default: runs/STUDY.db)")
    lr.add_argument("-o", "--output", type=Path, metavar="PATH", help="the figure (default: runs/STUDY-lr-find.html)")
    data_options(lr)

    commands.add_parser("studies", help="list the study scripts: ./studies/ of this folder, then the bundled ones")
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
    run_or_exit(lambda: dispatch(args, study))


def dispatch(args: argparse.Namespace, study: StudySpec | None) -> None:
    if args.command == "studies":
        print("\n".join(everywhere()))
    elif args.command == "dashboard":
        dashboard_command(args, study)
    elif args.command == "report":
        report_command(args, study)
    elif args.command == "trial":
        trial_command(args, study)
    elif args.command == "best":
        best_command(args, study)
    elif args.command == "retrain":
        retrain_command(args, study)
    elif args.command == "lr-find":
        lr_find_command(args, study)
    elif args.command == "worker":
        worker_command(args, study)
    else:
        from pipeline.run.standby import call_off, start_standby

        # The other workers start now: their seconds of imports pass while this process loads the study.
        workers = 0 if getattr(args, "create_only", False) else getattr(args, "workers", 1) - 1
        standby = start_standby(workers, preload=(TRIAL_VIEWS.partition(":")[0],))
        try:
            spec = apply_overrides(study or load_study_spec(args.study), args)
            run_command(spec, args, study_ref=_study_ref(args, study), standby=standby)
        finally:
            call_off(standby)  # those that got no work (bad input, --create-only, a refused resume)


def _study_ref(args: argparse.Namespace, study: StudySpec | None) -> str | None:
    """How a worker process finds the same study script: its name, or the running script's path."""
    if study is None:
        return args.study
    script = getattr(sys.modules["__main__"], "__file__", None)
    return os.path.abspath(script) if script else None


def dashboard_command(args: argparse.Namespace, study: StudySpec | None) -> None:
    from pipeline.dashboard import serve
    from pipeline.storage import resolve_storage

    name = study.name if study is not None else load_study_spec(args.study).name if args.study else None
    if name is None and args.storage is None:
        raise UsageError("name a study (e.g. 'tune dashboard digits_mlp') or pass --storage URL|PATH")
    storage = resolve_storage(args.storage, name, access="existing")  # writes notes, never the schema
    if not storage.writable:
        storage = dataclasses.replace(storage, access="read")
        print(f"{storage.file} is read-only: the dashboard shows it as it is, without saving notes", file=sys.stderr)

    def listening(address: str) -> None:
        print(f"optuna-dashboard on {storage.display}, learning curves from {storage.artifact_dir}/", flush=True)
        print(f"Open {address}  (Ctrl-C stops it)", flush=True)

    try:
        serve(storage, host=args.host, port=args.port, on_listening=listening)
    except KeyboardInterrupt:
        print("\ndashboard stopped", file=sys.stderr)


def report_command(args: argparse.Namespace, study: StudySpec | None) -> None:
    from pipeline import analysis
    from pipeline.report import write_report
    from pipeline.storage import resolve_storage

    name = study.name if study is not None else load_study_spec(args.study).name
    storage = resolve_storage(args.storage, name, access="read")  # a report changes nothing stored
    output = args.output or storage.report_path(name)
    if output.is_dir():  # -o DIR: the default file name, in that folder
        output = output / storage.report_path(name).name
    if args.output and not output.parent.is_dir():
        raise UsageError(f"report directory {output.parent}/ does not exist (create it, or pass another --output)")
    result = analysis.analyze(storage, name, baseline=args.baseline or BASELINE, importance=args.importance)
    if args.baseline and args.baseline not in result.samplers:
        raise UsageError(f"no {args.baseline!r} arm in this comparison (choose from: {', '.join(result.samplers)})")
    write_report(result, output, storage=storage.display)
    for line in result.verdict:
        print(f"Verdict: {line}")
    print(f"Report:  {output}")


def trial_command(args: argparse.Namespace, study: StudySpec | None) -> None:
    from pipeline.console import format_params
    from pipeline.run.rerun import retrain, stored_trial
    from pipeline.storage import resolve_storage

    spec = study or load_study_spec(args.study)
    storage = resolve_storage(args.storage, spec.name, access="read")
    found = stored_trial(storage, args.study_name, args.number)
    print(f"{found.study_name} trial {found.number} ({found.state}): {format_params(found.params)}")
    print(
        f"study seed {found.seed} (data split), torch seed {found.torch_seed} (weights and batch order), "
        f"{found.epochs} epochs, validation fraction {found.val_fraction}"
    )
    print("\nTo train it again exactly:\n")
    print(found.code(_study_ref(args, study) or spec.name))
    if not args.retrain:
        return
    again = retrain(spec, found)
    print("\nepoch  stored val loss  retrained")
    for epoch, (old, new) in enumerate(zip(found.val_loss, again, strict=False), start=1):
        print(f"{epoch:>5}  {old:>15.6f}  {new:>9.6f}")
    shared = min(len(found.val_loss), len(again))
    same = all(abs(a - b) <= 1e-5 * max(1.0, abs(a)) for a, b in zip(found.val_loss, again[:shared], strict=True))
    stopped = f" (it stopped after epoch {len(found.val_loss)}: {found.state.lower()})" if shared < len(again) else ""
    print(f"\n{'the same' if same else 'DIFFERENT'} over the {shared} stored epochs{stopped}")


def best_command(args: argparse.Namespace, study: StudySpec | None) -> None:
    import json

    from pipeline.analysis.best import best_configurations
    from pipeline.console import format_best
    from pipeline.files import write_atomically
    from pipeline.storage import resolve_storage

    name = study.name if study is not None else load_study_spec(args.study).name
    storage = resolve_storage(args.storage, name, access="read")
    if args.export is not None and not args.export.parent.is_dir():
        raise UsageError(f"export directory {args.export.parent}/ does not exist (create it, or pass another --export)")
    found = best_configurations(storage, name, where=storage.display)
    text = json.dumps(found, indent=2, ensure_ascii=False)
    if args.format == "json":
        print(text)
    else:
        print(format_best(found))
    if args.export is not None:
        write_atomically(args.export, text + "\n")
        print(f"Exported: {args.export}", file=sys.stderr if args.format == "json" else sys.stdout)


def retrain_command(args: argparse.Namespace, study: StudySpec | None) -> None:
    from pipeline.analysis.best import best_configurations
    from pipeline.dashboard import write_notes
    from pipeline.device import resolve_device
    from pipeline.final import retrain_and_test
    from pipeline.run.rerun import stored_trial
    from pipeline.storage import resolve_storage

    spec = study or load_study_spec(args.study)
    storage = resolve_storage(args.storage, spec.name, access="existing")  # records the result on the study
    if args.trial is None:
        chosen = best_configurations(storage, spec.name, where=storage.display)["best"]
        study_name, number = chosen["study_name"], chosen["number"]
    else:
        study_name, number = _trial_ref(args.trial, spec)
    found = stored_trial(storage, study_name, number)
    result = retrain_and_test(
        spec,
        storage,
        found,
        device=resolve_device(args.device),
        data_dir=args.data_dir,
        download=args.download,
        force=args.force,
    )
    if not result.again:
        write_notes(storage, spec.name)  # the study's note in optuna-dashboard shows the test figures
    for line in result.lines():
        print(line)
    if result.again:
        print("(the test split is read once per trial; pass --force to retrain and test again)")


def worker_command(args: argparse.Namespace, study: StudySpec | None) -> None:
    import socket

    import optuna

    from pipeline.console import Progress
    from pipeline.dashboard import trial_views, write_notes
    from pipeline.data import load_raw
    from pipeline.device import resolve_device
    from pipeline.run.driver import RunOptions, run_worker
    from pipeline.run.work import stored_comparison
    from pipeline.storage import resolve_storage
    from pipeline.trial_states import FINISHED

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    script = study or load_study_spec(args.study)
    storage = resolve_storage(args.storage, script.name, access="existing")
    spec, arms = stored_comparison(storage, script)
    options = RunOptions(
        storage=storage,
        device=resolve_device(args.device),
        data_dir=args.data_dir,
        download=args.download,
        trial_views=trial_views,
        checkpoints=args.checkpoints,
        threads=args.threads,
    )
    raw = load_raw(spec.dataset, options.data_dir, download=options.download)
    me = f"{socket.gethostname()}:{os.getpid()}"
    print(f"worker {me}: {len(arms)} studies of {spec.name} in {storage.display}", flush=True)
    progress = Progress(spec.name, bar=args.progress)
    ran = 0

    def counted(event) -> None:
        nonlocal ran
        ran += 1
        progress.trial(event)

    studies = {arm.study_name: optuna.load_study(study_name=arm.study_name, storage=storage.open()) for arm in arms}
    finished = {name: len(study.get_trials(deepcopy=False, states=FINISHED)) for name, study in studies.items()}
    progress.start(sum(max(0, spec.budget(arm.sampler) - finished[arm.study_name]) for arm in arms))
    try:
        _outlasting_outages(
            lambda: run_worker(spec, arms, options, raw=raw, worker_index=0, workers=1, on_trial=counted), me
        )
    finally:
        progress.close()
    write_notes(storage, spec.name)  # the last worker to finish leaves each study's note with its verdict
    print(f"worker {me}: every study has its budget; {ran} trials ran here", flush=True)


def _outlasting_outages(work, me: str) -> None:
    """Run ``work``; when the database goes away, say so once and retry with backoff (1, 2, 4 … 15 s) for up to
    ``TUNE_DB_RETRY_S`` seconds (default 120) in a row, then give up with the fault's one line (exit 1).
    Finished trials are in the database already; the trial that was running is retried (run/recovery.py)."""
    import time

    from pipeline.storage import connection_lost

    patience = float(os.environ.get("TUNE_DB_RETRY_S", 120))
    lost_at, wait = None, 1.0
    while True:
        started = time.monotonic()
        try:
            return work()
        except Exception as exc:  # noqa: BLE001 (only a lost connection is retried; anything else re-raised)
            fault = connection_lost(exc)
            if fault is None:
                raise
            now = time.monotonic()
            if lost_at is not None and now - started > wait + 5:  # it was back and ran a while: a new outage
                lost_at, wait = None, 1.0
            if lost_at is None:
                lost_at = now
                print(
                    f"worker {me}: {fault.split(';')[0]}; retrying for up to {patience:g} s",
                    file=sys.stderr,
                    flush=True,
                )
            if now - lost_at >= patience:
                raise StorageFault(f"{fault} (gave up after retrying for {patience:g} s)") from None
            time.sleep(min(wait, max(0.0, lost_at + patience - now)))
            wait = min(2 * wait, 15.0)


def lr_find_command(args: argparse.Namespace, study: StudySpec | None) -> None:
    from pipeline.device import resolve_device
    from pipeline.lr_find import lr_find, write_figure

    spec = study or load_study_spec(args.study)
    params = dict(args.params or {})
    if args.trial is not None:
        from pipeline.run.rerun import stored_trial
        from pipeline.storage import resolve_storage

        study_name, number = _trial_ref(args.trial, spec)
        params = {
            **stored_trial(resolve_storage(args.storage, spec.name, access="read"), study_name, number).params,
            **params,
        }
    found = lr_find(
        spec, params=params, device=resolve_device(args.device), data_dir=args.data_dir, download=args.download
    )
    output = args.output or Path("runs") / f"{spec.name}-lr-find.html"
    if output.is_dir():
        output = output / f"{spec.name}-lr-find.html"
    output.parent.mkdir(parents=True, exist_ok=True)
    write_figure(found, output)
    for line in found.lines(output):
        print(line)


def _trial_ref(text: str, spec: StudySpec) -> tuple[str, int]:
    """``STUDY_NAME:N`` → (study name, trial number), or a UsageError showing the form."""
    study_name, _, number = text.rpartition(":")
    if not study_name or not number.isdigit():
        raise UsageError(f"--trial {text!r}: write STUDY_NAME:N, e.g. {spec.name}-tpe-seed0:7")
    return study_name, int(number)


def apply_overrides(spec: StudySpec, args: argparse.Namespace) -> StudySpec:
    from pipeline.pruners import parse_pruner
    from pipeline.samplers import parse_sampler_option

    changes = {k: getattr(args, k) for k in ("trials", "epochs") if getattr(args, k) is not None}
    if args.early_stopping is not None:
        changes["early_stopping"] = None if args.early_stopping == "off" else args.early_stopping
    if args.lr_range == "auto":
        from pipeline.device import resolve_device
        from pipeline.lr_find import lr_find

        found = lr_find(spec, device=resolve_device(args.device), data_dir=args.data_dir, download=args.download)
        print(f"lr-find: searching the learning rate in {found.low:.2e}..{found.high:.2e} (tune lr-find {spec.name} "
              "shows the sweep)", flush=True)  # fmt: skip
        changes["lr_range"] = (found.low, found.high)
    elif args.lr_range is not None:
        changes["lr_range"] = args.lr_range
    if args.command == "compare":
        changes.update({k: getattr(args, k) for k in ("samplers", "seeds") if getattr(args, k) is not None})
    options = {sampler: dict(settings) for sampler, settings in spec.sampler_options.items()}
    if args.command == "run":
        changes["samplers"] = (args.sampler,)  # the one arm this runs
        options = {args.sampler: options[args.sampler]} if args.sampler in options else {}
        changes["sampler_options"] = options
    if args.sampler_option:
        for text in args.sampler_option:
            name, settings = parse_sampler_option(text)
            options[name] = {**options.get(name, {}), **settings}
        changes["sampler_options"] = options
    if args.pruner is not None:
        name, settings = parse_pruner(args.pruner)
        # Same pruner: the command line adjusts the script's settings. Another pruner: starts from its defaults.
        changes["pruner_settings"] = {**spec.pruner_settings, **settings} if name == spec.pruner else settings
        changes["pruner"] = name
    return dataclasses.replace(spec, **changes) if changes else spec


def run_command(
    spec: StudySpec, args: argparse.Namespace, *, study_ref: str | None, standby: list | None = None
) -> None:
    import optuna

    from pipeline.console import Progress
    from pipeline.dashboard import trial_views
    from pipeline.data import dataset_name
    from pipeline.device import resolve_device
    from pipeline.run.driver import RunOptions, run_arms
    from pipeline.run.workers import run_parallel
    from pipeline.storage import resolve_storage

    # Optuna's per-trial lines (and its warning for every failed trial) would bury the progress bar;
    # we report failures ourselves. --verbose brings them back.
    optuna.logging.set_verbosity(optuna.logging.INFO if args.verbose else optuna.logging.ERROR)
    arms = spec.arms() if args.command == "compare" else [spec.arm(args.sampler, args.seed)]
    options = RunOptions(
        storage=resolve_storage(args.storage, spec.name),
        device=resolve_device(args.device),
        data_dir=args.data_dir,
        download=args.download,
        trial_views=trial_views,  # a learning curve and an end note on every trial, for optuna-dashboard
        timeout=args.timeout,
        checkpoints=args.checkpoints,
        threads=args.threads,
    )
    progress = Progress(spec.name, bar=args.progress)

    def start(remaining: int) -> None:  # called once the data, storage and stored configs checked out
        samplers = ", ".join(dict.fromkeys(a.sampler for a in arms))
        grid = f" (grid: its {spec.budget('grid')} points)" if any(a.sampler == "grid" for a in arms) else ""
        print(
            f"{spec.name}: {spec.objective.__name__.rsplit('.', 1)[-1]} on {dataset_name(spec.dataset)}; {samplers} × "
            f"{len({a.seed for a in arms})} seed(s); {spec.trials} trials{grid} of up to {spec.epochs} epochs per "
            "study; "
            f"{spec.pruner} pruner; {options.device}; {options.storage.display}; {remaining} trials to run",
            flush=True,
        )
        progress.start(remaining)

    if getattr(args, "create_only", False):
        from pipeline.run.driver import prepare

        _, remaining = prepare(spec, arms, options)
        script = study_ref or spec.name
        print(
            f"{spec.name}: {len(arms)} studies ready in {options.storage.display}, {sum(remaining.values())} trials "
            f"to run. Start workers on any host that reaches the database (the same study script there):\n"
            f"  tune worker {script} --storage {options.storage.display}"
            + ("   # with your password where *** is" if "***" in options.storage.display else "")
        )
        return
    notes: list[str] = []
    try:
        if args.workers == 1:
            run_arms(spec, arms, options, on_start=start, on_trial=progress.trial)
        else:
            if study_ref is None:
                raise UsageError("--workers needs a study script run from a shell (python studies/NAME.py ...)")
            warn_about_workers(args.workers, options.storage)
            notes = run_parallel(
                study_ref,
                spec,
                arms,
                options,
                args.workers,
                trial_views=TRIAL_VIEWS,
                on_start=start,
                on_trial=progress.trial,
                standby=standby,
            )
    finally:
        progress.close()
    for note in notes:
        print(f"warning: {note}", file=sys.stderr)
    print_summary(spec, arms, options.storage, report=args.command == "compare")


def warn_about_workers(workers: int, storage: Storage) -> None:
    cores = os.cpu_count() or 1
    if workers > cores:
        print(f"warning: {workers} workers on {cores} CPU cores: they will mostly wait for each other", file=sys.stderr)
    if storage.kind == "sqlite" and workers > SQLITE_SENSIBLE_WORKERS:
        print(
            f"warning: {workers} workers share one SQLite file and queue for its write lock; for many workers "
            "use a journal file (--storage runs/NAME.log)",
            file=sys.stderr,
        )


def how_invoked(command: str, study: str) -> str:
    """``command`` for ``study`` the way this process was started, so a printed hint works as typed:
    ``python studies/x.py dashboard``, ``python -m pipeline dashboard x``, ``tune dashboard x`` (or the path
    to ``tune`` the user typed, when it is not on PATH)."""
    import shutil

    argv0 = sys.argv[0]
    if Path(argv0).name == "__main__.py":
        return f"python -m pipeline {command} {study}"
    if Path(argv0).name != "tune" and argv0.endswith(".py"):  # a study script run directly
        return f"python {argv0} {command}"
    on_path = shutil.which("tune")
    tune = "tune" if on_path and Path(on_path).resolve() == Path(argv0).resolve() else argv0
    return f"{tune} {command} {study}"


def print_summary(spec: StudySpec, arms: list, storage: Storage, *, report: bool = False) -> None:
    """The per-sampler table, each sampler's best configuration and where things are, then the verdict and
    (``report``) the HTML report's path last.

    ``compare`` analyzes every study of the script in the storage, as ``tune report``, the notes and the
    notebook do, so all of them print one verdict; that one analysis feeds the terminal, the report and the
    notes. ``run`` shows its one arm, then refreshes the notes of the whole comparison.
    """
    from pipeline import analysis
    from pipeline.console import format_best_trials, format_sampler_table
    from pipeline.dashboard import write_analysis_notes, write_notes
    from pipeline.report import write_report

    result = analysis.analyze(storage, spec.name, names=None if report else [a.study_name for a in arms])
    print()
    print(format_sampler_table(result.table, metric=result.metric))
    if len(result.best_trials):
        print()
        print("Best configuration per sampler (lowest final validation loss over its seeds):")
        print(format_best_trials(result.best_trials, metric=result.metric))
    print()
    where = storage.file if storage.file else storage.display
    print(f"Results: {where} ({len(result.studies)} Optuna studies, value = final validation loss: {result.loss})")
    where_flag = "" if storage.is_default_for(spec.name) else f" --storage {storage.display}"
    print(f"Browse:  {how_invoked('dashboard', spec.name)}{where_flag}")
    if result.verdict:
        print()
        for line in result.verdict:
            print(f"Verdict: {line}")
    if not report:
        write_notes(storage, spec.name)
        return
    path = write_report(result, storage.report_path(spec.name), storage=storage.display)
    write_analysis_notes(result, storage)  # after the report, so the notes link it
    print(f"Report:  {path}")
