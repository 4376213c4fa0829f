"""``tune lr-find``: the learning-rate range test on a study's model, and the range it suggests.

The model is the study's objective module built from its ``DEFAULTS`` (or the parameters given), trained
on the training part of seed 0's split while the learning rate rises (training/lr_range.py); the
validation and test data are not touched. The suggested range can narrow the search space's learning rate:
``tune compare STUDY --lr-range auto`` runs this first, ``--lr-range LOW,HIGH`` takes a range you read off.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import optuna
import plotly.io as pio
import torch

from pipeline.config import StudySpec
from pipeline.data import dataset_name, load_raw, make_splits
from pipeline.errors import UsageError
from pipeline.files import write_atomically
from pipeline.objectives import defaults_of
from pipeline.plots.lr_find import lr_find_figure
from pipeline.training.lr_range import END_LR, START_LR, Sweep, lr_range_test

SEED = 0  # the data split, the weights and the batch order: a rerun finds the same range


@dataclass(frozen=True)
class LRFind:
    spec: StudySpec
    params: dict  # what the model was built and trained with (its lr is what the sweep varies)
    sweep: Sweep
    low: float
    high: float

    def lines(self, figure: Path | None = None) -> list[str]:
        p = self.params
        end = "it diverged" if self.sweep.diverged else f"it reached {END_LR:g} without diverging"
        shown = [
            f"{self.spec.name} lr-find: {self.spec.objective.__name__.rsplit('.', 1)[-1]} on "
            f"{dataset_name(self.spec.dataset)} ({p.get('optimizer', '?')}, batch {p.get('batch_size', '?')}), "
            f"{len(self.sweep.lrs)} batches with the learning rate rising from {START_LR:g} until {end}",
            f"suggested learning-rate range: {self.low:.2e} to {self.high:.2e} (from the steepest descent of the "
            "smoothed loss up to its lowest point, just before it diverges)",
        ]
        if figure is not None:
            shown.append(f"figure: {figure}")
        shown.append(f"to search only there: tune compare {self.spec.name} --lr-range {self.low:.2e},{self.high:.2e}")
        return shown


def lr_find(
    spec: StudySpec, *, params: dict | None = None, device: torch.device, data_dir: Path, download: bool = True
) -> LRFind:
    chosen = {**defaults_of(spec.objective), **(params or {})}
    try:
        built = spec.objective.suggest(optuna.trial.FixedTrial(chosen))
    except ValueError as exc:  # FixedTrial: a parameter the module asks for is missing
        raise UsageError(f"lr-find: {exc} (give every parameter, or leave --params out for the defaults)") from None
    raw = load_raw(spec.dataset, data_dir, download=download)
    data = make_splits(raw, seed=SEED, val_fraction=spec.val_fraction, device=device)
    torch.manual_seed(SEED)
    model = spec.objective.build(built, data.input_shape, data.n_outputs).to(device)
    sweep = lr_range_test(model, data.train, built.training, seed=SEED)
    low, high = sweep.suggested_range()
    return LRFind(spec, chosen, sweep, low, high)


def write_figure(found: LRFind, path: Path) -> None:
    fig = lr_find_figure(found.sweep, found.low, found.high, title=f"{found.spec.name}: learning-rate range test")
    write_atomically(path, pio.to_html(fig, full_html=True, include_plotlyjs=True))  # offline: plotly.js inside
