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
- ``work``: the worker entry point (``python -m pipeline.run.work``) and its serialisable description;
- ``standby``: worker processes started before anything else, so their start-up overlaps the parent's;
- ``threads``: how many torch threads each trial trains with.

The names below load the driver (and torch) when first used, so the light modules here stay light.
"""

__all__ = ["ArmProgress", "RunOptions", "prepare", "run_arms", "run_worker"]


def __getattr__(name: str):
    if name in __all__:
        from pipeline.run import driver

        return getattr(driver, name)
    raise AttributeError(f"module 'pipeline.run' has no attribute {name!r}")
