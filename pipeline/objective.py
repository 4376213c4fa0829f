"""The Optuna objective: the one place that reports to a trial and asks whether to prune."""

from __future__ import annotations

import optuna
import torch

from pipeline.data import Splits
from pipeline.models import count_parameters
from pipeline.objectives import ObjectiveModule
from pipeline.pruners import explain_pruning
from pipeline.seeds import derive_seed
from pipeline.training import Diverged, EpochResult, fit


class Objective:
    """``objective(trial)``: suggest → build → train, reporting the validation loss after every epoch.

    The trial's value is the validation loss after the last epoch. A diverging model (NaN or infinite
    loss) ends as PRUNED with the reason stored in the ``end_reason`` user attr, so the study goes on
    and samplers still learn that the region is bad.
    """

    def __init__(self, module: ObjectiveModule, data: Splits, *, epochs: int, seed: int) -> None:
        self.module = module
        self.data = data
        self.epochs = epochs
        self.seed = seed

    def __call__(self, trial: optuna.Trial) -> float:
        params = self.module.suggest(trial)
        torch_seed = derive_seed(self.seed, trial.number)  # same (seed, k) in every arm → same init
        torch.manual_seed(torch_seed)
        model = self.module.build(params, self.data.input_shape, self.data.n_classes)
        model = model.to(self.data.train.x.device)
        history: list[EpochResult] = []
        try:
            for result in fit(model, self.data, params.training, epochs=self.epochs, seed=torch_seed):
                history.append(result)
                trial.report(result.val_loss, step=result.epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned(explain_pruning(trial.study, step=result.epoch, values=[r.val_loss for r in history]))
        except optuna.TrialPruned as exc:
            record(trial, history, n_params=count_parameters(model), end_reason=str(exc))
            raise
        except Diverged as exc:
            record(trial, history, n_params=count_parameters(model), end_reason=str(exc))
            raise optuna.TrialPruned(str(exc)) from None
        record(trial, history, n_params=count_parameters(model))
        return history[-1].val_loss


def record(trial: optuna.Trial, history: list[EpochResult], *, n_params: int, end_reason: str | None = None) -> None:
    """Store what a trial did as user attrs (read back by the summary, notebooks and the dashboard)."""
    attrs = {
        "val_accuracy": history[-1].val_accuracy if history else None,
        "n_params": n_params,
        "epochs_run": len(history),
        "train_seconds": round(sum(r.seconds for r in history), 4),
        "train_loss": [r.train_loss for r in history],
        "val_loss": [r.val_loss for r in history],
    }
    if end_reason is not None:
        attrs["end_reason"] = end_reason
    for key, value in attrs.items():
        trial.set_user_attr(key, value)
