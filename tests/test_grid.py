"""The grid arm: Optuna's GridSampler over an objective module's declared grid, its budget the grid's size,
side by side with random and TPE in one comparison."""

from __future__ import annotations

import itertools
import subprocess
import sys

import optuna
import pytest

from pipeline.config import StudySpec
from pipeline.errors import UsageError
from pipeline.objectives import cnn, defaults_of, grid_of, grid_size, mlp, optuna_example_mlp
from tests.conftest import REPO


@pytest.mark.parametrize("module", [mlp, cnn])
def test_every_grid_point_is_a_complete_set_of_parameters_for_its_module(module):
    grid = grid_of(module)
    assert grid_size(module) == 27  # 3 × 3 × 3, everything else at its default
    assert sorted(len(v) for v in grid.values() if len(v) > 1) == [3, 3, 3]
    for point in itertools.product(*grid.values()):
        params = dict(zip(grid, point, strict=True))
        module.suggest(optuna.trial.FixedTrial(params))  # raises on any parameter the grid lacks
    assert {k: v[0] for k, v in grid.items() if len(v) == 1}.items() <= defaults_of(module).items()


def test_a_grid_arm_for_an_objective_without_a_grid_is_refused_with_how_to_declare_one():
    with pytest.raises(UsageError, match="objective 'optuna_example_mlp' declares no GRID for the grid sampler"):
        StudySpec(
            name="s", dataset="digits", objective=optuna_example_mlp, epochs=2, trials=3, samplers=("random", "grid")
        )


SMALL_GRID = """
from pipeline.objectives.mlp import *  # noqa: F403 (suggest, build, DEFAULTS)

GRID = {"lr": [1e-3, 1e-2], "width": [32, 64]}
"""
STUDY = """
import small_grid

from pipeline import StudySpec, main

STUDY = StudySpec(name="gridded", dataset="digits", objective=small_grid, epochs=2, trials=5, seeds=2,
                  samplers=("random", "tpe", "grid"), pruner="none")

if __name__ == "__main__":
    main(STUDY)
"""


@pytest.mark.slow
def test_a_three_arm_comparison_runs_the_whole_grid_once_per_seed_and_judges_every_arm(tmp_path):
    (tmp_path / "small_grid.py").write_text(SMALL_GRID)
    (tmp_path / "gridded.py").write_text(STUDY)

    def compare():
        return subprocess.run(
            [sys.executable, "gridded.py", "compare", "--storage", "g.db", "--no-progress"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        )

    first = compare()
    assert first.returncode == 0, first.stderr
    storage = f"sqlite:///{tmp_path / 'g.db'}"
    for seed in (0, 1):
        grid = optuna.load_study(study_name=f"gridded-grid-seed{seed}", storage=storage)
        points = [(t.params["lr"], t.params["width"]) for t in grid.trials]
        assert sorted(points) == [(1e-3, 32), (1e-3, 64), (1e-2, 32), (1e-2, 64)]  # each point once, no more
        assert grid.user_attrs["trials"] == 4 and grid.user_attrs["sampler_settings"]["search_space"]["width"] == [
            32,
            64,
        ]
        assert len(optuna.load_study(study_name=f"gridded-random-seed{seed}", storage=storage).trials) == 5
    verdicts = [line for line in first.stdout.splitlines() if line.startswith("Verdict: ")]
    assert [v.split(":")[1].strip().split(" vs ")[0] for v in verdicts[:2]] == ["grid", "tpe"]  # one per arm
    assert all(" vs random: " in v for v in verdicts[:2])  # each against the baseline
    assert "budgets differ: grid runs its whole grid, 4 points; trials per study grid 4, random 5, tpe 5" in verdicts[2]
    report = (tmp_path / "g.html").read_text()
    assert "Distinct values tried per parameter" in report

    again = compare()  # the budgets are met: nothing more runs, the grid is not repeated
    assert again.returncode == 0, again.stderr
    assert len(optuna.load_study(study_name="gridded-grid-seed0", storage=storage).trials) == 4


def test_distinct_values_count_what_each_arm_tried(tmp_path):
    from handmade import comparison

    from pipeline.analysis.summary import distinct_values
    from pipeline.analysis.tables import load_trials

    trials = load_trials(*comparison([("grid", 0, [1.0, 2.0, 3.0]), ("random", 0, [1.0, 2.0, 3.0, 4.0])]))
    table = distinct_values(trials).set_index("param")
    assert table.loc["x"].to_dict() == {"grid": 3, "random": 4}  # handmade: x grows with the trial number
    assert table.loc["(finished trials)"].to_dict() == {"grid": 3, "random": 4}


def test_with_a_grid_arm_each_pair_is_judged_at_its_own_budget_and_no_arm_is_called_short():
    from handmade import analysis_of

    arms = [(sampler, seed, results) for seed in (0, 1) for sampler, results in
            (("random", [3.0, 2.0]), ("tpe", [2.5, 1.5]), ("grid", [4.0, 3.0, 2.0, 1.0]))]  # fmt: skip
    result = analysis_of(arms)
    at_full = result.tests[result.tests.fraction == 1.0].set_index("sampler").trial.to_dict()
    assert at_full == {"grid": 4, "tpe": 2}  # tpe vs random after their 2 trials, grid vs random after its 4
    assert not [note for note in result.notes if "trials finished" in note]  # random ran its budget, not 2 of 4
    assert any(line.startswith("budgets differ: grid runs its whole grid, 4 points") for line in result.verdict)
