"""``tune dashboard`` as users run it: a real subprocess serving a real comparison, read through its JSON
API and in headless Chromium."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, cli

from pipeline.dashboard.server import is_loopback, with_reports

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def start_dashboard(*args: str) -> tuple[subprocess.Popen, str]:
    """``tune dashboard ARGS --port 0`` in a subprocess, and the address it prints once it listens."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "dashboard", *args, "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in proc.stdout:  # until the address is printed, or the process ends
        if line.startswith("Open "):
            return proc, line.split()[1]
    stop(proc)
    raise AssertionError(f"the dashboard did not start: {proc.stderr.read()}")


def stop(proc: subprocess.Popen) -> int:
    """Ctrl-C by PID, as a user would; killed if it does not exit within 20 s."""
    try:
        os.kill(proc.pid, signal.SIGINT)
        return proc.wait(timeout=20)
    except ProcessLookupError:
        return proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def get_json(base: str, path: str):
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return json.load(response)


def listening_addresses(port: int) -> set[str]:
    """The addresses sockets listen on at ``port``, read from the kernel's tables (IPv4 and IPv6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                words = [raw[i : i + 4][::-1] for i in range(0, len(raw), 4)]  # little-endian 32-bit words
                found.add(".".join(map(str, words[0])) if len(raw) == 4 else b"".join(words).hex())
    return found


@pytest.fixture(scope="module")
def dashboard(tiny_comparison):
    """The dashboard serving the tiny comparison: (base URL without /dashboard/, its port, the spec)."""
    url, spec = tiny_comparison
    proc, address = start_dashboard("--storage", url)
    try:
        base = address.removesuffix("/dashboard/")
        yield base, int(base.rsplit(":", 1)[1]), spec
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def studies(dashboard):
    base, _, _ = dashboard
    summaries = get_json(base, "/api/studies")["study_summaries"]
    return {s["study_name"]: get_json(base, f"/api/studies/{s['study_id']}") | {"id": s["study_id"]} for s in summaries}


@pytest.mark.parametrize(
    "host, loopback",
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.1", False),
    ],
)
def test_only_loopback_addresses_count_as_local(host, loopback):
    assert is_loopback(host) is loopback


def test_reports_are_served_from_their_folder_and_nothing_else(tmp_path):
    (tmp_path / "digits_mlp.html").write_text("<html>report</html>")
    (tmp_path / "secret.txt").write_text("no")
    app = with_reports(lambda environ, start: [b"dashboard"], tmp_path)

    def get(path):
        status = []
        body = b"".join(app({"PATH_INFO": path}, lambda s, headers: status.append(s)))
        return (status or ["from the dashboard"])[0], body

    assert get("/reports/digits_mlp.html") == ("200 OK", b"<html>report</html>")
    assert get("/reports/secret.txt")[0] == "404 Not Found"
    assert get("/reports/../digits_mlp.html")[0] == "404 Not Found"
    assert get("/api/studies") == ("from the dashboard", b"dashboard")


@pytest.mark.slow
def test_it_listens_on_loopback_only_by_default(dashboard):
    _, port, _ = dashboard
    assert listening_addresses(port) == {"127.0.0.1"}


@pytest.mark.slow
def test_the_api_lists_every_study_with_its_note(studies, dashboard):
    _, _, spec = dashboard
    assert set(studies) == {arm.study_name for arm in spec.arms()}
    for arm in spec.arms():
        note = studies[arm.study_name]["note"]["body"]
        assert note.startswith(f"## digits_mlp: {arm.sampler} sampler, seed {arm.seed}")
        assert "### Verdict\n\n- " in note and "Written here once" not in note  # the comparison finished


@pytest.mark.slow
def test_every_finished_trial_has_its_intermediate_values_and_a_learning_curve(studies, dashboard):
    base, _, spec = dashboard
    for study in studies.values():
        assert len(study["trials"]) == spec.trials
        for trial in study["trials"]:
            attrs = {a["key"]: a["value"] for a in trial["user_attrs"]}
            steps = [v["step"] for v in trial["intermediate_values"]]
            assert steps == list(range(int(attrs["epochs_run"])))  # the validation loss after each epoch
            (artifact,) = trial["artifacts"]
            assert artifact["filename"] == f"learning-curve-trial-{trial['number']}.svg"
    trial = studies["digits_mlp-tpe-seed0"]["trials"][0]
    path = (
        f"/artifacts/{studies['digits_mlp-tpe-seed0']['id']}/{trial['trial_id']}/{trial['artifacts'][0]['artifact_id']}"
    )
    with urllib.request.urlopen(base + path, timeout=30) as response:
        assert response.headers["Content-Type"] == "image/svg+xml"
        assert response.read().startswith(b"<svg")


@pytest.mark.slow
def test_a_pruned_trial_says_at_which_epoch_and_against_what_median(studies):
    pruned = 0
    for study in studies.values():
        complete = []
        for trial in sorted(study["trials"], key=lambda t: t["number"]):
            values = {v["step"]: v["value"] for v in trial["intermediate_values"]}
            if trial["state"] == "Pruned":
                step = max(values)
                median = np.median([c[step] for c in complete if step in c])  # as MedianPruner: complete trials
                reason = {a["key"]: a["value"] for a in trial["user_attrs"]}["end_reason"]
                assert reason.startswith(
                    f"pruned after epoch {step + 1}: best validation loss so far {min(values.values()):.4g}"
                )
                assert (
                    f"is above the median {median:.4g} of {len(complete)} complete trials after epoch {step + 1}"
                    in reason
                )
                assert trial["note"]["body"].startswith(f"**P{reason[1:]}.**")
                pruned += 1
            elif trial["state"] == "Complete":
                complete.append(values)
    assert pruned > 0


@pytest.mark.slow
def test_ctrl_c_stops_it_cleanly(tiny_comparison):
    proc, address = start_dashboard("--storage", tiny_comparison[0])
    assert get_json(address.removesuffix("/dashboard/"), "/api/studies")["study_summaries"]
    assert stop(proc) == 0
    stderr = proc.stderr.read()
    assert "dashboard stopped" in stderr and "Traceback" not in stderr


@pytest.mark.slow
def test_a_non_loopback_host_is_warned_about_before_it_binds(tiny_comparison):
    # 192.0.2.1 is a documentation address no machine has: the bind fails, so nothing is ever exposed.
    result = cli("dashboard", "--storage", tiny_comparison[0], "--host", "192.0.2.1", "--port", "0")
    assert result.returncode == 2
    assert "WARNING: listening on 192.0.2.1, which is not a loopback address" in result.stderr
    assert "can read, rename and delete every study" in result.stderr
    assert "port 0" not in result.stderr and "on the port printed below" in result.stderr  # 0: any free port
    assert result.stderr.rstrip().splitlines()[-1].startswith("error: cannot listen on 192.0.2.1:0")


@pytest.mark.slow
def test_a_missing_database_is_refused_not_created(tmp_path):
    result = cli("dashboard", "--storage", str(tmp_path / "none.db"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: no comparison stored at {tmp_path / 'none.db'}")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.browser
def test_a_browser_opens_the_study_list_then_a_study_with_its_trials_and_note(dashboard, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: 'make test' installs Debian's chromium package")
    base, _, _ = dashboard
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.goto(f"{base}/dashboard/")
            page.get_by_text("digits_mlp-tpe-seed0").click()
            page.wait_for_url("**/dashboard/studies/*")
            page.get_by_role("link", name="Note").click()
            expect(page.get_by_text("digits_mlp: tpe sampler, seed 0")).to_be_visible()
            expect(page.get_by_text("Sampler: tpe")).to_be_visible()
            page.screenshot(path=tmp_path / "note.png")
            page.get_by_role("link", name="Trials (List)").click()
            expect(page.get_by_text("Trial 0", exact=True)).to_be_visible()
            page.get_by_text("Pruned", exact=True).first.click()  # the first pruned trial
            expect(page.get_by_text("Pruned after epoch").first).to_be_visible()  # its note
            curve = page.locator("img[src*='/artifacts/']").first
            curve.scroll_into_view_if_needed()
            expect(curve).to_be_visible()
            assert curve.evaluate("img => img.complete && img.naturalWidth") > 0  # the SVG loaded and drew
            page.screenshot(path=tmp_path / "pruned_trial.png")
        finally:
            browser.close()
    assert (tmp_path / "note.png").stat().st_size > 10_000
    assert (tmp_path / "pruned_trial.png").stat().st_size > 10_000


@pytest.mark.slow
def test_a_trial_page_fits_a_normal_window_however_many_epochs(tmp_path):
    """Per-epoch lists among the user attrs, which the dashboard prints on one unwrapped line, made a 20-epoch
    trial's page 4,057 px wide in a 1,280 px window."""
    from conftest import run_tiny, sqlite_url
    from playwright.sync_api import expect, sync_playwright

    run_tiny(tmp_path / "long.db", trials=2, seeds=1, epochs=20)
    proc, address = start_dashboard("--storage", sqlite_url(tmp_path / "long.db"))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(address)
                page.get_by_text("digits_mlp-tpe-seed0").click()
                page.get_by_role("link", name="Trials (List)").click()
                expect(page.get_by_text("epochs_run 20").first).to_be_visible()  # the trial's attrs are drawn
                width = page.evaluate("document.documentElement.scrollWidth")
                page.screenshot(path=tmp_path / "trial.png")
            finally:
                browser.close()
    finally:
        stop(proc)
    assert width <= 1280, f"the trial page is {width} px wide in a 1,280 px window"
