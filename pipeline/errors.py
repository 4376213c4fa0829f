"""Exceptions that cross modules: bad input, signals, and the ways a trial or a run can end early."""


class UsageError(Exception):
    """Bad input from the user. The CLI prints ``error: <message>`` on one line and exits with 2.

    Raise it before anything is written, so that a refused command changes nothing stored.
    The message names what is wrong and what is allowed.
    """


def choices_error(kind: str, value: object, choices: "list[str] | tuple[str, ...]") -> UsageError:
    """``unknown sampler 'tpee' (choose from: random, tpe, ...)``."""
    return UsageError(f"unknown {kind} {value!r} (choose from: {', '.join(choices)})")


class StorageFault(Exception):
    """The storage (or the disk under it) failed or refuses us: read-only, full, locked, unreachable. Not the
    user's typing: the CLI prints one line naming the storage and the cause, and exits with 1. Finished
    trials are kept; rerunning the same command once the cause is fixed resumes."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that Optuna marks the running trial FAIL and storage stays consistent."""


class TrialCrashed(Exception):
    """A trial raised something we did not plan for: a bug to fix. Stops the run; the trial is FAIL."""

    def __init__(self, study_name: str, number: int, params: dict, cause: BaseException) -> None:
        super().__init__(
            f"trial {number} of {study_name} raised {type(cause).__name__}: {cause} "
            f"(params: {params}); it is marked FAIL — fix the cause, then rerun the same command to resume"
        )


class TrialFailed(Exception):
    """This trial cannot run (out of memory): it ends FAIL with its reason and the study goes on."""


class RunStopped(Exception):
    """The run cannot usefully go on (e.g. every trial runs out of memory). Finished trials are kept."""
