"""The Optuna objective: the one place that reports to a trial and asks whether to prune."""

from __future__ import annotations

import time

import optuna
import torch
from optuna.artifacts import FileSystemArtifactStore

from pipeline.data import Splits
from pipeline.data.sources import METRIC_KEYS
from pipeline.errors import Terminated, TrialFailed
from pipeline.exits import raise_if_terminated
from pipeline.models import count_parameters
from pipeline.objectives import ObjectiveModule
from pipeline.objectives.training_space import lr_range
from pipeline.pruners import explain_pruning
from pipeline.run.checkpoints import Checkpoints, Resumed
from pipeline.run.threads import ThreadPolicy
from pipeline.seeds import torch_seed as trial_torch_seed
from pipeline.training import Diverged, EarlyStopping, EpochResult, Training
from pipeline.trial_states import TRAIN_LOSS, VAL_METRIC, store_attrs, store_epochs

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

    With a ``checkpoint_store``, trials save their training state as ``checkpoints`` says (checkpoints.py),
    and a retried trial resumes from the checkpoint of the attempt it retries. ``last_history`` holds the
    epochs of the last trial run (restored ones included), for reruns and the dashboard's learning curve.
    ``report_metric`` stores the validation metric per epoch before each pruning check, for a pruner that
    reads it (``pruners.MedianAccuracyPruner``); the trial's value stays the validation loss.
    ``early_stopping`` ends a trial whose validation loss stopped improving: COMPLETE, not pruned, with
    ``stopped_early`` (the epoch, from 1) and the reason in ``end_reason``. ``lr_range`` narrows the
    learning rate's search range (training_space.lr_range). ``threads`` sets torch's threads for each
    trial once its model is built (run/threads.py; None leaves them as they are); the count is recorded.
    """

    def __init__(
        self,
        module: ObjectiveModule,
        data: Splits,
        *,
        epochs: int,
        seed: int,
        prune_from: int = 0,
        checkpoint_store: FileSystemArtifactStore | None = None,
        checkpoints: str = "auto",
        report_metric: bool = False,
        early_stopping: EarlyStopping | None = None,
        lr_range: tuple[float, float] | None = None,
        threads: ThreadPolicy | None = None,
    ) -> None:
        self.module = module
        self.data = data
        self.epochs = epochs
        self.seed = seed
        self.prune_from = prune_from
        self.checkpoint_store = checkpoint_store
        self.checkpoints = checkpoints
        self.report_metric = report_metric
        self.early_stopping = early_stopping
        self.lr_range = lr_range
        self.threads = threads
        self.last_history: list[EpochResult] = []

    def __call__(self, trial: optuna.Trial) -> float:
        saving = None if self.checkpoint_store is None else Checkpoints(self.checkpoint_store, self.checkpoints)
        self.last_history = history = []
        n_params = 0
        threads = None
        resumed = stopped = None
        training = 0.0  # seconds building, training and evaluating the model; Optuna's calls not included

        def end(reason: str | None = None) -> str | None:
            if saving is not None:
                saving.discard(trial)
            record(
                trial,
                history,
                n_params=n_params,
                train_seconds=training,
                end_reason=reason,
                task=self.data.task,
                resumed=resumed,
                threads=threads,
            )
            return reason

        try:
            with lr_range(self.lr_range):
                params = self.module.suggest(trial)  # inside: a Ctrl-C while sampling is recorded too
            torch_seed = trial_torch_seed(self.seed, trial.number)  # same (seed, k) in every arm → same init
            torch.manual_seed(torch_seed)
            start = time.perf_counter()
            model = self.module.build(params, self.data.input_shape, self.data.n_outputs)
            n_params = count_parameters(model)
            model = model.to(self.data.train.x.device)
            if self.threads is not None:
                threads = self.threads.set_for(
                    model, self.data.input_shape, params.training.batch_size, self.data.train.x.device
                )
            run = Training(model, self.data, params.training, epochs=self.epochs, seed=torch_seed)
            if saving is not None:
                resumed = saving.restore(trial, run)
            self.last_history = history = run.history  # the same list the training appends to
            if resumed is not None:
                for result in history:  # the restored epochs, so the pruner and the curves see the whole trial
                    trial.report(result.val_loss, step=result.epoch)
            for result in run:
                raise_if_terminated()  # a SIGTERM whose exception a garbage collector callback swallowed
                training += time.perf_counter() - start
                if saving is not None:  # before the report: a process killed while reporting has this epoch saved
                    saving.after_epoch(trial, run, result.seconds)
                if self.report_metric:
                    store_epochs(trial, VAL_METRIC, [r.val_metric for r in history])
                trial.report(result.val_loss, step=result.epoch)
                if result.epoch >= self.prune_from and trial.should_prune():
                    raise optuna.TrialPruned(
                        explain_pruning(
                            trial.study,
                            step=result.epoch,
                            values=[r.val_loss for r in history],
                            metrics=[r.val_metric for r in history],
                        )
                    )
                if self.early_stopping and len(history) < self.epochs:  # after the last epoch it ends anyway
                    if stopped := self.early_stopping.check([r.val_loss for r in history]):
                        break
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
        end(stopped)
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
    resumed: Resumed | None = None,
    threads: int | None = None,
) -> None:
    """Store what a trial did: scalars as user attrs (the summary, notebooks and the dashboard read them),
    the training loss per epoch out of the dashboard's view (trial_states.store_epochs). The
    validation losses are the trial's intermediate values, reported epoch by epoch."""
    attrs = {
        METRIC_ATTRS[task]: history[-1].val_metric if history else None,
        "n_params": n_params,
        "epochs_run": len(history),
        "train_seconds": round(train_seconds, 4),
    }
    if threads is not None:
        attrs["threads"] = threads  # torch's intra-op threads it trained with
    if resumed is not None:
        attrs["resumed_from"] = resumed.to_attr()
        attrs["epochs_trained"] = len(history) - resumed.epochs
    if end_reason is not None:
        attrs["end_reason"] = end_reason
        if end_reason.startswith("stopped early"):
            attrs["stopped_early"] = len(history)  # the last epoch trained, counted from 1
    if isinstance(trial, optuna.Trial):
        store_attrs(trial, attrs, {TRAIN_LOSS: [r.train_loss for r in history]})
    else:  # a FixedTrial (tune trial --retrain): user attrs only
        for key, value in attrs.items():
            trial.set_user_attr(key, value)
