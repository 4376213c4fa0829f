"""The worker entry point: ``python -m pipeline.run.work DESCRIPTION`` runs trials described by a JSON
:class:`Work` — which study script, its overrides, which arms, which storage — until every budget is met.

``python -m pipeline.run.work - [MODULE ...]`` starts on standby (run/standby.py starts these first, before
the parent prepares anything): it loads what every trial needs (:func:`warm_up`, MODULEs included), then reads
its description from stdin, one line. End of input without one means the run was called off: it exits 0 without a word.

A worker rebuilds the study spec from the script and the overrides, then checks it against the
configuration stored on the studies before it runs anything: a worker whose description differs from
what the studies were created with is refused, with the difference named.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import Arm, StudySpec, with_overrides
from pipeline.errors import UsageError
from pipeline.exits import exit_now, run_or_exit
from pipeline.storage import Storage


@dataclass(frozen=True)
class Work:
    """What one worker process runs, as plain data (it travels as JSON on the command line)."""

    study: str  # a study script name or path, as load_study_spec takes it
    overrides: dict[str, Any]  # StudySpec fields (OVERRIDDEN) over the script's own
    arms: list[str]  # Optuna study names
    storage: str  # URL
    device: str = "cpu"
    data_dir: str = "data"
    download: bool = True
    trial_views: str | None = None  # "module:function" wrapping each objective, imported by the worker
    index: int = 0
    of: int = 1
    threads: int | None = None  # RunOptions.threads: None chooses per trial
    parent: int = 0  # the pid of the process that started this worker: the worker ends when it does
    timeout: float | None = None  # seconds per study (RunOptions.timeout)
    checkpoints: str = "auto"  # RunOptions.checkpoints

    @classmethod
    def describe(cls, study: str, spec: StudySpec, arms: list[Arm], **fields) -> Work:
        return cls(study=study, overrides=spec.overrides(), arms=[a.study_name for a in arms], **fields)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Work:
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError) as exc:
            raise UsageError(f"bad work description ({exc}); it is written by 'tune compare --workers'") from None


def rebuild(work: Work) -> tuple[StudySpec, list[Arm]]:
    """The spec and arms the work names, from its study script and overrides."""
    from pipeline.study_scripts import load_study_spec

    spec = with_overrides(load_study_spec(work.study), work.overrides)
    arms = [arm for arm in spec.arms() if arm.study_name in set(work.arms)]
    unknown = sorted(set(work.arms) - {arm.study_name for arm in arms})
    if unknown:
        raise UsageError(f"the work names studies its study script does not make: {', '.join(unknown)}")
    return spec, arms


def check_stored(storage: Storage, arms: list[Arm]) -> None:
    """Every arm's study exists and was made by the same configuration (else a UsageError naming it)."""
    import optuna

    from pipeline.run.driver import refuse_changed_configs

    opened = storage.open()
    stored = {s.study_name for s in optuna.get_all_study_summaries(opened, include_best_trial=False)}
    missing = [arm.study_name for arm in arms if arm.study_name not in stored]
    if missing:
        raise UsageError(f"study {missing[0]!r} does not exist in {storage.display}: create the comparison first")
    refuse_changed_configs(opened, arms, storage)


def stored_comparison(storage: Storage, spec: StudySpec) -> tuple[StudySpec, list[Arm]]:
    """The comparison of ``spec``'s study script in ``storage``, as ``tune compare`` made it: the spec rebuilt
    from the settings stored on its studies (``overrides``), and the arms that exist there."""
    import optuna

    summaries = [
        s
        for s in optuna.get_all_study_summaries(storage.open(), include_best_trial=False)
        if s.user_attrs.get("study") == spec.name
    ]
    if not summaries:
        raise UsageError(
            f"no comparison of {spec.name} in {storage.display}: create it first, e.g. "
            f"tune compare {spec.name} --storage URL --create-only"
        )
    stored = [s.user_attrs.get("overrides") for s in summaries]
    if any(overrides is None for overrides in stored):
        raise UsageError(
            f"the studies of {spec.name} in {storage.display} were made before workers could join them (no stored "
            "settings): rerun 'tune compare' with their settings and --create-only once, then start the workers"
        )
    spec = with_overrides(spec, max(stored, key=lambda overrides: overrides["trials"]))
    names = {s.study_name for s in summaries}
    arms = [arm for arm in spec.arms() if arm.study_name in names]
    check_stored(storage, arms)
    return spec, arms


def run_work(work: Work) -> None:
    import optuna

    from pipeline.data import load_raw
    from pipeline.device import resolve_device
    from pipeline.run.driver import RunOptions, run_worker

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    spec, arms = rebuild(work)
    options = RunOptions(
        Storage(work.storage),
        resolve_device(work.device),
        Path(work.data_dir),
        work.download,
        trial_views=_resolve(work.trial_views),
        timeout=work.timeout,
        checkpoints=work.checkpoints,
        threads=work.threads,
    )
    check_stored(options.storage, arms)
    raw = load_raw(spec.dataset, options.data_dir, download=options.download)
    run_worker(spec, arms, options, raw=raw, worker_index=work.index, workers=work.of)


def _resolve(name: str | None):
    if name is None:
        return None
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


def warm_up(modules: list[str]) -> None:
    """Import what a worker's first trial would otherwise wait for: the driver, the storage layer, ``modules``
    (the trial views the parent will name), and torch's optimizer machinery (torch loads its compiler stack
    at the first optimizer, ~1 s)."""
    import optuna.storages._rdb.storage  # noqa: F401  (SQLAlchemy's models and Alembic)
    import torch

    import pipeline.run.driver  # noqa: F401

    for module in modules:
        importlib.import_module(module)
    torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (len(argv) > 1 and argv[0] != "-"):
        print(
            "usage: python -m pipeline.run.work DESCRIPTION_JSON | - [MODULE ...] (as 'tune compare --workers' runs)",
            file=sys.stderr,
        )
        raise SystemExit(2)

    def run() -> None:
        text = argv[0]
        if text == "-":
            end_with_parent(os.getppid())
            warm_up(argv[1:])
            text = sys.stdin.readline()
            if not text.strip():
                return  # called off: the parent stopped before it had work for us
        work = Work.from_json(text)
        end_with_parent(work.parent)
        run_work(work)

    run_or_exit(run, say_stopped=False)  # the parent says it once
    exit_now(0)  # every trial is committed: skip the interpreter's shutdown of torch, which the parent waits for


def end_with_parent(parent: int) -> None:
    """Get SIGTERM when the process that started us dies (even by kill -9), so no worker trains on alone:
    its trial then ends FAIL as on any SIGTERM. Linux's ``PR_SET_PDEATHSIG``; elsewhere, a thread that
    checks every second."""
    if not parent:
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGTERM, 0, 0, 0) != 0:  # PR_SET_PDEATHSIG = 1
            raise OSError
    except (OSError, AttributeError):
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before we asked
        os.kill(os.getpid(), signal.SIGTERM)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


if __name__ == "__main__":
    main()
