"""Run one claimed trial and sort how it ended — the one place that decides what a study survives.

- returned a value → COMPLETE;
- pruned by the pruner, or diverged (the objective raises ``TrialPruned`` with a "diverged" reason) →
  PRUNED, so samplers learn the region is bad;
- ``TrialFailed`` (out of memory) → FAIL, and the study goes on;
- Ctrl-C / SIGTERM → FAIL with the reason the objective recorded, then re-raised: the run stops;
- the storage or disk failed under it (read-only, full, locked) → FAIL if it can still be written, then
  ``StorageFault``: the run stops with one line;
- anything else is a bug → FAIL, re-raised as ``TrialCrashed`` naming the trial: the run stops.
A trial that another worker judged stale meanwhile (and failed, re-queueing its parameters) stays FAIL.

This is what ``study.optimize`` does for one trial, written out so that claiming (run/claim.py) and
telling are ours: the heartbeat runs while the objective does, as in Optuna's own loop.
"""

from __future__ import annotations

from collections.abc import Callable

import optuna
from optuna.trial import FrozenTrial, TrialState

from pipeline.errors import StorageFault, TrialCrashed, TrialFailed
from pipeline.exits import signals_deferred
from pipeline.run.recovery import heartbeat
from pipeline.storage import fault_message

_log = optuna.logging.get_logger("optuna")  # --verbose shows Optuna's log: one line per trial there too


def run_trial(study: optuna.Study, trial: optuna.Trial, objective: Callable[[optuna.Trial], float]) -> FrozenTrial:
    """Run ``objective`` on the claimed ``trial`` and tell the study how it ended; returns the finished trial."""
    with heartbeat(study, trial):
        try:
            value = objective(trial)
        except optuna.TrialPruned:
            finished = _tell(study, trial, state=TrialState.PRUNED)  # its value: the last reported loss
            _log.info(f"Trial {trial.number} pruned. {finished.user_attrs.get('end_reason', '')}")
            return finished
        except TrialFailed as exc:
            _log.warning(f"Trial {trial.number} failed: {exc}")
            return _tell(study, trial, state=TrialState.FAIL)
        except KeyboardInterrupt:
            _tell(study, trial, state=TrialState.FAIL)
            raise
        except Exception as exc:
            fault = fault_message(exc)
            if fault is not None:  # the storage or the disk failed under the trial: not a bug in it
                _fail_if_possible(study, trial)
                raise StorageFault(fault) from exc
            _tell(study, trial, state=TrialState.FAIL)
            raise TrialCrashed(study.study_name, trial.number, trial.params, exc) from exc
    finished = _tell(study, trial, value)
    if finished.state == TrialState.COMPLETE:
        _log.info(f"Trial {trial.number} finished with value: {value} and parameters: {trial.params}.")
    return finished


def _tell(study: optuna.Study, trial: optuna.Trial, value: float | None = None, *, state: TrialState | None = None):
    """``study.tell``, with Ctrl-C and SIGTERM held until the result is committed (then honoured: the trial
    is kept finished and the run stops). A trial another worker already judged stale and failed keeps that
    verdict (its parameters were re-queued), instead of crashing this one."""
    with signals_deferred():
        return study.tell(trial, value, state=state, skip_if_finished=True)


def _fail_if_possible(study: optuna.Study, trial: optuna.Trial) -> None:
    """Mark the trial FAIL if the storage still takes writes (a full disk sometimes does), so that none of
    ours is left RUNNING; if not, the next run's recovery fails and retries it (run/recovery.py)."""
    try:
        _tell(study, trial, state=TrialState.FAIL)
    except Exception:
        pass
