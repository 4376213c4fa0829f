"""Tune PyTorch models with Optuna: objective modules, per-epoch pruning, Random vs TPE on paired seeds.

A study script declares a ``StudySpec`` and calls ``main(STUDY)``; see README.md.
"""

__version__ = "0.1.0"

import os  # noqa: E402
import sys  # noqa: E402

from pipeline.config import StudySpec  # noqa: E402
from pipeline.errors import UsageError  # noqa: E402


def _usage_error_hook(kind, value, traceback) -> None:
    """A study script run directly (``python my_study.py``) whose ``StudySpec`` is bad raises at import, before
    ``main`` can catch it: end as ``tune`` would, with one ``error:`` line and exit code 2, no traceback."""
    if isinstance(value, UsageError):
        sys.stdout.flush()
        print(f"error: {value}", file=sys.stderr, flush=True)
        os._exit(2)
    _previous_hook(kind, value, traceback)


_previous_hook, sys.excepthook = sys.excepthook, _usage_error_hook


def main(study: StudySpec | None = None, argv: list[str] | None = None) -> None:
    """The command line (``tune``), for one study script's ``STUDY`` when given."""
    from pipeline.cli import main as cli_main

    cli_main(argv, study=study)


__all__ = ["StudySpec", "main"]
