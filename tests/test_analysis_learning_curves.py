"""Learning curves of the best trials, and their diagnosis in words: each trial judged on its own curves."""

import pytest
from handmade import comparison, pruned

from pipeline.analysis.learning_curves import diagnose, diagnoses, learning_curves
from pipeline.analysis.summary import best_per_study
from pipeline.analysis.tables import load_tables


@pytest.mark.parametrize(
    ("train", "val", "label", "words"),
    [
        (
            [1.0, 0.5, 0.3, 0.2, 0.1, 0.05],
            [0.6, 0.4, 0.38, 0.45, 0.5, 0.55],
            "over-fitting",
            "bottomed at epoch 3 (0.39) and rose 35% to 0.525 by epoch 6 while training loss kept falling",
        ),
        (
            [1.0, 0.8, 0.6, 0.5, 0.4, 0.3],
            [0.9, 0.8, 0.7, 0.6, 0.5, 0.4],
            "still improving",
            "fell 15.4% per epoch over the last 2 epochs",
        ),
        (
            [2.3, 2.25, 2.2, 2.2, 2.2, 2.2],
            [2.3, 2.25, 2.25, 2.25, 2.25, 2.25],
            "under-fitting",
            "no lower than validation loss 2.25, and validation loss fell only 2% since epoch 1",
        ),
        ([1.0, 0.4, 0.25, 0.2, 0.2, 0.2], [0.5, 0.35, 0.3, 0.3, 0.3, 0.3], "converged", "levelled off at 0.3"),
        ([1.0, 0.5, 0.4], [0.6, 0.4, 0.3], "too few epochs", "3 epoch(s)"),
    ],
)
def test_diagnosis_names_the_shape_of_hand_drawn_curves(train, val, label, words):
    found, sentence = diagnose(train, val)
    assert found == label
    assert words in sentence


def test_a_zig_zag_curve_whose_last_epoch_happens_to_fall_is_not_still_improving():
    val = [1.0, 0.6, 0.45, 0.6, 0.42, 0.62, 0.44, 0.6, 0.43, 0.62, 0.33]  # the last epoch: 47% lower by chance
    label, sentence = diagnose([v * 0.8 for v in val], val)
    assert label == "too noisy to call", sentence


def test_a_zig_zag_curve_is_too_noisy_to_call():
    val = [0.5, 0.3, 0.5, 0.3, 0.5, 0.3, 0.5, 0.3, 0.5, 0.3]
    label, sentence = diagnose([v * 0.5 for v in val], val)
    assert label == "too noisy to call" and "zig-zags" in sentence


def test_under_fitting_is_judged_on_the_trials_own_curves_not_on_other_trials():
    # A well-fit trial: training loss below validation loss. No other trial can make it "under-fitting".
    assert diagnose([0.9, 0.5, 0.3, 0.2, 0.2, 0.2, 0.2], [1.0, 0.6, 0.45, 0.4, 0.4, 0.4, 0.4])[0] == "converged"


def test_over_fitting_is_recognized_without_stored_training_losses():
    assert diagnose([], [0.6, 0.4, 0.38, 0.45, 0.5, 0.55])[0] == "over-fitting"


def test_learning_curves_follow_each_arms_best_complete_trial_not_a_pruned_one():
    arms = [("tpe", 0, [2.0, pruned(2, value=0.01), 1.0]), ("tpe", 1, [pruned(1)])]
    tables = load_tables(*comparison(arms, epochs=5))
    curves = learning_curves(best_per_study(tables.trials), tables.epochs)
    assert curves[["seed", "number"]].drop_duplicates().values.tolist() == [[0, 2]]  # seed 1 has no result
    assert curves.val_loss.tolist() == pytest.approx([1.4, 1.3, 1.2, 1.1, 1.0])
    assert curves.train_loss.tolist() == pytest.approx([1.26, 1.17, 1.08, 0.99, 0.9])
    (row,) = diagnoses(curves).itertuples()
    assert (row.number, row.epochs, row.diagnosis) == (2, 5, "still improving")
