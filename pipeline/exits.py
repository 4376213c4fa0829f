"""How a command ends: every exception that means "stop" becomes one message and an exit code.

Used by ``tune`` (cli.py) and by worker processes (run/work.py), so both end the same way:

- 0: done;
- 1: the run could not go on — a trial crashed (a bug: its traceback is shown), every trial failed, or the
  storage failed (read-only, disk full, locked, unreachable: one line naming it);
- 2: bad input, refused before anything was written;
- 130 / 143: stopped by Ctrl-C / SIGTERM; finished trials are kept.

Whatever the exit, rerunning the same command resumes: nothing finished is lost.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pipeline.errors import RunStopped, StorageFault, Terminated, TrialCrashed, UsageError

EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 1, 2, 130, 143
STOPPED = "finished trials are kept (a trial cut short is marked FAIL); rerun the same command to resume"
NOTHING_WRITTEN = "stopped by {} before anything was written"


def run_or_exit(command: Callable[[], None], *, say_stopped: bool = True) -> None:
    """Run ``command``; bad input, signals, crashed trials, stopped runs and storage faults exit with one line
    and a code (see the module's docstring).

    SIGTERM is raised as ``Terminated`` (a ``KeyboardInterrupt``), so a trial ends like on Ctrl-C.
    ``say_stopped``: print the "stopped by" line (a worker leaves it to its parent, which says it once).
    """
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        command()
    except UsageError as exc:
        _say(f"error: {exc}")
        raise SystemExit(EXIT_USAGE) from None
    except KeyboardInterrupt as exc:
        code, name = (EXIT_TERMINATED, "SIGTERM") if isinstance(exc, Terminated) else (EXIT_INTERRUPTED, "Ctrl-C")
        if say_stopped:
            _say(f"\nstopped by {name}: {STOPPED}" if _wrote_anything() else f"\n{NOTHING_WRITTEN.format(name)}")
        exit_now(code)
        raise SystemExit(code) from None
    except TrialCrashed as exc:
        traceback.print_exception(exc.__cause__)  # a bug in the objective: show where
        _say(f"error: {exc}")
        raise SystemExit(EXIT_FAILED) from None
    except BrokenPipeError:  # `tune studies | head`: the reader has gone; say nothing more, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        os._exit(EXIT_FAILED)
    except (RunStopped, StorageFault) as exc:
        _say(f"error: {exc}")
        raise SystemExit(EXIT_FAILED) from None
    except Exception as exc:
        from pipeline.storage import fault_message

        message = fault_message(exc) or _file_fault(exc)  # the storage, or a file we write, failed
        if message is None:
            raise
        _say(f"error: {message}")
        raise SystemExit(EXIT_FAILED) from None


def _wrote_anything() -> bool:
    """Whether this process opened a storage (and so may have written to it). Looked up, not imported:
    a Ctrl-C while the libraries still load must not wait for them."""
    storage = sys.modules.get("pipeline.storage")
    return storage is not None and storage.opened_any()


def _file_fault(exc: BaseException) -> str | None:
    """One line for a file we could not write (a report, an export, an artifact) — not a bug of ours."""
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"cannot write {exc.filename}: {exc.strerror}; fix that, then rerun the same command"
    return None


def exit_now(code: int) -> None:
    """Exit at once (stopped by a signal, or a worker done): everything is committed, and the interpreter's own
    shutdown (torch's modules, garbage collection) would keep the user waiting another second or two. Not in an
    interactive session (Jupyter, ``python -i``), which must live on."""
    if sys.flags.interactive or hasattr(sys, "ps1") or "ipykernel" in sys.modules:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _say(line: str) -> None:
    sys.stdout.flush()
    print(line, file=sys.stderr, flush=True)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while the block commits something that must not be cut in half (a finished
    trial's result, a new trial's claim, a study's creation), then act on them as they would have acted.

    Python raises a signal's exception wherever the main thread happens to be: inside Optuna's commit, that
    leaves a trial RUNNING with its result lost. Elsewhere than in the main thread this does nothing (only the
    main thread receives signals).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, lambda number, frame: caught.append(number)) for number in held}
    try:
        yield
    finally:
        for number, handler in previous.items():
            if handler is not None:  # None: a handler not set from Python; leave ours (it only records)
                signal.signal(number, handler)
    if caught:
        signal.raise_signal(caught[0])  # now, with the handler that was there: raises, or ends the process


_terminated = False  # a SIGTERM arrived (see raise_if_terminated)


def _raise_terminated(signum, frame) -> None:
    global _terminated
    _terminated = True
    raise Terminated()


def raise_if_terminated() -> None:
    """Raise ``Terminated`` again if a SIGTERM arrived whose exception was lost: one raised while a garbage
    collector callback runs (SQLAlchemy has some) is only reported by Python, and the process would go on.
    Called at safe points (after each epoch)."""
    if _terminated:
        raise Terminated()


def _quiet_when_stopping(unraisable) -> None:
    """The report Python prints for a lost exception, minus the lost SIGTERM or Ctrl-C: that one is raised
    again at the next safe point, and its traceback would only alarm."""
    if not isinstance(unraisable.exc_value, KeyboardInterrupt):
        _report_unraisable(unraisable)


_report_unraisable, sys.unraisablehook = sys.unraisablehook, _quiet_when_stopping
