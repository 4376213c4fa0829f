"""The HTML report: one self-contained file, verdict first, then the figures and tables of the analysis.

plotly.js is written into the file itself (no CDN, no MathJax), so the report opens in a browser with no
network. By default it lands beside the storage file, named after it: ``runs/x.db`` → ``runs/x.html``.
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from pipeline.analysis import Analysis
from pipeline.console import format_params, format_sampler_table
from pipeline.files import write_atomically
from pipeline.plots import Shown, figures

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; }
.verdict { font-size: 1.15em; background: #eef5fb; border-left: 5px solid #1f77b4; padding: 0.6em 1em; }
.notes { background: #fff8e5; border-left: 5px solid #e0a800; padding: 0.4em 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.92em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.7em; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
.how { color: #555; max-width: 60em; }
.scroll { overflow-x: auto; }
"""


def write_report(analysis: Analysis, path: Path, *, storage: str = "") -> Path:
    """Write the report of ``analysis`` to ``path`` (whole, or not at all: files.py) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)  # runs/ for a database server's studies
    return write_atomically(path, render(analysis, storage=storage))


def render(analysis: Analysis, *, storage: str = "") -> str:
    """The whole report as one HTML string."""
    figs = figures(analysis)
    samplers = ", ".join(analysis.samplers) or "no samplers yet"
    parts = [
        f"<h1>{esc(analysis.study)}: {esc(samplers)}</h1>",
        verdict_html(analysis),
        "<p class='how'>The verdict pairs seed k of each sampler with seed k of the baseline (same data split, same "
        "initializations): per seed, the best validation loss after the full budget and their difference "
        "(negative: the sampler won).</p>",
        table(analysis.paired),
        f"<p class='how'>{esc(setup_text(analysis, storage))}</p>",
    ]
    if analysis.notes:
        parts.append(
            "<div class='notes'><b>What the data cannot tell</b><ul>"
            + "".join(f"<li>{esc(n)}</li>" for n in analysis.notes)
            + "</ul></div>"
        )
    parts += [
        "<h2>Per sampler, over seeds</h2>",
        f"<pre>{esc(format_sampler_table(analysis.table, metric=analysis.metric))}</pre>",
        "<h2>Best configuration per sampler</h2>",
        "<p class='how'>Each sampler's lowest final validation loss over all its seeds, the trial that found it and "
        "its hyperparameters: the configuration to retrain. Chosen on validation data; the test split is "
        "untouched.</p>",
        best_trials_table(analysis.best_trials),
        "<h2>Anytime performance</h2>",
        figure(figs.anytime_trial),
        figure(figs.anytime_epochs),
        figure(figs.anytime_seconds),
        "<h2>Paired tests at 25%, 50% and 100% of the trial budget</h2>",
        "<p class='how'>Seed k of every sampler shares its data split, so arms are compared seed by seed. "
        "W/T/L counts the seeds where the sampler's best so far was lower / equal / higher than the baseline's; "
        "the median difference is sampler minus baseline (negative: sampler better). The Wilcoxon signed-rank "
        "test is two-sided; with few seeds its p-value has a floor (smallest_p) however clear the wins.</p>",
        table(analysis.tests),
        "<h2>Speedup over the baseline</h2>",
        "<p class='how'>On the seeds both arms ran: where each arm's median best-so-far curve first reaches the "
        "baseline's median final best (<code>needed</code> for the sampler, <code>baseline_needed</code> for the "
        "baseline, measured the same way), and their ratio, so an arm identical to the baseline scores 1×. The 95% "
        "interval resamples seeds in pairs; 0 means some resamples never reached the target.</p>",
        table(analysis.speedup),
        "<h2>Final results per seed</h2>",
        figure(figs.final_best),
        "<h2>Area under the normalized regret curve</h2>",
        figure(figs.regret_auc),
        table(analysis.auc_summary),
        "<h2>Pruning</h2>",
        figure(figs.pruning),
        table(analysis.pruning),
        "<h2>Distinct values tried per parameter</h2>",
        "<p class='how'>Per sampler, the median over seeds of how many different values of each hyperparameter "
        "its finished trials used. A grid tries k values of each parameter it varies and one of every other; "
        "random search tries a new value of every continuous parameter in every trial, which is why it beats a "
        "grid of the same size once more than a few parameters matter.</p>",
        table(analysis.distinct),
        "<h2>Sensitivity</h2>",
        figure(figs.importance),
        "<h2>Learning curves of the best trials</h2>",
        figure(figs.learning_curves),
        table(analysis.diagnoses),
        "<h2>Every trial, epoch by epoch</h2>",
        figure(figs.intermediate_values),
    ]
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(analysis.study)} sampler comparison</title><style>{STYLE}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head>\n<body>\n{body}\n</body></html>\n"
    )


def verdict_html(analysis: Analysis) -> str:
    alone = ", ".join(analysis.samplers) or "no sampler"
    lines = analysis.verdict or [f"only {alone} here: nothing to compare against"]
    return "<div class='verdict'><b>Verdict</b>" + "".join(f"<p>{esc(line)}</p>" for line in lines) + "</div>"


def setup_text(analysis: Analysis, storage: str) -> str:
    """One sentence on what ran, from the studies' stored settings."""
    studies = analysis.studies
    if studies.empty:
        return "No studies."
    first = studies.iloc[0]
    seeds = studies.groupby("sampler").seed.nunique()
    versions = ", ".join(f"{k} {v}" for k, v in (first.versions or {}).items())
    return (
        f"{first.objective} on {first.dataset}; {', '.join(f'{s} × {n} seeds' for s, n in seeds.items())}; "
        f"budget {budget_text(studies)} finished trials of up to {first.epochs} epochs per study; "
        f"{first.pruner} pruner {first.pruner_settings}; value = final validation loss ({analysis.loss}), with the "
        f"validation {analysis.metric} beside it. Storage {storage or 'unnamed'}; "
        f"written {datetime.now():%Y-%m-%d %H:%M}; {versions}."
    )


def budget_text(studies: pd.DataFrame) -> str:
    """``30``, or per sampler when they differ (the grid runs its whole grid): ``grid 27, random 30, tpe 30``."""
    budgets = studies.dropna(subset=["trials"]).groupby("sampler").trials.max().astype(int)
    if budgets.nunique() <= 1:
        return str(budgets.iloc[0]) if len(budgets) else "0"
    return ", ".join(f"{sampler} {budget}" for sampler, budget in budgets.items())


def best_trials_table(best: pd.DataFrame) -> str:
    if best.empty:
        return "<p class='how'>(no complete trial yet)</p>"
    shown = best.assign(params=[format_params(p) for p in best.params])
    return table(shown.rename(columns={"value": "val_loss", "number": "trial"}))


def figure(shown: Shown) -> str:
    div = pio.to_html(shown.figure, full_html=False, include_plotlyjs=False, config={"displaylogo": False})
    return f"<p class='how'>{esc(shown.caption)}</p>{div}"


def table(frame: pd.DataFrame) -> str:
    """A DataFrame as an HTML table, numbers rounded to 4 significant digits, missing values as a dash."""
    if frame.empty:
        return "<p class='how'>(nothing to show)</p>"
    html_table = frame.to_html(index=False, na_rep="—", float_format=lambda v: f"{v:.4g}", border=0)
    return f"<div class='scroll'>{html_table}</div>"


def esc(text: object) -> str:
    return html.escape(str(text))
