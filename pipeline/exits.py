"""How a command ends: every exception that means "stop" becomes one message and an exit code.

Used by ``tune`` (cli.py) and by worker processes (run/work.py), so both end the same way.
"""

from __future__ import annotations

import signal
import sys
import traceback
from collections.abc import Callable

from pipeline.errors import RunStopped, Terminated, TrialCrashed, UsageError

EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 1, 2, 130, 143


def run_or_exit(command: Callable[[], None], *, say_stopped: bool = True) -> None:
    """Run ``command``; bad input, signals, crashed trials and stopped runs exit with one line and a code.

    SIGTERM is raised as ``Terminated`` (a ``KeyboardInterrupt``), so Optuna's trial ends like on Ctrl-C.
    ``say_stopped``: print the "stopped by" line (a worker leaves it to its parent, which says it once).
    """
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        command()
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    except KeyboardInterrupt as exc:
        code, name = (EXIT_TERMINATED, "SIGTERM") if isinstance(exc, Terminated) else (EXIT_INTERRUPTED, "Ctrl-C")
        if say_stopped:
            print(
                f"\nstopped by {name}: the running trial is marked FAIL, finished trials are kept; "
                "rerun the same command to resume",
                file=sys.stderr,
            )
        raise SystemExit(code) from None
    except TrialCrashed as exc:
        traceback.print_exception(exc.__cause__)  # a bug in the objective: show where
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_FAILED) from None
    except RunStopped as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_FAILED) from None


def _raise_terminated(signum, frame) -> None:
    raise Terminated()
