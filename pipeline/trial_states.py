"""Which trial states count for what, defined once (as Optuna states, and as the names tables hold)."""

from optuna.trial import TrialState

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)  # count toward a study's budget
CLAIMED = (*FINISHED, TrialState.RUNNING)  # what the gate counts before starting another trial
FINISHED_NAMES = tuple(state.name for state in FINISHED)  # in analysis tables: "COMPLETE", "PRUNED"
