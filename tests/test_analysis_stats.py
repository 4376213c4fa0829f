"""Paired-seed tests and speedups against the baseline, on hand-made numbers."""

import numpy as np
import pytest
from handmade import curves_of, pruned

from pipeline.analysis.anytime import align
from pipeline.analysis.stats import paired_tests, speedup


def paired_results(arms, *, budget):
    return paired_tests(align(curves_of(arms), "trial"), budget=budget).set_index("fraction")


def test_wilcoxon_matches_the_hand_computed_exact_p_value():
    # tpe − random per seed: −1, −2, −3, +4, −5. Signed ranks: W+ = 4, W− = 11; statistic min = 4.
    # Exact two-sided p = 2 · #{subsets of 1..5 summing to ≤ 4} / 2^5 = 2 · 7 / 32 = 0.4375.
    tpe = [9.0, 8.0, 7.0, 14.0, 5.0]
    arms = [("random", k, [10.0]) for k in range(5)] + [("tpe", k, [v]) for k, v in enumerate(tpe)]
    full = paired_results(arms, budget=1).loc[1.0]
    assert (full.n_pairs, full.wins, full.ties, full.losses) == (5, 4, 0, 1)
    assert full.median_difference == pytest.approx(-2.0)
    assert full.statistic == 4.0
    assert full.p_value == pytest.approx(0.4375)
    assert full.smallest_p == pytest.approx(2 / 32)
    assert "cannot go below 0.0625" in full.note


def test_arms_are_compared_after_a_quarter_half_and_all_of_the_trial_budget():
    arms = [("random", 0, [5.0, 4.0, 3.0, 2.0]), ("tpe", 0, [6.0, 1.0, 1.0, 1.0])]
    tests = paired_results(arms, budget=4)
    assert tests.trial.tolist() == [1, 2, 4]
    assert tests[["wins", "losses"]].values.tolist() == [[0, 1], [1, 0], [1, 0]]
    assert tests.median_difference.tolist() == pytest.approx([1.0, -3.0, -1.0])


def test_seeds_that_all_tie_give_no_test_and_say_so():
    arms = [(s, k, [1.0, 0.5]) for s in ("random", "tpe") for k in range(3)]
    full = paired_results(arms, budget=2).loc[1.0]
    assert (full.wins, full.ties, full.losses) == (0, 3, 0)
    assert np.isnan(full.p_value)
    assert full.note == "all 3 paired seeds tied: nothing to test"


def test_seeds_without_a_partner_are_not_paired_and_the_reason_is_given():
    arms = [("random", 0, [1.0]), ("tpe", 1, [0.5]), ("tpe", 2, [pruned(1)])]
    full = paired_results(arms, budget=1).loc[1.0]
    assert full.n_pairs == 0
    assert full.note == "no seed where both arms have a complete trial"


def test_one_untied_seed_gives_p_one_and_says_more_seeds_are_needed():
    full = paired_results([("random", 0, [2.0]), ("tpe", 0, [1.0])], budget=1).loc[1.0]
    assert (full.wins, full.p_value, full.smallest_p) == (1, 1.0, 1.0)
    assert "run more seeds" in full.note


def test_speedup_counts_trials_and_epochs_both_arms_need_to_reach_random_median_final_best():
    # random's median best-so-far reaches its final 1.1 only at its 4th trial (12 epochs).
    # tpe's median best reaches 1.025 at its 2nd trial, after 1 + 3 = 4 epochs (its first was pruned).
    arms = [
        ("random", 0, [4.0, 3.0, 2.0, 1.0]),
        ("random", 1, [4.0, 3.0, 2.0, 1.2]),
        ("tpe", 0, [pruned(1), 1.0, 5.0, 5.0]),
        ("tpe", 1, [pruned(1), 1.05, 5.0, 5.0]),
        ("gp", 0, [5.0, 5.0, 5.0, 5.0]),
        ("gp", 1, [5.0, 5.0, 5.0, 5.0]),
    ]
    curves = curves_of(arms, epochs=3)
    table = speedup(curves).set_index(["sampler", "axis"])
    tpe_trials, tpe_epochs = table.loc[("tpe", "trial")], table.loc[("tpe", "epochs")]
    assert tpe_trials.target == pytest.approx(1.1)
    assert (tpe_trials.needed, tpe_trials.baseline_needed, tpe_trials.speedup) == (2, 4, 2.0)
    assert (tpe_epochs.needed, tpe_epochs.baseline_needed, tpe_epochs.speedup) == (4, 12, 3.0)
    assert tpe_trials.ci_low == tpe_trials.ci_high == 2.0  # both seeds alike: every resample agrees
    assert not table.loc[("gp", "trial")].reached and np.isnan(table.loc[("gp", "trial")].speedup)


def test_no_baseline_results_means_no_speedup_rather_than_an_error():
    curves = curves_of([("random", 0, [pruned(1)]), ("tpe", 0, [1.0])])
    assert speedup(curves).empty
