"""The end of a search: retrain the chosen configuration on training + validation data, then test it once.

The test split is read here and nowhere else (``data.final_evaluation``): tuning and pruning chose the
configuration by validation loss; the test figures only say how well that choice generalizes. The result
is kept — weights, a JSON of the test figures, a user attr and a line in the study's note — so a second
``tune retrain`` of the same trial shows it instead of touching the test split again (``--force`` redoes it).
"""

from __future__ import annotations

import datetime
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import torch

from pipeline.config import StudySpec
from pipeline.data import METRIC_NAMES, final_evaluation, final_test_split, load_raw, training_and_validation
from pipeline.data.sources import METRIC_KEYS
from pipeline.errors import UsageError
from pipeline.files import write_atomically
from pipeline.run.driver import versions
from pipeline.run.rerun import StoredTrial
from pipeline.seeds import torch_seed
from pipeline.storage import Storage
from pipeline.training import evaluate, fit

FINAL_ATTR = "final_test"  # study user attr: {trial number: the result}


@dataclass(frozen=True)
class FinalResult:
    """What ``tune retrain`` measured and where it put it."""

    record: dict[str, Any]  # what the JSON file and the study's user attr hold
    weights: Path
    summary: Path
    again: bool = False  # True: shown from an earlier run, nothing retrained

    def lines(self) -> list[str]:
        r = self.record
        metric = r["metric"]
        value = r[r["metric_key"]]
        shown = f"{value:.2%}" if metric == "accuracy" else f"{value:.4f}"
        head = (
            f"{r['study_name']} trial {r['number']}, retrained on training + validation ({r['trained_on']} samples, "
            f"{r['epochs']} epochs, torch seed {r['torch_seed']})"
        )
        return [
            ("Already done on " + r["date"] + ": " if self.again else "") + head,
            f"test loss {r['test_loss']:.4f}, test {metric} {shown} on {r['n_test']} held-out samples (read once)",
            f"Weights: {self.weights}  (torch.load(path, weights_only=True) gives the state_dict)",
            f"Result:  {self.summary}",
        ]


def final_dir(storage: Storage) -> Path:
    """``runs/x-final/`` beside ``runs/x.db``: the retrained weights and their test figures."""
    stem = storage.file.stem if storage.file is not None else "final"
    return storage.report_dir / f"{stem}-final"


def retrain_and_test(
    spec: StudySpec,
    storage: Storage,
    stored: StoredTrial,
    *,
    device: torch.device,
    data_dir: Path,
    download: bool,
    force: bool = False,
) -> FinalResult:
    """Retrain ``stored``'s configuration on every training sample for its epochs, evaluate once on the test
    split, save the weights and figures, and record them on the study. Done before and not ``force``: the
    stored result, untouched."""
    study = optuna.load_study(study_name=stored.study_name, storage=storage.open())
    folder = final_dir(storage)
    weights = folder / f"{stored.study_name}-trial{stored.number}.pt"
    summary = weights.with_suffix(".json")
    earlier = study.user_attrs.get(FINAL_ATTR, {}).get(str(stored.number))
    if earlier is not None and not force:
        return FinalResult(earlier, weights, summary, again=True)
    if stored.state != "COMPLETE":
        raise UsageError(
            f"{stored.study_name} trial {stored.number} is {stored.state}, not COMPLETE: retrain a finished "
            "configuration (tune best names the best one)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    raw = load_raw(spec.dataset, data_dir, download=download)
    data = training_and_validation(raw, device=device)
    params = spec.objective.suggest(optuna.trial.FixedTrial(stored.params, number=stored.number))
    seed = torch_seed(stored.seed, stored.number)
    torch.manual_seed(seed)
    model = spec.objective.build(params, data.input_shape, data.n_outputs).to(device)
    epochs = len(stored.val_loss) or stored.epochs
    for _ in fit(model, data, params.training, epochs=epochs, seed=seed):
        pass
    with final_evaluation("tune retrain"):
        test = final_test_split(raw, data, device=device)
    test_loss, test_metric = evaluate(model, test)
    metric, key = METRIC_NAMES[raw.task], f"test_{METRIC_KEYS[raw.task]}"
    record = {
        "study": spec.name,
        "study_name": stored.study_name,
        "number": stored.number,
        "params": stored.params,
        "epochs": epochs,
        "torch_seed": seed,
        "trained_on": len(data.train),
        "n_test": len(test),
        "metric": metric,
        "metric_key": key,
        "test_loss": test_loss,
        key: test_metric,
        "weights": str(weights),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "versions": versions(),
    }
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, buffer)
    write_atomically(weights, buffer.getvalue())
    write_atomically(summary, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    study.set_user_attr(FINAL_ATTR, {**study.user_attrs.get(FINAL_ATTR, {}), str(stored.number): record})
    return FinalResult(record, weights, summary)
