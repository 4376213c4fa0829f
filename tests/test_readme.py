"""The README's own example objective, study script and own-data tutorial work as written."""

import json
import re
import subprocess
import sys

import optuna
import pytest
from conftest import REPO

pytestmark = pytest.mark.slow


def readme_block(filename: str) -> str:
    text = (REPO / "README.md").read_text()
    match = re.search(rf"```python\n# studies/{re.escape(filename)}\n(.*?)```", text, re.S)
    assert match, f"README has no block for studies/{filename}"
    return match.group(1)


def test_readme_objective_and_study_script_run_as_written(tmp_path):
    (tmp_path / "my_objective.py").write_text(readme_block("my_objective.py"))
    (tmp_path / "my_study.py").write_text(readme_block("my_study.py"))
    result = subprocess.run(
        [
            sys.executable,
            "my_study.py",
            "compare",
            "--trials",
            "2",
            "--seeds",
            "1",
            "--epochs",
            "2",
            "--storage",
            "my.db",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    study = optuna.load_study(study_name="my_study-tpe-seed0", storage=f"sqlite:///{tmp_path / 'my.db'}")
    assert study.user_attrs["objective"] == "my_objective"
    assert {"width", "lr", "batch_size"} <= set(study.trials[0].params)


def readme_commands(section: str) -> list[str]:
    """The ``tune ...`` lines of the first bash block after the heading ``section``."""
    text = (REPO / "README.md").read_text()
    after = text[text.index(f"## {section}") :]
    block = re.search(r"```bash\n(.*?)```", after, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.startswith("tune ")]


def test_the_own_data_tutorial_runs_as_written_on_a_csv_the_test_writes(tmp_path):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 120
    houses = pd.DataFrame(
        {
            "rooms": rng.integers(1, 7, n),
            "area": rng.uniform(30, 200, n).round(1),
            "district": rng.choice(["north", "south", "east"], n),
            "age": rng.integers(0, 60, n),
        }
    )
    houses["price"] = (houses.area * 3000 + (houses.district == "south") * 50000 + rng.normal(0, 20000, n)).round(0)
    houses["price"] = houses.price.astype(float)  # prices in a CSV written by hand may well be whole numbers
    houses.to_csv(tmp_path / "houses.csv", index=False)
    (tmp_path / "studies").mkdir()
    (tmp_path / "studies" / "residual_mlp.py").write_text(readme_block("residual_mlp.py"))
    (tmp_path / "studies" / "houses.py").write_text(readme_block("houses.py"))
    commands = readme_commands("Tune your own model on your own data")
    assert [c.split()[1] for c in commands] == ["compare", "report", "dashboard"]
    small = {"compare": ["--trials", "3", "--seeds", "1", "--epochs", "3", "--no-progress"], "report": []}
    for command in commands[:2]:  # the dashboard serves until Ctrl-C: its own tests start it
        args = command.split()[1:]
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", *args, *small[args[0]]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, (command, done.stderr)
    study = optuna.load_study(study_name="houses-tpe-seed0", storage=f"sqlite:///{tmp_path / 'runs' / 'houses.db'}")
    assert study.user_attrs["task"] == "regression" and {"width", "blocks", "lr"} <= set(study.trials[0].params)
    assert "R²" in (tmp_path / "runs" / "houses.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_workflow_section_runs_as_written_from_search_to_one_test(tmp_path):
    commands = readme_commands("The workflow: from a comparison to a tested model")
    assert [c.split()[1] for c in commands] == ["compare", "report", "best", "retrain"]
    (tmp_path / "runs").mkdir()
    outputs = []
    for command in commands:
        args = command.split()[1:]
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", *args], cwd=tmp_path, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, (command, done.stderr)
        outputs.append(done.stdout)
    best = json.loads((tmp_path / "runs" / "best.json").read_text())["best"]
    final = next((tmp_path / "runs" / "workflow-final").glob("*.json"))
    record = json.loads(final.read_text())
    assert (record["study_name"], record["number"]) == (best["study_name"], best["number"])
    assert f"test accuracy {record['test_accuracy']:.2%}" in outputs[-1]
    assert (tmp_path / "runs" / "workflow.html").is_file()


def test_the_own_pruner_example_runs_as_written_and_prunes_exactly_the_trials_above_its_limit(tmp_path):
    (tmp_path / "capped_digits.py").write_text(readme_block("capped_digits.py"))
    result = subprocess.run(
        [
            sys.executable,
            "capped_digits.py",
            "compare",
            "--pruner",
            "loss-above:limit=0.5",
            "--trials",
            "6",
            "--seeds",
            "1",
            "--epochs",
            "3",
            "--storage",
            "capped.db",
            "--no-progress",
        ],  # fmt: skip
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    states = set()
    for sampler in ("random", "tpe"):
        study = optuna.load_study(
            study_name=f"capped_digits-{sampler}-seed0", storage=f"sqlite:///{tmp_path / 'capped.db'}"
        )
        assert study.user_attrs["config"]["pruner_settings"] == {"limit": 0.5, "n_warmup_steps": 1}
        for trial in study.trials:
            above = [step for step, loss in trial.intermediate_values.items() if step >= 1 and loss > 0.5]
            assert (trial.state.name == "PRUNED") == bool(above), (trial.number, trial.intermediate_values)
            if above:
                assert max(trial.intermediate_values) == above[0]  # stopped at the first epoch above the limit
            states.add(trial.state.name)
    assert states == {"COMPLETE", "PRUNED"}  # both outcomes happened
