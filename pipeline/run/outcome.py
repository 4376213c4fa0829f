"""Run one claimed trial and sort how it ended — the one place that decides what a study survives.

- returned a value → COMPLETE;
- pruned by the pruner, or diverged (the objective raises ``TrialPruned`` with a "diverged" reason) →
  PRUNED, so samplers learn the region is bad;
- ``TrialFailed`` (out of memory) → FAIL, and the study goes on;
- Ctrl-C / SIGTERM → FAIL with the reason the objective recorded, then re-raised: the run stops;
- anything else is a bug → FAIL, re-raised as ``TrialCrashed`` naming the trial: the run stops.
A trial that another worker judged stale meanwhile (and failed, re-queueing its parameters) stays FAIL.

This is what ``study.optimize`` does for one trial, written out so that claiming (run/claim.py) and
telling are ours: the heartbeat runs while the objective does, as in Optuna's own loop.
"""

from __future__ import annotations

from collections.abc import Callable

import optuna
from optuna.trial import FrozenTrial, TrialState

from pipeline.errors import TrialCrashed, TrialFailed
from pipeline.run.recovery import heartbeat

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
            _tell(study, trial, state=TrialState.FAIL)
            raise TrialCrashed(study.study_name, trial.number, trial.params, exc) from exc
    finished = _tell(study, trial, value)
    if finished.state == TrialState.COMPLETE:
        _log.info(f"Trial {trial.number} finished with value: {value} and parameters: {trial.params}.")
    return finished


def _tell(study: optuna.Study, trial: optuna.Trial, value: float | None = None, *, state: TrialState | None = None):
    """``study.tell``; a trial another worker already judged stale and failed keeps that verdict (its
    parameters were re-queued), instead of crashing this one."""
    return study.tell(trial, value, state=state, skip_if_finished=True)
