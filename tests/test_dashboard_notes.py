import sqlite3

import optuna
import pandas as pd
import pytest
from conftest import sqlite_url
from optuna_dashboard import get_note

from pipeline import analysis
from pipeline.dashboard.notes import study_note, write_notes


def notes(url):
    return {
        s.study_name: get_note(optuna.load_study(study_name=s.study_name, storage=url))
        for s in optuna.get_all_study_summaries(url)
    }


@pytest.fixture
def comparison_copy(tiny_comparison, tmp_path):
    """A private copy of the tiny comparison, to change."""
    target = tmp_path / "digits_mlp.db"
    with sqlite3.connect(tiny_comparison[0].removeprefix("sqlite:///")) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return sqlite_url(target)


def test_every_study_explains_its_sampler_pruner_seed_data_and_versions(tiny_comparison):
    url, spec = tiny_comparison
    written = notes(url)
    assert set(written) == {arm.study_name for arm in spec.arms()}
    for arm in spec.arms():
        note = written[arm.study_name]
        assert note.startswith(f"## digits_mlp: {arm.sampler} sampler, seed {arm.seed}\n")
        for key, value in arm.sampler_settings.items():
            assert f"| {key} | {value} |" in note
        assert "### Pruner: median" in note and "| n_warmup_steps | 1 |" in note
        assert f"split seeded by {arm.seed}" in note and "| val | 288 |" in note
        assert f"| optuna | {optuna.__version__} |" in note
        assert f"`{arm.config_hash}`" in note


def test_each_arm_gets_the_verdict_once_the_comparison_has_finished(tiny_comparison):
    url, spec = tiny_comparison
    written = notes(url)
    (sentence,) = analysis.analyze(url, spec.name).verdict  # two samplers: one sentence, tpe against random
    for seed in range(spec.seeds):
        tpe, random = written[f"digits_mlp-tpe-seed{seed}"], written[f"digits_mlp-random-seed{seed}"]
        for note in (tpe, random):  # the baseline's note carries every sentence against it
            assert f"### Verdict\n\n- {sentence}\n" in note
        assert f"Best validation loss on seed {seed}: " in tpe
        line = next(line for line in tpe.splitlines() if line.startswith(f"- Best validation loss on seed {seed}"))
        assert "tpe " in line and "(this study)" in line and "random " in line


def test_an_unfinished_comparison_has_no_verdict_yet(comparison_copy):
    study = optuna.load_study(study_name="digits_mlp-tpe-seed1", storage=comparison_copy)
    study.set_user_attr("trials", 50)  # as after 'compare --trials 50' was interrupted
    write_notes(comparison_copy, "digits_mlp")
    for note in notes(comparison_copy).values():
        assert "Written here once every study of this comparison has finished its trial budget." in note
        assert "tpe vs random" not in note


def test_the_html_report_is_linked_once_it_exists_and_unchanged_notes_are_not_rewritten(comparison_copy, tmp_path):
    assert write_notes(comparison_copy) == 0
    (tmp_path / "digits_mlp.html").write_text("<html>report</html>")
    assert write_notes(comparison_copy) == 4
    assert all("[digits_mlp.html](/reports/digits_mlp.html)" in note for note in notes(comparison_copy).values())
    assert write_notes(comparison_copy) == 0


def test_a_single_sampler_note_says_there_is_nothing_to_compare(tiny_comparison):
    url, _ = tiny_comparison
    attrs = optuna.load_study(study_name="digits_mlp-tpe-seed0", storage=url).user_attrs
    best = pd.DataFrame({"sampler": ["tpe"], "seed": [0], "best_value": [0.3]})
    assert "Only the tpe sampler ran: nothing to compare." in study_note(attrs, best=best, verdicts=[], report=None)
