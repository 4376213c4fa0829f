"""Running trials: create a comparison's studies, claim each trial under the storage's gate, run it,
sort its outcome; in one process or in worker processes, surviving kills and signals.

- ``driver``: ``prepare`` (check stored configurations, create every study) and ``run_worker`` (claim and
  run trials until every study has its budget);
- ``trial``: the Optuna objective, the one place that reports to a trial and asks whether to prune;
- ``outcome``: what a finished trial's end means (complete, pruned, diverged, failed, interrupted);
- ``gate``: the lock under which a trial is claimed, so budgets are exact with many workers;
- ``recovery``: trials left RUNNING by a dead worker are failed and retried;
- ``claim``: the gate taken and released around creating (and sampling) one trial;
- ``workers``: ``--workers N`` on one machine: start, supervise, read progress;
- ``work``: the worker entry point (``python -m pipeline.run.work``) and its serialisable description.
"""

from pipeline.run.driver import ArmProgress, RunOptions, prepare, run_arms, run_worker

__all__ = ["ArmProgress", "RunOptions", "prepare", "run_arms", "run_worker"]
