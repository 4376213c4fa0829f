"""Study notes for optuna-dashboard: each study explains itself in markdown, from what it stores.

A note shows the study's configuration, sampler and pruner settings, seed, data split sizes and
package versions (all kept as study user attrs by the driver), and once every study of the
comparison has reached its budget, the comparison's verdict for this arm and a link to its HTML
report when one exists. Notes are rewritten only when their text changes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import optuna
import pandas as pd
from optuna_dashboard import get_note, save_note

from pipeline import analysis
from pipeline.analysis.stats import BASELINE, sampler_budgets
from pipeline.data.sources import LOSS_NAMES, METRIC_NAMES
from pipeline.storage import Storage
from pipeline.trial_states import FINISHED_NAMES


def write_notes(storage: Storage | str, study: str | None = None) -> int:
    """Write the note of every Optuna study of study script ``study`` (of every script when None), from
    what the storage holds; the verdict is :func:`analysis.verdicts` of the same trials. Returns how many
    notes changed (unchanged notes are not rewritten)."""
    storage = storage if isinstance(storage, Storage) else Storage(storage)
    opened = storage.open()
    if study is None:
        summaries = optuna.get_all_study_summaries(opened, include_best_trial=False)
        scripts = sorted({s.user_attrs["study"] for s in summaries if "study" in s.user_attrs})
    changed = 0
    for script in [study] if study is not None else scripts:
        names = [s.study_name for s in analysis.comparison_studies(opened, script)]
        tables = analysis.load_tables(opened, names)
        changed += _write(storage, script, tables.handles, tables.trials, verdicts=None)
    return changed


def write_analysis_notes(result: analysis.Analysis, storage: Storage) -> int:
    """The notes of the studies ``result`` analyzed, with its verdict: the text the terminal printed.
    Uses the studies the analysis loaded, so nothing is loaded again."""
    return _write(storage, result.study, result.handles, result.trials, verdicts=result.verdicts)


def _write(
    storage: Storage,
    script: str,
    handles: dict[str, optuna.Study],
    trials: pd.DataFrame,
    *,
    verdicts: list[analysis.Verdict] | None,
) -> int:
    attrs = {name: study.user_attrs for name, study in handles.items()}
    done = finished_budget(attrs, trials)
    best = analysis.best_per_study(trials) if done else None
    if done and verdicts is None:
        verdicts = analysis.verdicts(trials, baseline=BASELINE, budget=sampler_budgets(trials))
    report = storage.report_path(script)  # what the report command writes
    changed = 0
    for name, study in handles.items():
        body = study_note(
            attrs[name], best=best, verdicts=verdicts or [], report=report.name if report.is_file() else None
        )
        if get_note(study) != body:
            save_note(study, body)
            changed += 1
    return changed


def finished_budget(attrs: dict[str, dict], trials: pd.DataFrame) -> bool:
    """Whether every study has as many finished (complete + pruned) trials as its stored budget, or was
    ended by its time budget (``--timeout``)."""
    finished = trials[trials.state.isin(FINISHED_NAMES)].groupby("study_name").size()
    return all(finished.get(name, 0) >= a.get("trials", 0) or a.get("time_budget") for name, a in attrs.items())


def study_note(
    attrs: dict[str, Any], *, best: pd.DataFrame | None, verdicts: list[analysis.Verdict], report: str | None
) -> str:
    """The markdown note of one study; ``best`` is ``analysis.best_per_study`` once the comparison is done."""
    attrs = defaultdict(lambda: "?", attrs)  # a study made by an older pipeline may lack some attrs
    sampler, seed = attrs["sampler"], attrs["seed"]
    task = attrs["task"] if attrs["task"] in LOSS_NAMES else "classification"  # older studies: classification
    lines = [
        f"## {attrs['study']}: {sampler} sampler, seed {seed}",
        "",
        f"Minimizes the validation loss ({LOSS_NAMES[task]}; {METRIC_NAMES[task]} beside it) after the last epoch of "
        f"`{attrs['objective']}` on **{attrs['dataset']}**: "
        f"{attrs['trials']} finished trials of up to {attrs['epochs']} epochs, {attrs['pruner']} pruner "
        f"(config hash `{attrs['config_hash']}`). Each trial's intermediate values are its per-epoch "
        "validation losses; its artifacts hold its learning curve; a pruned trial's `end_reason` says why.",
        "",
        "### Verdict",
        "",
        *verdict_lines(sampler, seed, best, verdicts),
    ]
    if report is not None:
        lines += ["", f"Comparison report: [{report}](/reports/{report}) (served by `tune dashboard`)"]
    for number, final in sorted(attrs.get("final_test", {}).items(), key=lambda item: int(item[0])):
        metric = final["metric"]
        lines += [
            "",
            f"### Final test of trial {number} (`tune retrain`, {final['date']})",
            "",
            f"Retrained on training + validation ({final['trained_on']} samples, {final['epochs']} epochs), then "
            f"evaluated once on {final['n_test']} held-out samples: test loss {final['test_loss']:.4f}, test "
            f"{metric} {final[final['metric_key']]:.4f}. Weights: `{final['weights']}`.",
        ]
    lines += [
        "",
        f"### Sampler: {sampler}",
        "",
        *table(("setting", "value"), attrs.get("sampler_settings", {}).items()),
        "",
        f"### Pruner: {attrs['pruner']}",
        "",
        *table(("setting", "value"), attrs.get("pruner_settings", {}).items()),
        "",
        f"### Data: {attrs['dataset']}, split seeded by {seed}",
        "",
        *table(("split", "samples"), attrs.get("split_sizes", {}).items()),
        "",
        "### Versions",
        "",
        *table(("package", "version"), attrs.get("versions", {}).items()),
        "",
        "### Config",
        "",
        "```json",
        json.dumps(attrs.get("config", {}), indent=2, sort_keys=True),
        "```",
    ]
    return "\n".join(lines) + "\n"


def verdict_lines(sampler: str, seed: int, best: pd.DataFrame | None, verdicts: list[analysis.Verdict]) -> list[str]:
    if best is None:
        return ["Written here once every study of this comparison has finished its trial budget."]
    if best.sampler.nunique() < 2:
        return [f"Only the {sampler} sampler ran: nothing to compare."]
    # Against the baseline every sentence concerns this arm; otherwise only this sampler's own sentence.
    lines = [f"- {v.text}" for v in verdicts if sampler in (v.baseline, v.sampler)]
    this_seed = best[best.seed == seed].sort_values("best_value")
    values = ", ".join(
        f"{r.sampler} {r.best_value:.4g}" + (" (this study)" if r.sampler == sampler else "")
        for r in this_seed.itertuples()
    )
    return lines + [f"- Best validation loss on seed {seed}: {values}."]


def table(header: tuple[str, str], rows) -> list[str]:
    return [f"| {header[0]} | {header[1]} |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]
