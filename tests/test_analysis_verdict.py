"""The verdict on hand-built comparisons: paired first, tied by design for identical arms, one text."""

import numpy as np
import pytest
from handmade import analysis_of, comparison, pruned
from scipy import stats

from pipeline.analysis.tables import load_trials
from pipeline.analysis.verdict import seeds_needed, verdicts


def only(result):
    (verdict,) = result.verdicts
    return verdict


def test_identical_arms_are_tied_by_design_with_a_speedup_of_exactly_one():
    runs = {seed: [1.0 + seed, pruned(1), 0.5 + seed, 0.7 + seed] for seed in range(3)}
    result = analysis_of([("random", s, r) for s, r in runs.items()] + [("tpe", s, r) for s, r in runs.items()])
    verdict = only(result)
    assert verdict.identical and (verdict.wins, verdict.ties, verdict.losses) == (0, 3, 0)
    assert verdict.text.startswith("tpe vs random: tied by design, identical trials on all 3 seeds")
    assert "faster" not in verdict.text and "as fast" not in verdict.text and verdict.text.endswith("no speedup")
    trial_axis = result.speedup.set_index("axis").loc["trial"]
    assert trial_axis.speedup == 1.0 and trial_axis.needed == trial_axis.baseline_needed == 3


def test_the_speedup_of_an_arm_that_found_the_same_best_sooner_counts_both_arms_the_same_way():
    # random reaches its final best 1.0 at its 2nd trial on both seeds: an identical arm used to score 4/2 = 2×
    random = [3.0, 1.0, 2.0, 2.0]
    result = analysis_of(
        [("random", 0, random), ("random", 1, random), ("tpe", 0, [1.0, 5, 5, 5]), ("tpe", 1, [1.0, 5, 5, 5])]
    )
    row = result.speedup.set_index("axis").loc["trial"]
    assert (row.baseline_needed, row.needed, row.speedup) == (2, 1, 2.0)


def test_a_clearly_better_arm_on_ten_seeds_is_significant_with_the_right_sign():
    rng = np.random.default_rng(3)
    arms = []
    for seed in range(10):
        random = list(rng.uniform(1.0, 2.0, 8))
        arms += [("random", seed, random), ("tpe", seed, [v - 0.4 - 0.01 * seed for v in random])]
    verdict = only(analysis_of(arms))
    assert verdict.significant and verdict.median_difference < 0
    assert verdict.text.startswith("tpe vs random: better on 10 of 10 seeds, Wilcoxon p = 0.002")
    assert verdict.ci_low <= verdict.median_difference <= verdict.ci_high < 0
    assert verdict.seeds_needed is None  # significant already: no call for more seeds


def test_paired_wins_lead_the_bottom_line_even_when_unpaired_medians_point_the_other_way():
    # The demo's pattern: tpe wins 4 of 5 seeds by a little, loses one by a lot; its median best is higher
    # than random's because seeds differ in difficulty.
    random = {0: 0.10, 1: 0.30, 2: 0.12, 3: 0.31, 4: 0.11}
    tpe = {0: 0.09, 1: 0.29, 2: 0.50, 3: 0.30, 4: 0.10}
    arms = [("random", s, [v + 1, v]) for s, v in random.items()] + [("tpe", s, [v + 1, v]) for s, v in tpe.items()]
    result = analysis_of(arms)
    verdict = only(result)
    assert np.median(list(tpe.values())) > np.median(list(random.values()))  # unpaired: tpe looks worse
    assert (verdict.wins, verdict.losses) == (4, 1) and verdict.median_difference < 0  # paired: tpe better
    assert verdict.text.startswith(
        "tpe vs random: no significant difference at 5 seeds (lower best validation "
        "loss on 4, higher on 1, tied on 0; Wilcoxon p = "
    )
    assert "with 5 untied seeds p cannot go below 0.0625" in verdict.text
    assert "worse" not in verdict.text
    full = result.tests[result.tests.fraction == 1.0].iloc[0]  # the report's own paired test agrees
    assert (full.wins, full.losses, full.p_value) == (verdict.wins, verdict.losses, verdict.p_value)


def test_the_verdict_p_value_is_scipys_wilcoxon_on_the_per_seed_differences():
    arms = [("random", s, [1.0 + 0.1 * s, 0.9 + 0.1 * s]) for s in range(6)]
    arms += [("tpe", s, [1.0, 0.8 + 0.13 * s]) for s in range(6)]
    trials = load_trials(*comparison(arms))
    (verdict,) = verdicts(trials, baseline="random", budget=2)
    ours = [min(1.0, 0.8 + 0.13 * s) for s in range(6)]  # each arm's best of its two trials
    theirs = [0.9 + 0.1 * s for s in range(6)]
    assert verdict.p_value == pytest.approx(stats.wilcoxon(ours, theirs).pvalue)


def test_seeds_needed_grows_as_the_effect_shrinks_and_never_goes_below_six():
    assert seeds_needed(np.array([-1.0, -1.1, -0.9])) == 6
    small, smaller = seeds_needed(np.array([-0.1, 0.05, -0.2, 0.0])), seeds_needed(np.array([-0.05, 0.05, -0.1, 0.02]))
    assert 6 < small < smaller
    assert seeds_needed(np.array([0.1, -0.1])) is None  # no mean difference: more seeds would not show one


def test_a_sampler_without_any_complete_trial_gets_a_verdict_that_says_so():
    verdict = only(analysis_of([("random", 0, [1.0]), ("tpe", 0, [pruned(1)])]))
    assert verdict.text == "tpe vs random: no seed where both completed a trial, nothing to compare"


def test_the_direction_of_a_significant_result_follows_the_ranks_not_the_counts():
    # tpe loses 12 of 24 seeds by a hair and wins the other 12 by a lot: the signed ranks lean its way.
    tpe = [1.0 + 0.001 * (k + 1) for k in range(12)] + [0.9 - 0.01 * k for k in range(12)]
    arms = [("random", s, [1.0]) for s in range(24)] + [("tpe", s, [v]) for s, v in enumerate(tpe)]
    verdict = only(analysis_of(arms))
    assert (verdict.wins, verdict.losses) == (12, 12) and verdict.significant
    assert verdict.text.startswith("tpe vs random: better on 12 of 24 seeds, Wilcoxon p = ")
