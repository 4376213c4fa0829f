"""Run one claimed trial and sort how it ended — the one place that decides what a study survives.

- returned a value → COMPLETE;
- pruned by the pruner, or diverged (the objective raises ``TrialPruned`` with a "diverged" reason) →
  PRUNED, so samplers learn the region is bad;
- ``TrialFailed`` (out of memory) → FAIL, and the study goes on;
- Ctrl-C / SIGTERM → FAIL with the reason the objective recorded, then re-raised: the run stops;
- anything else is a bug → FAIL, re-raised as ``TrialCrashed`` naming the trial: the run stops.

This is what ``study.optimize`` does for one trial, written out so that claiming (run/claim.py) and
telling are ours: the heartbeat runs while the objective does, as in Optuna's own loop.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

import optuna
from optuna.trial import FrozenTrial, TrialState

from pipeline.errors import TrialCrashed, TrialFailed
from pipeline.run.recovery import heartbeat

_log = optuna.logging.get_logger("optuna")  # --verbose shows Optuna's log: one line per trial there too


class Outcome(Enum):
    COMPLETE = "complete"
    PRUNED = "pruned"
    DIVERGED = "diverged"
    FAILED = "failed"
    INTERRUPTED = "interrupted"

    @classmethod
    def of(cls, trial: FrozenTrial) -> Outcome:
        reason = trial.user_attrs.get("end_reason", "")
        if trial.state == TrialState.COMPLETE:
            return cls.COMPLETE
        if trial.state == TrialState.PRUNED:
            return cls.DIVERGED if reason.startswith("diverged") else cls.PRUNED
        return cls.INTERRUPTED if reason.startswith("interrupted") else cls.FAILED


def run_trial(study: optuna.Study, trial: optuna.Trial, objective: Callable[[optuna.Trial], float]) -> FrozenTrial:
    """Run ``objective`` on the claimed ``trial`` and tell the study how it ended; returns the finished trial."""
    with heartbeat(study, trial):
        try:
            value = objective(trial)
        except optuna.TrialPruned:
            finished = study.tell(trial, state=TrialState.PRUNED)  # its value: the last reported loss
            _log.info(f"Trial {trial.number} pruned. {finished.user_attrs.get('end_reason', '')}")
            return finished
        except TrialFailed as exc:
            _log.warning(f"Trial {trial.number} failed: {exc}")
            return study.tell(trial, state=TrialState.FAIL)
        except KeyboardInterrupt:
            study.tell(trial, state=TrialState.FAIL)
            raise
        except Exception as exc:
            study.tell(trial, state=TrialState.FAIL)
            raise TrialCrashed(study.study_name, trial.number, trial.params, exc) from exc
    finished = study.tell(trial, value)
    _log.info(f"Trial {trial.number} finished with value: {value} and parameters: {trial.params}.")
    return finished
