"""Claiming a trial: under the storage's gate, recover stale trials, count, and create the trial.

It reads the study once when nothing is RUNNING (one worker between its trials: nothing can be stale).

Everything that keeps a study at exactly its budget with many workers happens in :func:`claim_trial`,
in one ``with`` block: the gate is taken and released in the same scope. A trial is created with
``study.ask()`` and its relative sampling done at once, under the gate (so TPE's constant liar and QMC's
sequence counter see every other worker's claimed trial), and it records its worker
before the gate opens again, so another worker that sees it RUNNING can tell whose it is
(run/recovery.py relies on that: a RUNNING trial without a worker record was orphaned).
"""

from __future__ import annotations

import warnings

import optuna
from optuna.trial import TrialState

from pipeline.exits import signals_deferred
from pipeline.run.gate import Gate
from pipeline.run.recovery import WorkerId, recover_stale_trials
from pipeline.trial_states import CLAIMED


def claim_trial(study: optuna.Study, gate: Gate, *, budget: int, worker: WorkerId) -> optuna.Trial | None:
    """A new trial of ``study`` for ``worker``, or None once finished and running trials fill ``budget``.

    Ctrl-C and SIGTERM wait until the claim is complete (one between ``ask()`` and the worker record would
    leave a trial nobody owns); then the new trial is marked FAIL, never left RUNNING, and the signal goes on.
    """
    trial = None
    try:
        with signals_deferred(), gate:
            claimed = study.get_trials(deepcopy=False, states=CLAIMED)
            running = [t for t in claimed if t.state == TrialState.RUNNING]
            if running:  # another worker's, or a lost one of ours
                recover_stale_trials(study, claiming=worker, running=running)
                claimed = study.get_trials(deepcopy=False, states=CLAIMED)  # what recovery failed no longer counts
            if len(claimed) >= budget:
                return None
            with warnings.catch_warnings():  # "heartbeat is supposed to be used with optimize": we beat (outcome.py)
                warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be used with")
                trial = study.ask()
            trial.relative_params  # noqa: B018  sample now, under the gate (Optuna samples at the first suggest_*)
            trial.set_user_attr("worker", worker.to_attr())
    except KeyboardInterrupt:
        if trial is not None:
            with signals_deferred():
                trial.set_user_attr("end_reason", "stopped before it started")
                study.tell(trial, state=optuna.trial.TrialState.FAIL, skip_if_finished=True)
        raise
    return trial
