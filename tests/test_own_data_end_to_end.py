"""Your own data, end to end through the command line: a CSV and a study script in the user's folder."""

import html
import sys

import numpy as np
import optuna
import pandas as pd
import pytest
from conftest import cli

pytestmark = pytest.mark.slow

SCRIPT = """
from pipeline import StudySpec, main
from pipeline.data import tabular
from pipeline.objectives import mlp

STUDY = StudySpec(
    name="{name}", dataset=tabular("{csv}", target="{target}"), objective=mlp, epochs=4, trials=6, seeds=1,
    pruner="median", pruner_settings={{"n_startup_trials": 2, "n_warmup_steps": 1}},
    sampler_options={{"tpe": {{"n_startup_trials": 3}}}},
)

if __name__ == "__main__":
    main(STUDY)
"""


def write_table(path, *, regression: bool, n=160, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), "kind": rng.choice(["a", "b"], n)})
    signal = frame.x1 * 2 - frame.x2 + (frame.kind == "a")
    frame["y"] = signal + rng.normal(0, 0.3, n) if regression else np.where(signal > 0.5, "high", "low")
    frame.to_csv(path, index=False)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_a_csv_and_a_study_script_in_the_users_folder_give_a_comparison_and_a_report(tmp_path, task):
    (tmp_path / "studies").mkdir()
    write_table(tmp_path / "table.csv", regression=task == "regression")
    name = f"my_{task}"
    (tmp_path / "studies" / f"{name}.py").write_text(SCRIPT.format(name=name, csv=tmp_path / "table.csv", target="y"))
    done = cli("compare", name, "--storage", "mine.db", "--no-progress", cwd=tmp_path)  # found in ./studies/
    assert done.returncode == 0, done.stderr
    metric = "R²" if task == "regression" else "accuracy"
    assert f"its val {metric}" in done.stdout and "Verdict: tpe vs random: " in done.stdout
    url = f"sqlite:///{tmp_path / 'mine.db'}"
    trials = [
        t
        for s in optuna.get_all_study_summaries(url)
        for t in optuna.load_study(study_name=s.study_name, storage=url).trials
    ]
    assert all(len(t.intermediate_values) == t.user_attrs["epochs_run"] for t in trials)  # a loss per epoch
    assert any(t.state == optuna.trial.TrialState.PRUNED for t in trials)
    attr = "val_r2" if task == "regression" else "val_accuracy"
    assert all(attr in t.user_attrs for t in trials)
    study = optuna.load_study(study_name=f"{name}-tpe-seed0", storage=url)
    assert study.user_attrs["task"] == task and study.user_attrs["dataset"] == "table"
    report = (tmp_path / "mine.html").read_text(encoding="utf-8")
    assert "Plotly.newPlot(" in report and html.escape(f"its val {metric}") in report


def test_a_study_script_run_directly_and_by_name_fail_the_same_way(tmp_path):
    (tmp_path / "studies").mkdir()
    bad = (
        "from pipeline import StudySpec, main\nfrom pipeline.objectives import mlp\n"
        "STUDY = StudySpec(name='bad', dataset='imagenet', objective=mlp, epochs=1, trials=1)\nmain(STUDY)\n"
    )
    (tmp_path / "studies" / "bad.py").write_text(bad)
    by_name = cli("compare", "bad", cwd=tmp_path)
    import subprocess

    direct = subprocess.run([sys.executable, "studies/bad.py", "compare"], cwd=tmp_path, capture_output=True, text=True)
    for done in (by_name, direct):
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        (line,) = done.stderr.strip().splitlines()
        assert "unknown dataset 'imagenet' (choose from: digits" in line


def test_a_regular_install_runs_bundled_studies_and_a_script_from_any_folder(tmp_path):
    import os
    import subprocess

    from conftest import REPO

    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "work"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(site), *map(str, wheels.glob("*.whl"))],
        check=True,
        capture_output=True,
        timeout=300,
    )
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}

    def run(*args):
        return subprocess.run([sys.executable, *args], cwd=work, env=env, capture_output=True, text=True, timeout=300)

    assert run("-c", "import pipeline; print(pipeline.__file__)").stdout.startswith(str(site))  # not the clone
    assert "digits_mlp" in run("-m", "pipeline", "studies").stdout.split()
    (work / "mine.py").write_text(
        "from pipeline import StudySpec, main\nfrom pipeline.objectives import mlp\n"
        "STUDY = StudySpec(name='mine', dataset='digits', objective=mlp, epochs=1, trials=2, seeds=1)\n"
    )
    tiny = ("--trials", "2", "--seeds", "1", "--epochs", "1", "--no-progress")
    for study in ("mine.py", "digits_mlp"):
        done = run("-m", "pipeline", "compare", study, *tiny)
        assert done.returncode == 0, done.stderr
    assert (work / "runs" / "mine.db").is_file() and (work / "runs" / "digits_mlp.db").is_file()
