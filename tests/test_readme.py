"""The README's own example objective and study script work as written."""

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
