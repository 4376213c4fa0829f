"""Per-seed bests, the pruning table and the verdict line."""

import pytest
from handmade import FAIL, comparison, pruned

from pipeline.analysis import analyze
from pipeline.analysis.summary import best_per_study, pruning_table, verdict
from pipeline.analysis.trials import load_trials


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


def test_verdict_opens_with_the_speedup_then_wilcoxon_then_paired_counts():
    arms = [
        ("random", 0, [4.0, 3.0, 2.0, 1.0]), ("random", 1, [4.0, 3.0, 2.0, 1.2]),
        ("tpe", 0, [pruned(1), 0.9, 5.0, 5.0]), ("tpe", 1, [pruned(1), 1.05, 5.0, 5.0]),
    ]
    storage, names = comparison(arms, epochs=3)
    (line,) = analyze(storage, "toy", names=names).verdict
    assert line.startswith("tpe reached random's final best (1.1) in 2 trials, 2.0× faster (3.0× faster in epochs); ")
    assert "Wilcoxon p = 0.5 at full budget (with 2 untied seeds it cannot go below 0.5)" in line
    assert "W/T/L 2/0/0 (paired seeds: 2)" in line
    assert line.endswith("median best validation loss 0.975 vs 1.1 (11.4% lower)")


def test_verdict_says_when_a_sampler_never_reached_the_baseline():
    arms = [("random", 0, [1.0]), ("random", 1, [1.0]), ("tpe", 0, [2.0]), ("tpe", 1, [3.0])]
    storage, names = comparison(arms)
    (line,) = analyze(storage, "toy", names=names).verdict
    assert line.startswith("tpe did not reach random's final best (1) within its budget; ")
    assert "W/T/L 0/0/2" in line


def test_verdict_from_bests_alone_keeps_the_plain_sentence():
    best = best_per_study(load_trials(*comparison([("random", 0, [2.0]), ("tpe", 0, [1.0])])))
    assert verdict(best) == [
        "tpe did better than random; W/T/L 1/0/0 (paired seeds: 1); median best validation loss 1 vs 2 (50.0% lower)"
    ]
    assert verdict(best, baseline="qmc") == ["no 'qmc' arm to compare against"]


def test_verdict_on_level_results_says_both_reached_the_same_loss():
    best = best_per_study(load_trials(*comparison([("random", 0, [1.0]), ("tpe", 0, [1.0])])))
    assert verdict(best) == [
        "tpe did level with random; W/T/L 0/1/0 (paired seeds: 1); median best validation loss 1 for both"
    ]
