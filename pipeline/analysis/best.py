"""The best configuration a comparison found, overall and per sampler, with where it came from: what
``tune best`` prints and exports, and what ``tune retrain`` would start from.

Only COMPLETE trials count: a pruned trial's value is its loss when it was stopped, not a final one.
"""

from __future__ import annotations

from typing import Any

from pipeline.analysis.summary import best_trials
from pipeline.analysis.tables import load_tables, study_names
from pipeline.data.sources import METRIC_KEYS, METRIC_NAMES
from pipeline.errors import UsageError
from pipeline.storage import Storage


def best_configurations(storage: Storage, study: str, *, where: str) -> dict[str, Any]:
    """``{"study", "storage", "metric", "best": {...}, "per_sampler": {sampler: {...}}}``, each entry a trial's
    study name, sampler, seed, number, ``val_loss``, ``val_accuracy`` (or ``val_r2``), epochs, params and its provenance
    (config hash, versions). ``where``: the storage as shown to the user."""
    names = study_names(storage, study, where=where)
    tables = load_tables(storage, names)
    best = best_trials(tables.trials)
    if best.empty:
        raise UsageError(
            f"no complete trial in {study}'s studies in {where} yet (every trial was pruned or failed, or none ran)"
        )
    attrs = {name: handle.user_attrs for name, handle in tables.handles.items()}
    task = next((a.get("task") for a in attrs.values() if a.get("task")), "classification")
    metric, key = METRIC_NAMES[task], METRIC_KEYS[task]
    per_sampler = {}
    for row in best.itertuples(index=False):
        stored = attrs[row.study_name]
        per_sampler[row.sampler] = {
            "study_name": row.study_name,
            "sampler": row.sampler,
            "seed": int(row.seed),
            "number": row.number,
            "val_loss": row.value,
            f"val_{key}": None if row.val_metric != row.val_metric else float(row.val_metric),
            "epochs": int(row.epochs_run),
            "params": row.params,
            "config_hash": stored.get("config_hash"),
            "versions": stored.get("versions"),
        }
    overall = min(per_sampler.values(), key=lambda entry: entry["val_loss"])
    return {
        "study": study,
        "storage": where,
        "metric": metric,
        "metric_key": f"val_{key}",
        "best": overall,
        "per_sampler": per_sampler,
    }
