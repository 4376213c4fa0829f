"""Normalized regret and the area under its curve."""

import pytest
from handmade import curves_of, pruned

from pipeline.analysis.anytime import align
from pipeline.analysis.regret import auc_summary, normalized_regret, regret_auc


def aligned(arms):
    return align(curves_of(arms), "trial")


def test_regret_is_zero_at_the_best_value_seen_and_one_at_the_worst_first_value():
    # best seen anywhere: 0; worst first value: 4. random: 4, 2, 1 → 1, 0.5, 0.25; tpe: 3, 0, 0 → 0.75, 0, 0.
    arms = [("random", 0, [4.0, 2.0, 1.0]), ("tpe", 0, [3.0, 0.0, 5.0])]
    regret = normalized_regret(aligned(arms), budget=3)
    assert regret[("random", 0)].tolist() == pytest.approx([1.0, 0.5, 0.25])
    assert regret[("tpe", 0)].tolist() == pytest.approx([0.75, 0.0, 0.0])
    auc = regret_auc(aligned(arms), budget=3).set_index("sampler").auc
    assert auc["random"] == pytest.approx(1.75 / 3)
    assert auc["tpe"] == pytest.approx(0.25)


def test_regret_is_one_until_an_arm_has_a_result_and_stays_one_for_an_arm_that_never_completed():
    arms = [("random", 0, [pruned(1), 2.0]), ("tpe", 0, [pruned(1), pruned(1)]), ("gp", 0, [4.0, 0.0])]
    regret = normalized_regret(aligned(arms), budget=2)
    assert regret[("random", 0)].tolist() == pytest.approx([1.0, 0.5])
    assert regret[("tpe", 0)].tolist() == [1.0, 1.0]


def test_an_arm_short_of_the_budget_keeps_its_last_regret_to_the_end():
    arms = [("random", 0, [4.0, 0.0, 4.0, 4.0]), ("tpe", 0, [4.0, 2.0])]
    assert normalized_regret(aligned(arms), budget=4)[("tpe", 0)].tolist() == pytest.approx([1.0, 0.5, 0.5, 0.5])


def test_identical_values_everywhere_give_zero_regret():
    arms = [("random", 0, [1.0, 1.0]), ("tpe", 0, [1.0, 1.0])]
    assert regret_auc(aligned(arms), budget=2).auc.tolist() == [0.0, 0.0]


def test_auc_summary_gives_median_and_interquartile_mean_over_seeds():
    arms = [("tpe", k, [v, 0.0]) for k, v in enumerate([1.0, 2.0, 3.0, 4.0])]  # regret .25,.5,.75,1 then 0
    summary = auc_summary(regret_auc(aligned(arms), budget=2)).iloc[0]
    assert summary.n_seeds == 4
    assert summary["median"] == pytest.approx((0.25 + 0.375) / 2)  # AUCs .125 .25 .375 .5
    assert summary.iqm == pytest.approx(0.3125)  # trims one of four from each end: mean of .25, .375
