import json

from handmade import FAIL, add_arm, pruned

from pipeline.analysis.best import best_configurations
from pipeline.storage import Storage
from tests.conftest import cli


def test_the_best_is_the_lowest_complete_loss_and_a_lower_pruned_value_never_counts(tmp_path):
    url = f"sqlite:///{tmp_path / 'toy.db'}"
    add_arm(url, "random", 0, [0.9, pruned(1, value=0.001), 0.5, FAIL])
    add_arm(url, "random", 1, [0.45, 0.7])
    add_arm(url, "tpe", 0, [0.8, 0.3, pruned(2, value=0.0001)])
    found = best_configurations(Storage(url), "toy", where=url)
    assert found["per_sampler"]["random"]["study_name"] == "toy-random-seed1"
    assert (found["per_sampler"]["random"]["number"], found["per_sampler"]["random"]["val_loss"]) == (0, 0.45)
    assert (found["per_sampler"]["tpe"]["number"], found["per_sampler"]["tpe"]["val_loss"]) == (1, 0.3)
    assert found["best"] == found["per_sampler"]["tpe"]
    assert found["best"]["params"] == {"x": 0.1} and found["best"]["epochs"] == 3
    json.dumps(found)  # plain data, as --format json prints it


def test_tune_best_prints_a_table_or_json_and_exports_the_same_json(tiny_comparison, tmp_path):
    url, spec = tiny_comparison
    path = url.removeprefix("sqlite:///")
    table = cli("best", "digits_mlp", "--storage", path)
    assert table.returncode == 0, table.stderr
    as_json = cli("best", "digits_mlp", "--storage", path, "--format", "json", "--export", str(tmp_path / "b.json"))
    assert as_json.returncode == 0, as_json.stderr
    found = json.loads(as_json.stdout)
    assert json.loads((tmp_path / "b.json").read_text()) == found
    best = found["best"]
    assert set(found["per_sampler"]) == {"random", "tpe"} and best["config_hash"] and best["versions"]["optuna"]
    assert f"{best['study_name']} trial {best['number']}" in table.stdout.splitlines()[1]
    assert best["val_loss"] == min(e["val_loss"] for e in found["per_sampler"].values())


def test_tune_best_on_a_missing_storage_is_one_line(tmp_path):
    result = cli("best", "digits_mlp", "--storage", str(tmp_path / "none.db"))
    assert result.returncode == 2 and result.stderr.startswith("error: no comparison stored at")
    assert not (tmp_path / "none.db").exists()
