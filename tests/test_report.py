"""The HTML report: one offline file, verdict first; the ``report`` command and ``compare``'s last lines."""

import html
import re
from pathlib import Path

import pytest
from conftest import cli, sqlite_url
from handmade import analysis_of, pruned
from plotly.offline import get_plotlyjs

from pipeline.cli import main
from pipeline.report import render
from pipeline.storage import Storage, sqlite_path


@pytest.fixture(scope="module")
def page():
    result = analysis_of()
    return result, render(result, storage="toy.db")


def test_report_works_offline_with_plotly_inline_and_no_remote_reference(page):
    _, text = page
    assert all("src=" not in tag for tag in re.findall(r"<script\b[^>]*>", text))  # nothing fetched
    assert "<link" not in text and "@import" not in text
    assert get_plotlyjs()[:500] in text  # the library itself is in the file
    assert text.count("Plotly.newPlot(") == 9


def test_report_opens_with_the_verdict_then_notes_then_figures(page):
    result, text = page
    assert len(result.verdict) == 1
    verdict = text.index(html.escape(result.verdict[0]))
    assert verdict < text.index("class='notes'") < text.index("Plotly.newPlot(")
    assert text.index("<body>") < text.index("Verdict") < verdict


def test_the_default_report_is_named_after_the_storage_file_beside_it(tmp_path):
    assert Storage(sqlite_url(tmp_path / "any.db")).report_path("digits_mlp") == tmp_path / "any.html"


def test_report_command_refuses_a_storage_that_does_not_exist(tmp_path, capsys):
    missing = tmp_path / "none.db"
    with pytest.raises(SystemExit) as stop:
        main(["report", "digits_mlp", "--storage", str(missing)])
    assert stop.value.code == 2
    assert capsys.readouterr().err == (
        f"error: no comparison stored at {missing} (run 'tune compare digits_mlp' first, or pass --storage)\n"
    )
    assert not missing.exists()


@pytest.mark.slow
def test_report_command_writes_the_html_and_prints_the_verdict_and_its_path(tiny_comparison, tmp_path):
    url, spec = tiny_comparison
    out = tmp_path / "report.html"
    done = cli("report", spec.name, "--storage", str(sqlite_path(url)), "--output", str(out))
    assert done.returncode == 0, done.stderr
    verdict, where = done.stdout.splitlines()
    assert verdict.startswith("Verdict: tpe vs random: ") and where == f"Report:  {out}"
    assert html.escape(verdict.removeprefix("Verdict: ")) in out.read_text(encoding="utf-8")


@pytest.mark.slow
def test_compare_ends_with_the_verdict_and_the_report_path(tmp_path):
    done = cli(
        "compare",
        "digits_mlp",
        "--seeds",
        "1",
        "--trials",
        "2",
        "--epochs",
        "2",
        "--storage",
        str(tmp_path / "digits.db"),
        "--no-progress",
    )
    assert done.returncode == 0, done.stderr
    *_, verdict, where = done.stdout.splitlines()
    assert verdict.startswith("Verdict: tpe vs random: tied by design")  # 2 trials: TPE had not started modelling
    assert where == f"Report:  {tmp_path / 'digits.html'}"
    assert "Plotly.newPlot(" in (tmp_path / "digits.html").read_text(encoding="utf-8")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.mark.slow
@pytest.mark.browser
def test_report_draws_every_figure_in_a_browser_with_the_network_off(tmp_path):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: 'make test' installs Debian's chromium package")
    enough = [3.0, 2.5, pruned(1), 2.0, 1.8, 1.7, 1.6]  # enough complete trials for importances too
    report = tmp_path / "toy.html"
    report.write_text(render(analysis_of([(s, k, enough) for s in ("random", "tpe") for k in (0, 1)])))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_context(offline=True, viewport={"width": 1280, "height": 1000}).new_page()
            requested = []
            tab.on("request", lambda request: requested.append(request.url))
            tab.goto(report.as_uri())
            tab.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 9")
            drawn = tab.evaluate("[...document.querySelectorAll('.js-plotly-plot')].map(g => g._fullData.length)")
            tab.get_by_text("IQM & 95% CI").first.click()
            shown = tab.evaluate(
                "document.querySelector('.js-plotly-plot').data.find(t => t.name === 'tpe IQM').visible"
            )
            tab.screenshot(path=tmp_path / "report.png", full_page=True)
        finally:
            browser.close()
    assert len(drawn) == 9 and all(n > 0 for n in drawn)
    assert shown is True  # the button switched the first figure to the IQM view
    assert requested == [report.as_uri()]  # nothing but the file itself
    assert (tmp_path / "report.png").stat().st_size > 100_000
