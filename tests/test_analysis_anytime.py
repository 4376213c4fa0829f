"""Best-so-far curves, their alignment on a shared grid, and the per-sampler aggregates."""

import numpy as np
import pytest
from handmade import curves_of, pruned

from pipeline.analysis.anytime import aggregate, align, anytime, final_best


def test_best_so_far_ignores_pruned_values_and_carries_the_best_forward():
    curves = curves_of([("random", 0, [2.0, pruned(1, value=0.01), 1.0, 3.0])], epochs=3, seconds=2.0)
    assert curves.best.tolist() == [2.0, 2.0, 1.0, 1.0]
    assert curves.trial.tolist() == [1, 2, 3, 4]
    assert curves.epochs.tolist() == [3, 4, 7, 10]
    assert curves.seconds.tolist() == pytest.approx([2, 4, 6, 8])


def test_best_so_far_is_missing_until_the_first_complete_trial():
    curves = curves_of([("tpe", 1, [pruned(2), 5.0, 4.0])])
    assert np.isnan(curves.best.iloc[0])
    assert curves.best.iloc[1:].tolist() == [5.0, 4.0]


def test_align_uses_the_union_of_points_and_keeps_an_arms_final_best_after_it_stops():
    curves = curves_of([("random", 0, [pruned(1), 2.0, 1.0]), ("random", 1, [3.0, 2.5, 0.5])], epochs=3)
    aligned = align(curves, "epochs")  # seed 0 spent 1, 4, 7 epochs; seed 1 spent 3, 6, 9
    assert aligned.index.tolist() == [1, 3, 4, 6, 7, 9]
    assert aligned[("random", 0)].tolist() == pytest.approx([np.nan, np.nan, 2.0, 2.0, 1.0, 1.0], nan_ok=True)
    assert aligned[("random", 1)].tolist() == pytest.approx([np.nan, 3.0, 3.0, 2.5, 2.5, 0.5], nan_ok=True)


def test_median_quartiles_and_interquartile_mean_match_hand_computed_values():
    finals = [1.0, 2.0, 3.0, 4.0, 10.0]
    curves = curves_of([("tpe", seed, [value]) for seed, value in enumerate(finals)])
    row = aggregate(align(curves, "trial")).iloc[0]
    assert (row.n_seeds, row["median"], row.q1, row.q3) == (5, 3.0, 2.0, 4.0)
    assert row.iqm == pytest.approx(3.0)  # trims one seed from each end: mean of 2, 3, 4
    assert 1.0 <= row.iqm_low < row.iqm < row.iqm_high <= 10.0
    again = aggregate(align(curves, "trial")).iloc[0]
    assert (again.iqm_low, again.iqm_high) == (row.iqm_low, row.iqm_high)  # seeded bootstrap: reproducible


def test_a_point_is_summarized_only_once_every_seed_has_a_result():
    curves = curves_of([("tpe", 0, [1.0, 0.5]), ("tpe", 1, [pruned(1), 2.0])])
    summary = aggregate(align(curves, "trial"))
    assert summary.n_seeds.tolist() == [1, 2]
    assert np.isnan(summary["median"].iloc[0])
    assert summary["median"].iloc[1] == pytest.approx(1.25)


def test_one_seed_gives_the_median_but_no_confidence_interval():
    summary = aggregate(align(curves_of([("tpe", 0, [3.0, 1.0])]), "trial"))
    assert summary["median"].tolist() == [3.0, 1.0]
    assert summary.iqm_low.isna().all() and summary.iqm_high.isna().all()


def test_an_arm_without_any_complete_trial_is_left_out_of_its_samplers_statistics():
    curves = curves_of([("tpe", 0, [2.0, 1.0]), ("tpe", 1, [pruned(1), pruned(1)])])
    summary = aggregate(align(curves, "trial"))
    assert summary.n_seeds.tolist() == [1, 1]
    assert summary["median"].tolist() == [2.0, 1.0]


def test_anytime_stacks_every_axis_and_final_best_reports_what_each_arm_spent():
    curves = curves_of([("random", 0, [2.0, 1.0]), ("tpe", 0, [pruned(1), 0.5])], epochs=4, seconds=3.0)
    stacked = anytime(curves)
    assert set(stacked.axis) == {"trial", "epochs", "seconds"}
    assert stacked[(stacked.axis == "epochs") & (stacked.sampler == "tpe")].x.tolist() == [1, 4, 5, 8]
    ends = final_best(curves)
    assert ends[["sampler", "trial", "epochs", "seconds", "best"]].values.tolist() == [
        ["random", 2, 8, 6.0, 1.0],
        ["tpe", 2, 5, 6.0, 0.5],
    ]
