"""Learning curves of the best trials, and their diagnosis in words."""

import pytest
from handmade import comparison, pruned

from pipeline.analysis.learning_curves import diagnose, diagnoses, learning_curves
from pipeline.analysis.summary import best_per_study
from pipeline.analysis.trials import load_tables


@pytest.mark.parametrize(
    ("train", "val", "label", "words"),
    [
        ([1.0, 0.5, 0.2, 0.1], [0.6, 0.4, 0.45, 0.5], "over-fitting", "bottomed at epoch 2 (0.4) and rose 25% to 0.5"),
        ([1.0, 0.8, 0.6, 0.5], [0.9, 0.7, 0.6, 0.5], "still improving", "fell 16.7% in the last epoch"),
        ([2.3, 2.2, 2.2, 2.2], [2.3, 2.25, 2.25, 2.25], "under-fitting", "training loss ends at 2.2"),
        ([1.0, 0.4, 0.3, 0.3], [0.5, 0.35, 0.3, 0.3], "converged", "levelled off at 0.3"),
        ([1.0, 0.5], [0.6, 0.4], "too few epochs", "2 epoch(s)"),
    ],
)
def test_diagnosis_names_the_shape_of_hand_drawn_curves(train, val, label, words):
    found, sentence = diagnose(train, val, reference=0.3)
    assert found == label
    assert words in sentence


def test_over_fitting_is_recognized_without_stored_training_losses():
    assert diagnose([], [0.6, 0.4, 0.45, 0.5], reference=0.3)[0] == "over-fitting"


def test_learning_curves_follow_each_arms_best_complete_trial_not_a_pruned_one():
    arms = [("tpe", 0, [2.0, pruned(2, value=0.01), 1.0]), ("tpe", 1, [pruned(1)])]
    tables = load_tables(*comparison(arms, epochs=3))
    curves = learning_curves(best_per_study(tables.trials), tables.epochs)
    assert curves[["seed", "number"]].drop_duplicates().values.tolist() == [[0, 2]]  # seed 1 has no result
    assert curves.val_loss.tolist() == pytest.approx([1.2, 1.1, 1.0])
    assert curves.train_loss.tolist() == pytest.approx([1.08, 0.99, 0.9])
    (row,) = diagnoses(curves).itertuples()
    assert (row.number, row.epochs, row.diagnosis) == (2, 3, "still improving")
