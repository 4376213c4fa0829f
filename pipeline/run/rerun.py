"""Rerun one trial by hand: its parameters and seeds, the Python that rebuilds and trains it exactly, and
(on request) that training, epoch by epoch beside what the study stored.

Trial n of a seed-k study trained on the split seeded by k, with torch seed ``seeds.torch_seed(k, n)``;
``optuna.trial.FixedTrial(params, number=n)`` gives the objective those parameters and that number, so
the same model starts from the same weights and sees the same batches. A trial that resumed from a
checkpoint (its ``resumed_from`` user attr) trained as the trial whose seed began it would have: that
number is the one used.
"""

from __future__ import annotations

from dataclasses import dataclass

import optuna

from pipeline.config import StudySpec
from pipeline.errors import UsageError
from pipeline.seeds import torch_seed
from pipeline.storage import Storage
from pipeline.trial_states import val_losses


@dataclass(frozen=True)
class StoredTrial:
    study_name: str
    number: int
    seeded_as: int  # the trial number whose torch seed began its training (its own unless it resumed)
    state: str
    params: dict
    seed: int  # the study's seed: the data split and, with the number, the torch seed
    torch_seed: int
    epochs: int
    val_fraction: float
    val_loss: list[float]  # what the trial reported, epoch by epoch
    early_stopping: dict | None = None  # the study's, as stored
    lr_range: list | None = None  # the study's learning-rate search range, as stored

    def code(self, study_ref: str) -> str:
        """Python that rebuilds and trains this trial exactly (on the CPU)."""
        return "\n".join(
            [
                "import optuna",
                "from pipeline.data import load_raw, make_splits",
                "from pipeline.run.trial import Objective",
                *(["from pipeline.training import EarlyStopping"] if self.early_stopping else []),
                "from pipeline.study_scripts import load_study_spec",
                "",
                f"spec = load_study_spec({study_ref!r})",
                f"data = make_splits(load_raw(spec.dataset), seed={self.seed}, val_fraction={self.val_fraction}, "
                'device="cpu")',
                f"trial = optuna.trial.FixedTrial({self.params!r}, number={self.seeded_as})",
                f"objective = Objective(spec.objective, data, epochs={self.epochs}, seed={self.seed}"
                + (f", early_stopping=EarlyStopping(**{self.early_stopping!r}))" if self.early_stopping else ")"),
                "loss = objective(trial)",
                "print(loss, [epoch.val_loss for epoch in objective.last_history])",
            ]
        )


def stored_trial(storage: Storage, study_name: str, number: int) -> StoredTrial:
    names = {s.study_name for s in optuna.get_all_study_summaries(storage.open(), include_best_trial=False)}
    if study_name not in names:
        raise UsageError(f"no study {study_name!r} in {storage.display} (it has: {', '.join(sorted(names)) or 'none'})")
    study = optuna.load_study(study_name=study_name, storage=storage.open())
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    if number not in trials:
        raise UsageError(f"study {study_name!r} has no trial {number} (trials 0–{max(trials, default=-1)})")
    trial, config = trials[number], study.user_attrs.get("config", {})
    seeded_as = (trial.user_attrs.get("resumed_from") or {}).get("seeded_by", number)
    if "seed" not in config:
        raise UsageError(f"study {study_name!r} was not made by this pipeline: no stored configuration")
    return StoredTrial(
        study_name=study_name,
        number=number,
        seeded_as=seeded_as,
        state=trial.state.name,
        params=trial.params,
        seed=config["seed"],
        torch_seed=torch_seed(config["seed"], seeded_as),
        epochs=config["epochs"],
        val_fraction=config["val_fraction"],
        val_loss=val_losses(trial),
        early_stopping=config.get("early_stopping"),
        lr_range=config.get("lr_range"),
    )


def retrain(spec: StudySpec, stored: StoredTrial) -> list[float]:
    """Train the stored trial's configuration again (CPU, no pruning); its validation loss per epoch."""
    from pipeline.data import load_raw, make_splits
    from pipeline.run.trial import Objective
    from pipeline.training import EarlyStopping

    data = make_splits(load_raw(spec.dataset), seed=stored.seed, val_fraction=stored.val_fraction, device="cpu")
    trial = optuna.trial.FixedTrial(stored.params, number=stored.seeded_as)
    stopping = EarlyStopping(**stored.early_stopping) if stored.early_stopping else None
    objective = Objective(
        spec.objective, data, epochs=stored.epochs, seed=stored.seed, early_stopping=stopping, lr_range=stored.lr_range
    )
    objective(trial)
    return [epoch.val_loss for epoch in objective.last_history]
