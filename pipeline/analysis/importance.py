"""Sensitivity: which hyperparameters mattered, per sampler, from Optuna's importance evaluators.

Importances are computed per study (one sampler, one seed) over its COMPLETE trials and normalized to
sum to 1, then summarized over seeds. Parameters that only exist in some trials (momentum: SGD only) are
left out, as Optuna does. A sampler that focuses its trials on a good region leaves little variation to
explain, so compare importances between seeds of a sampler more than between samplers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import optuna
import pandas as pd

from pipeline.analysis.tables import Storage, opened
from pipeline.choices import EVALUATORS
from pipeline.errors import choices_error

MIN_COMPLETE = 5  # fewer complete trials than this explain nothing: the arm is skipped with a note


@dataclass(frozen=True)
class Importances:
    per_seed: pd.DataFrame  # sampler, seed, param, importance
    summary: pd.DataFrame  # sampler, param, n_seeds, mean, median, low, high (min / max over seeds)
    evaluator: str
    notes: list[str] = field(default_factory=list)


def make_evaluator(name: str, *, seed: int = 0) -> optuna.importance.BaseImportanceEvaluator:
    if name == "ped-anova":
        return optuna.importance.PedAnovaImportanceEvaluator()
    if name == "fanova":
        return optuna.importance.FanovaImportanceEvaluator(seed=seed)
    raise choices_error("importance evaluator", name, EVALUATORS)


def param_importances(
    storage: Storage,
    study_names: list[str],
    *,
    evaluator: str = "ped-anova",
    loaded: dict[str, optuna.Study] | None = None,
) -> Importances:
    """Importances of every named study's parameters, and their summary per sampler over seeds.

    ``loaded``: the studies already loaded by name (``Tables.handles``), so none is loaded twice."""
    make_evaluator(evaluator)  # refuse an unknown name before any work
    rows, notes = [], []
    for name in study_names:
        study = (loaded or {}).get(name) or optuna.load_study(study_name=name, storage=opened(storage))
        sampler, seed = study.user_attrs.get("sampler"), study.user_attrs.get("seed")
        complete = len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))
        if complete < MIN_COMPLETE:
            notes.append(
                f"{sampler} seed {seed}: {complete} complete trial(s), too few for importances (need {MIN_COMPLETE})"
            )
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                # PED-ANOVA warns per conditional parameter seen in few trials (momentum: SGD only)
                warnings.filterwarnings("ignore", message="Some regimes for parameter")
                found = optuna.importance.get_param_importances(study, evaluator=make_evaluator(evaluator, seed=seed))
        except (ValueError, RuntimeError) as exc:  # e.g. no parameter common to all complete trials
            notes.append(f"{sampler} seed {seed}: no importances ({exc})")
            continue
        rows.extend({"sampler": sampler, "seed": seed, "param": p, "importance": float(v)} for p, v in found.items())
    per_seed = pd.DataFrame(rows, columns=["sampler", "seed", "param", "importance"])
    summary = (
        per_seed.groupby(["sampler", "param"], sort=True)
        .importance.agg(n_seeds="count", mean="mean", median="median", low="min", high="max")
        .reset_index()
        .sort_values(["sampler", "mean"], ascending=[True, False], ignore_index=True)
    )
    return Importances(per_seed=per_seed, summary=summary, evaluator=evaluator, notes=notes)
