"""The Optuna objective: the one place that reports to a trial and asks whether to prune."""

from __future__ import annotations

import time

import optuna
import torch

from pipeline.data import Splits
from pipeline.data.sources import METRIC_KEYS
from pipeline.errors import Terminated, TrialFailed
from pipeline.models import count_parameters
from pipeline.objectives import ObjectiveModule
from pipeline.pruners import explain_pruning
from pipeline.seeds import torch_seed as trial_torch_seed
from pipeline.training import Diverged, EpochResult, fit

METRIC_ATTRS = {task: f"val_{key}" for task, key in METRIC_KEYS.items()}  # the trial user attr of its metric


class Objective:
    """``objective(trial)``: suggest → build → train, reporting the validation loss after every epoch.

    The trial's value is the validation loss after the last epoch. Which failures a study survives,
    each with the reason in the trial's ``end_reason`` user attr:

    - pruned by the pruner, or diverged (NaN or infinite loss: exploding gradients end here) → PRUNED,
      so samplers learn the region is bad;
    - out of memory (CUDA or host) → ``TrialFailed``, which the driver lets end the trial FAIL;
    - Ctrl-C / SIGTERM → recorded, then re-raised: Optuna marks the trial FAIL and the run stops;
    - anything else is a bug: it propagates and stops the run.

    ``prune_from`` is the first epoch at which the pruner can prune (the end of its warmup): asking
    before then would cost a storage read per epoch for an answer known to be no.
    """

    def __init__(self, module: ObjectiveModule, data: Splits, *, epochs: int, seed: int, prune_from: int = 0) -> None:
        self.module = module
        self.data = data
        self.epochs = epochs
        self.seed = seed
        self.prune_from = prune_from

    def __call__(self, trial: optuna.Trial) -> float:
        torch_seed = trial_torch_seed(self.seed, trial.number)  # same (seed, k) in every arm → same init
        history: list[EpochResult] = []
        n_params = 0
        training = 0.0  # seconds building, training and evaluating the model; Optuna's calls not included

        def end(reason: str) -> str:
            record(trial, history, n_params=n_params, train_seconds=training, end_reason=reason, task=self.data.task)
            return reason

        try:
            params = self.module.suggest(trial)  # inside: a Ctrl-C while sampling is recorded too
            torch.manual_seed(torch_seed)
            start = time.perf_counter()
            model = self.module.build(params, self.data.input_shape, self.data.n_outputs)
            n_params = count_parameters(model)
            model = model.to(self.data.train.x.device)
            for result in fit(model, self.data, params.training, epochs=self.epochs, seed=torch_seed):
                training += time.perf_counter() - start
                history.append(result)
                trial.report(result.val_loss, step=result.epoch)
                if result.epoch >= self.prune_from and trial.should_prune():
                    raise optuna.TrialPruned(
                        explain_pruning(trial.study, step=result.epoch, values=[r.val_loss for r in history])
                    )
                start = time.perf_counter()
        except optuna.TrialPruned as exc:
            end(str(exc))
            raise
        except Diverged as exc:  # a result, not a crash: samplers learn the region is bad
            raise optuna.TrialPruned(end(str(exc))) from None
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            model = None  # drop our reference so the cache can really be freed
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            raise TrialFailed(
                end(f"out of memory after {len(history)} epochs: {str(exc).splitlines()[0][:200]}")
            ) from None
        except KeyboardInterrupt as exc:
            end(f"interrupted by {'SIGTERM' if isinstance(exc, Terminated) else 'SIGINT'} after {len(history)} epochs")
            raise
        record(trial, history, n_params=n_params, train_seconds=training, task=self.data.task)
        return history[-1].val_loss


def is_out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, torch.OutOfMemoryError) or (
        isinstance(exc, RuntimeError) and ("out of memory" in str(exc) or "can't allocate memory" in str(exc))
    )


def record(
    trial: optuna.Trial,
    history: list[EpochResult],
    *,
    n_params: int,
    train_seconds: float,
    end_reason: str | None = None,
    task: str = "classification",
) -> None:
    """Store what a trial did as user attrs (read back by the summary, notebooks and the dashboard)."""
    attrs = {
        METRIC_ATTRS[task]: history[-1].val_metric if history else None,
        "n_params": n_params,
        "epochs_run": len(history),
        "train_seconds": round(train_seconds, 4),
        "train_loss": [r.train_loss for r in history],
        "val_loss": [r.val_loss for r in history],
    }
    if end_reason is not None:
        attrs["end_reason"] = end_reason
    for key, value in attrs.items():
        trial.set_user_attr(key, value)
