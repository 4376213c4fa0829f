"""Checkpoints: a trial saves its training state (:class:`pipeline.training.Training`) into Optuna's artifact
store as it trains, so that a retried trial — recovery.py re-queues a dead worker's trial with the same
parameters — resumes from the last saved epoch instead of from scratch (optuna-examples'
``pytorch_checkpoint.py`` does the same by hand).

When a trial saves (``--checkpoints``):

- ``auto`` (the default): after an epoch, once at least ``AUTO_EVERY_S`` seconds of training have passed
  since the trial's last save or its start. Long epochs get a checkpoint; short ones never pay for one:
  a digits trial (epochs of ~10 ms) never saves, a Fashion-MNIST CNN (~7 s epochs on 2 cores) saves every
  other epoch.
- ``epoch``: after every epoch. ``off``: never.

Each attempt keeps one file, ``checkpoint-<study>-trial<N>.pt`` in the storage's artifact folder,
rewritten whole at each save. The trial's ``checkpoint`` user attr names it from the first save on; a
retried trial inherits its user attrs from the dead one (Optuna's retry callback copies them), which is how
it finds the file. When a trial ends in this process — complete, pruned, failed or interrupted — its file
and the one it resumed from are removed, and ``checkpoint`` is set to None: only a trial whose process died
leaves a file, for its retry.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import optuna
import torch
from optuna.artifacts.exceptions import ArtifactNotFound

from pipeline.choices import CHECKPOINTS
from pipeline.errors import choices_error
from pipeline.training import Training

AUTO_EVERY_S = 10.0
ATTR = "checkpoint"  # the trial user attr naming its checkpoint file


@dataclass(frozen=True)
class Resumed:
    """Where a retried trial's training came from: recorded as its ``resumed_from`` user attr."""

    trial: int  # the attempt that wrote the checkpoint
    epochs: int  # epochs restored from it
    seeded_by: int  # the trial number whose torch seed initialized the model (seeds.torch_seed(seed, n))

    def to_attr(self) -> dict:
        return {"trial": self.trial, "epochs": self.epochs, "seeded_by": self.seeded_by}


@dataclass
class Checkpoints:
    """One trial's checkpointing (a new one per trial: it counts the seconds since the last save)."""

    store: optuna.artifacts.FileSystemArtifactStore
    policy: str = "auto"
    _since_save: float = 0.0
    _own: str | None = None
    _inherited: str | None = None
    _seeded_by: int | None = None

    def __post_init__(self) -> None:
        if self.policy not in CHECKPOINTS:
            raise choices_error("checkpoints", self.policy, CHECKPOINTS)

    def restore(self, trial: optuna.Trial, training: Training) -> Resumed | None:
        """Load the checkpoint this trial inherited, if it has one that can be read; None to start afresh."""
        self._inherited = trial.user_attrs.get(ATTR)
        self._seeded_by = trial.number
        if not self._inherited:
            return None
        try:
            with self.store.open_reader(self._inherited) as reader:
                saved = torch.load(io.BytesIO(reader.read()), weights_only=True)
            training.load_state_dict(saved["training"])
        except (ArtifactNotFound, OSError, RuntimeError, KeyError, ValueError):
            return None  # killed before its first save finished, or unreadable: train from scratch
        self._seeded_by = saved["seeded_by"]
        return Resumed(trial=saved["trial"], epochs=len(training.history), seeded_by=saved["seeded_by"])

    def after_epoch(self, trial: optuna.Trial, training: Training, seconds: float) -> bool:
        """Save if the policy says it is time; True when it saved."""
        self._since_save += seconds
        if self.policy == "off" or (self.policy == "auto" and self._since_save < AUTO_EVERY_S):
            return False
        if self._own is None:
            self._own = artifact_id(trial.study.study_name, trial.number)
            trial.set_user_attr(ATTR, self._own)  # before the file: a retry never names a file that is not there
        buffer = io.BytesIO()
        torch.save({"training": training.state_dict(), "trial": trial.number, "seeded_by": self._seeded_by}, buffer)
        buffer.seek(0)
        self.store.write(self._own, buffer)
        self._since_save = 0.0
        return True

    def discard(self, trial: optuna.Trial) -> None:
        """The trial ended here: remove its file and the one it resumed from (kept only for a retry)."""
        for name in {self._own, self._inherited} - {None}:
            try:
                self.store.remove(name)
            except ArtifactNotFound:
                pass
        if self._own is not None or self._inherited is not None:
            trial.set_user_attr(ATTR, None)


def artifact_id(study_name: str, number: int) -> str:
    """A file name: the study name with anything but letters, digits, ``.``, ``_`` and ``-`` replaced."""
    return f"checkpoint-{re.sub(r'[^A-Za-z0-9._-]', '_', study_name)}-trial{number}.pt"
