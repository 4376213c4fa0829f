"""The whole analysis in one call, on thin, broken and real comparisons."""

import optuna
from handmade import FAIL, add_arm, comparison, memory, pruned

from pipeline.analysis import analyze


def test_an_arm_with_only_failed_trials_and_a_lone_seed_are_reported_not_fatal():
    arms = [("random", 0, [2.0, 1.0]), ("random", 1, [3.0, 1.5]), ("tpe", 0, [FAIL, FAIL]), ("tpe", 1, [2.0, 0.5])]
    storage, names = comparison(arms, budget=2)
    result = analyze(storage, "toy", names=names)
    assert "tpe seed 0: no complete trial (0 pruned, 2 failed); left out of the curves' statistics" in result.notes
    assert "tpe seed 0: 0 of 2 trials finished" in result.notes
    assert "tpe: one seed with results: no confidence interval, and no test can be significant" in result.notes
    full = result.tests.set_index("fraction").loc[1.0]
    assert (full.n_pairs, full.wins) == (1, 1)
    tpe = result.anytime[(result.anytime.sampler == "tpe") & (result.anytime.axis == "trial")]
    assert tpe["median"].tolist() == [2.0, 0.5] and tpe.iqm_low.isna().all()
    assert len(result.verdict) == 1


def test_a_sampler_whose_every_trial_was_pruned_gets_a_verdict_that_says_so():
    storage, names = comparison([("random", 0, [1.0]), ("tpe", 0, [pruned(1)])])
    result = analyze(storage, "toy", names=names)
    assert result.verdict == ["tpe vs random: no seed where both completed a trial, nothing to compare"]
    assert result.speedup.empty  # no seed to measure it on


def test_an_empty_comparison_says_there_is_nothing_to_compare():
    storage = memory()
    add_arm(storage, "random", 0, [])
    result = analyze(storage, "toy")
    assert result.notes[0] == "no trial has run yet: nothing to compare"
    assert result.verdict == [] and result.curves.empty and result.anytime.empty and result.tests.empty


def test_analysis_of_a_real_tiny_comparison_covers_every_arm_and_axis(tiny_comparison):
    url, spec = tiny_comparison
    result = analyze(url, spec.name)
    assert result.samplers == ["random", "tpe"] and result.budget == spec.trials
    assert sorted(result.best.seed.unique()) == list(range(spec.seeds))
    assert set(result.anytime.axis) == {"trial", "epochs", "seconds"}
    assert result.tests.fraction.tolist() == [0.25, 0.5, 1.0]
    by_study = result.trials.groupby("study_name")
    assert (by_study.epochs_run.sum() == by_study.cum_epochs.max()).all()
    assert len(result.verdict) == 1 and result.verdict[0].startswith("tpe vs random: ")
    finished = result.trials[result.trials.state.isin(["COMPLETE", "PRUNED"])]
    assert len(result.epochs) == finished.epochs_run.sum()  # every trained epoch was reported once
    assert optuna.load_study(study_name=f"{spec.name}-tpe-seed0", storage=url).user_attrs["sampler"] == "tpe"
