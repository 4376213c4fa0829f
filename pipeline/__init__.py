"""Tune PyTorch models with Optuna: objective modules, per-epoch pruning, Random vs TPE on paired seeds.

A study script declares a ``StudySpec`` and calls ``main(STUDY)``; see README.md.
"""

__version__ = "0.1.0"

from pipeline.config import StudySpec  # noqa: E402


def main(study: StudySpec | None = None, argv: list[str] | None = None) -> None:
    """The command line (``tune``), for one study script's ``STUDY`` when given."""
    from pipeline.cli import main as cli_main

    cli_main(argv, study=study)


__all__ = ["StudySpec", "main"]
