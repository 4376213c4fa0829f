"""Tune PyTorch models with Optuna: objective modules, per-epoch pruning, Random vs TPE on paired seeds.

A study script declares a ``StudySpec`` and calls ``main(STUDY)``; see README.md.
"""

__version__ = "0.1.0"

import os  # noqa: E402
import sys  # noqa: E402

# An idle OpenMP thread sleeps instead of spinning on a core another process may need: beside another
# CPU-heavy process, spinning made trials many times slower (run/threads.py). Read when torch loads its
# OpenMP runtime, so it is set here, before anything imports torch; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _one_line_hook(kind, value, traceback) -> None:
    """What reaches the top of a process before ``tune`` can catch it, ended as ``tune`` would: a Ctrl-C
    while the libraries still load (nothing written yet) exits 130 with one line; a study script run directly
    (``python my_study.py``) whose ``StudySpec`` is bad raises at import, before ``main`` can catch it: one
    ``error:`` line and exit code 2. Neither prints a traceback."""
    if isinstance(value, KeyboardInterrupt):
        print("\nstopped by Ctrl-C before anything was written", file=sys.stderr, flush=True)
        os._exit(130)
    if isinstance(value, UsageError):
        sys.stdout.flush()
        print(f"error: {value}", file=sys.stderr, flush=True)
        os._exit(2)
    _previous_hook(kind, value, traceback)


_previous_hook, sys.excepthook = sys.excepthook, _one_line_hook  # before the imports below: they take seconds

from pipeline.errors import UsageError  # noqa: E402


def __getattr__(name: str):
    """``from pipeline import StudySpec`` loads it (and torch) when a study script asks, not at every import:
    ``tune --help`` and ``tune --version`` answer without torch."""
    if name == "StudySpec":
        from pipeline.config import StudySpec

        return StudySpec
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")


def main(study: "StudySpec | None" = None, argv: list[str] | None = None) -> None:  # noqa: F821
    """The command line (``tune``), for one study script's ``STUDY`` when given."""
    from pipeline.cli import main as cli_main

    cli_main(argv, study=study)


__all__ = ["StudySpec", "main"]
