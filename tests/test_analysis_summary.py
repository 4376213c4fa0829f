"""Per-seed bests, the pruning table and each sampler's best configuration."""

import pytest
from handmade import FAIL, comparison, pruned, stopped_early

from pipeline.analysis.summary import best_per_study, best_trials, pruning_table
from pipeline.analysis.tables import load_trials


def test_best_per_study_takes_the_lowest_complete_value_and_its_trial():
    trials = load_trials(*comparison([("tpe", 0, [2.0, pruned(1, value=0.01), 1.0, FAIL])]))
    row = best_per_study(trials).iloc[0]
    assert (row.best_value, row.best_number, row.finished, row.pruned) == (1.0, 2, 3, 1)


def test_pruning_table_measures_epochs_trained_against_training_every_trial_fully():
    arms = [("random", 0, [1.0, pruned(1), pruned(2)]), ("random", 1, [1.0, 1.0, 1.0])]
    trials = load_trials(*comparison(arms, epochs=3))
    row = pruning_table(best_per_study(trials), trials).iloc[0]
    assert (row.seeds, row.finished, row.pruned, row.epochs_run, row.no_pruning_epochs) == (2, 6, 2, 15, 18)
    assert row.pruned_fraction == pytest.approx(2 / 6)
    assert row.epochs_saved == pytest.approx(3 / 18)
    assert (row.stopped_early, row.saved_by_pruning, row.saved_by_early_stopping) == (0, pytest.approx(3 / 18), 0)


def test_epochs_saved_by_early_stopping_are_counted_apart_from_those_saved_by_pruning():
    arms = [("tpe", 0, [stopped_early(4, 0.5), pruned(2), 1.0, stopped_early(10, 0.4)])]  # the last ran them all
    trials = load_trials(*comparison(arms, epochs=10))
    row = pruning_table(best_per_study(trials), trials).iloc[0]
    assert (row.finished, row.pruned, row.stopped_early, row.epochs_run) == (4, 1, 2, 26)
    assert row.saved_by_pruning == pytest.approx(8 / 40)
    assert row.saved_by_early_stopping == pytest.approx(6 / 40)
    assert row.epochs_saved == pytest.approx(row.saved_by_pruning + row.saved_by_early_stopping)


def test_best_trials_picks_each_samplers_lowest_complete_trial_over_all_seeds_with_its_params():
    arms = [("random", 0, [2.0, 1.5]), ("random", 1, [1.2, pruned(1, value=0.01)]), ("tpe", 0, [3.0, FAIL, 0.7])]
    best = best_trials(load_trials(*comparison(arms))).set_index("sampler")
    assert (best.loc["random", "study_name"], best.loc["random", "number"], best.loc["random", "value"]) == (
        "toy-random-seed1",
        0,
        1.2,
    )  # the pruned trial's low intermediate value does not count
    assert best.loc["tpe", "number"] == 2 and best.loc["tpe", "params"] == {"x": 0.2}
