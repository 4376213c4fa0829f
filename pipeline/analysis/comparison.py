"""The whole sampler comparison as data, in one call: what the report, the notebook and ``compare`` show."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.analysis import anytime as anytime_curves
from pipeline.analysis.importance import Importances, param_importances
from pipeline.analysis.learning_curves import diagnoses, learning_curves
from pipeline.analysis.regret import auc_summary, regret_auc
from pipeline.analysis.stats import BASELINE, paired_tests, sampler_budgets, speedup
from pipeline.analysis.summary import best_per_study, best_trials, distinct_values, pruning_table, sampler_table
from pipeline.analysis.tables import Storage, StorageHandle, load_tables, opened, study_names
from pipeline.analysis.verdict import Verdict, paired_differences, verdicts
from pipeline.data.sources import LOSS_NAMES, METRIC_NAMES
from pipeline.trial_states import FINISHED_NAMES


@dataclass(frozen=True)
class Analysis:
    """Every result of a comparison. Each table is documented by the function that makes it."""

    study: str
    baseline: str
    budget: int  # finished trials per study
    studies: pd.DataFrame  # tables.load_tables: one row per Optuna study, with its settings
    trials: pd.DataFrame  # trials.load_trials
    epochs: pd.DataFrame  # tables.load_tables: one row per trial and epoch
    curves: pd.DataFrame  # anytime.best_so_far
    anytime: pd.DataFrame  # anytime.anytime
    best: pd.DataFrame  # summary.best_per_study
    table: pd.DataFrame  # summary.sampler_table
    tests: pd.DataFrame  # stats.paired_tests
    paired: pd.DataFrame  # verdict.paired_differences: per seed at full budget, what the verdict tests
    speedup: pd.DataFrame  # stats.speedup
    best_trials: pd.DataFrame  # summary.best_trials: each sampler's best configuration
    auc: pd.DataFrame  # regret.regret_auc
    auc_summary: pd.DataFrame  # regret.auc_summary
    pruning: pd.DataFrame  # summary.pruning_table
    distinct: pd.DataFrame  # summary.distinct_values: distinct values tried per parameter and sampler
    importances: Importances  # importance.param_importances
    learning: pd.DataFrame  # learning_curves.learning_curves
    diagnoses: pd.DataFrame  # learning_curves.diagnoses
    notes: list[str]  # what the data could not support, in words
    handles: dict  # tables.load_tables: the Optuna studies by name, as loaded (notes write to them)
    verdicts: list[Verdict]  # verdict.verdicts: one per sampler against the baseline
    caveats: list[str] = field(default_factory=list)  # time_budget_caveat: what the verdict must say with it

    @property
    def verdict(self) -> list[str]:
        """The verdict's text, one line per sampler, then its caveats: what the terminal, report and notebook
        print."""
        return [v.text for v in self.verdicts] + (self.caveats if self.verdicts else [])

    @property
    def task(self) -> str:
        """classification or regression: what the value (validation loss) and the metric beside it are."""
        tasks = self.studies.task.dropna() if "task" in self.studies else []
        return tasks.iloc[0] if len(tasks) else "classification"

    @property
    def metric(self) -> str:
        """The metric stored beside each trial's loss: ``accuracy`` or ``R²``."""
        return METRIC_NAMES[self.task]

    @property
    def loss(self) -> str:
        """What the value, the validation loss, is: ``cross-entropy`` or ``mean squared error of ...``."""
        return LOSS_NAMES[self.task]

    @property
    def samplers(self) -> list[str]:
        return sorted(self.best.sampler.unique())


def analyze(
    storage: Storage,
    study: str,
    *,
    names: list[str] | None = None,
    baseline: str = BASELINE,
    importance: str = "ped-anova",
) -> Analysis:
    """Analyze study script ``study``'s comparison in ``storage`` (a URL or an opened storage).

    ``names`` restricts it to those Optuna studies; by default every study whose ``study`` user attr is
    ``study``. A storage without any raises ``UsageError``.
    """
    if isinstance(storage, str):
        storage = StorageHandle(storage)
    where = storage.display if isinstance(storage, StorageHandle) else "this storage"
    storage = opened(storage)
    names = names if names is not None else study_names(storage, study, where=where)
    tables = load_tables(storage, names)
    trials = tables.trials
    budget = int(trials.budget.max()) if trials.budget.notna().any() else 0
    budgets = sampler_budgets(trials)  # the grid arm's differs: each pair is judged at its larger budget
    curves = anytime_curves.best_so_far(trials)
    aligned = anytime_curves.align(curves, "trial")
    anytime = anytime_curves.anytime(curves)
    best = best_per_study(trials)
    tests = paired_tests(aligned, budget=budgets, baseline=baseline)
    gains = speedup(curves, baseline=baseline)
    auc = regret_auc(aligned, budget=budget)
    learning = learning_curves(best, tables.epochs)
    importances = param_importances(storage, names, evaluator=importance, loaded=tables.handles)
    several = best.sampler.nunique() > 1
    return Analysis(
        study=study,
        baseline=baseline,
        budget=budget,
        studies=tables.studies,
        trials=trials,
        epochs=tables.epochs,
        curves=curves,
        anytime=anytime,
        best=best,
        table=sampler_table(best),
        tests=tests,
        paired=paired_differences(aligned, baseline=baseline, budget=budgets),
        speedup=gains,
        best_trials=best_trials(trials),
        auc=auc,
        auc_summary=auc_summary(auc),
        pruning=pruning_table(best, trials),
        distinct=distinct_values(trials),
        importances=importances,
        learning=learning,
        diagnoses=diagnoses(learning),
        handles=tables.handles,
        notes=coverage_notes(trials, best, budget=budget) + stats_notes(tests) + importances.notes,
        verdicts=verdicts(trials, baseline=baseline, budget=budgets, speedups=gains) if several else [],
        caveats=budget_caveat(tables.studies) + time_budget_caveat(tables.studies, trials),
    )


def budget_caveat(studies: pd.DataFrame) -> list[str]:
    """When the arms have different trial budgets — the grid sampler runs its whole grid, whatever
    ``--trials`` says — the final bests compare different amounts of search: say so, with the budgets."""
    budgets = studies.dropna(subset=["trials"]).groupby("sampler").trials.max().astype(int)
    if budgets.nunique() < 2:
        return []
    grid = f"grid runs its whole grid, {budgets['grid']} points; " if "grid" in budgets else ""
    listed = ", ".join(f"{sampler} {budget}" for sampler, budget in budgets.items())
    return [
        f"budgets differ: {grid}trials per study {listed}. Each arm's final best is after its own budget; "
        "the best-so-far curves compare the arms at equal numbers of trials"
    ]


def time_budget_caveat(studies: pd.DataFrame, trials: pd.DataFrame) -> list[str]:
    """When ``--timeout`` ended some studies short of their trial budget, the arms compared may hold different
    numbers of trials: say so, with the counts, next to the verdict."""
    if "time_budget" not in studies or not studies.time_budget.notna().any():
        return []
    finished = trials[trials.state.isin(FINISHED_NAMES)].groupby(["sampler", "seed"]).size()
    spans = {sampler: (per_seed.min(), per_seed.max()) for sampler, per_seed in finished.groupby(level="sampler")}
    counts = "; ".join(f"{s} {lo}–{hi}" if lo != hi else f"{s} {lo}" for s, (lo, hi) in spans.items())
    seconds = max(b["timeout_s"] for b in studies.time_budget.dropna())
    return [
        f"time budget: --timeout {seconds:g} s per study ended some studies before their trial budget, so the arms "
        f"finished different numbers of trials per seed ({counts}); each arm's best is what it found in its time, "
        "a comparison by wall time rather than by trials"
    ]


def coverage_notes(trials: pd.DataFrame, best: pd.DataFrame, *, budget: int) -> list[str]:
    """What is missing: no trials at all, arms without a complete trial or short of the budget, lone seeds."""
    if trials.empty:
        return ["no trial has run yet: nothing to compare"]
    notes = []
    own = trials.groupby(["sampler", "seed"]).budget.max()  # each study's own budget (the grid's is its size)
    for row in best.itertuples(index=False):
        target = own.get((row.sampler, row.seed))
        target = budget if target is None or pd.isna(target) else int(target)
        if pd.isna(row.best_value):
            failed = int(((trials.sampler == row.sampler) & (trials.seed == row.seed) & (trials.state == "FAIL")).sum())
            notes.append(
                f"{row.sampler} seed {row.seed}: no complete trial ({row.pruned} pruned, {failed} failed); "
                f"left out of the curves' statistics"
            )
        if row.finished < target:
            notes.append(f"{row.sampler} seed {row.seed}: {row.finished} of {target} trials finished")
    seeds = best.dropna(subset=["best_value"]).groupby("sampler").seed.nunique()
    notes += [
        f"{s}: one seed with results: no confidence interval, and no test can be significant"
        for s in seeds[seeds == 1].index
    ]
    return notes


def stats_notes(tests: pd.DataFrame) -> list[str]:
    """Tests that could not run, and (once, at full budget) a p-value floor that rules out significance."""
    shown = tests[(tests.note != "") & (tests.p_value.isna() | (tests.fraction == 1.0))]
    return [f"{t.sampler} vs {t.baseline} after {t.trial} trials: {t.note}" for t in shown.itertuples()]
