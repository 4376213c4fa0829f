"""Comparisons built by hand: Optuna studies holding chosen numbers, with the attrs the driver stores.

Statistics tests use these instead of training, so every expected value can be worked out on paper.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import FrozenTrial, TrialState

START = datetime(2026, 1, 1)
STUDY = "toy"


def pruned(epochs: int, value: float = 0.01) -> tuple[str, int, float]:
    """A trial pruned after ``epochs`` epochs; its (intermediate) value is low on purpose: it must not count."""
    return ("PRUNED", epochs, value)


def stopped_early(epochs: int, value: float) -> tuple[str, int, float]:
    """A COMPLETE trial that early stopping ended after ``epochs`` epochs."""
    return ("STOPPED", epochs, value)


FAIL = ("FAIL", 0, None)


def add_arm(
    storage: optuna.storages.BaseStorage | str,
    sampler: str,
    seed: int,
    results: list,
    *,
    epochs: int = 3,
    seconds: float = 1.0,
    budget: int | None = None,
    study: str = STUDY,
    name: str | None = None,
) -> optuna.Study:
    """One (sampler, seed) study of ``study`` holding ``results`` in order.

    A number is a COMPLETE trial with that final validation loss after ``epochs`` epochs (its loss falls by
    0.1 per epoch to that value, training loss 0.9× it); ``pruned(k)`` a trial pruned after k epochs;
    ``FAIL`` a failed trial. Every trial lasts ``seconds``; parameter ``x`` grows with the trial number.
    """
    created = optuna.create_study(storage=storage, study_name=name or f"{study}-{sampler}-seed{seed}")
    attrs = {"study": study, "sampler": sampler, "seed": seed, "trials": budget or len(results), "epochs": epochs}
    for key, value in attrs.items():
        created.set_user_attr(key, value)
    for number, result in enumerate(results):
        state, ran, value = ("COMPLETE", epochs, result) if isinstance(result, (int, float)) else result
        val = [value + 0.1 * (ran - 1 - step) for step in range(ran)] if value is not None else []
        user_attrs = {"epochs_run": ran, "val_accuracy": 0.5}
        if state == "STOPPED":
            state, user_attrs["stopped_early"] = "COMPLETE", ran
        begin = START + timedelta(seconds=seconds * number)
        created.add_trial(
            FrozenTrial(
                number=number,
                trial_id=number,
                state=TrialState[state],
                value=value,
                datetime_start=begin,
                datetime_complete=begin + timedelta(seconds=seconds),
                params={"x": number / 10},
                distributions={"x": FloatDistribution(0.0, 10.0)},
                user_attrs=user_attrs,
                system_attrs={"train_loss": [0.9 * v for v in val]},  # where the objective keeps them
                intermediate_values=dict(enumerate(val)),
            )
        )
    return created


def memory() -> optuna.storages.InMemoryStorage:
    return optuna.storages.InMemoryStorage()


def comparison(arms: list[tuple[str, int, list]], **common) -> tuple[optuna.storages.BaseStorage, list[str]]:
    """An in-memory storage holding ``arms`` as (sampler, seed, results), and their study names."""
    storage = memory()
    for sampler, seed, results in arms:
        add_arm(storage, sampler, seed, results, **common)
    return storage, [f"{STUDY}-{sampler}-seed{seed}" for sampler, seed, _ in arms]


def curves_of(arms: list[tuple[str, int, list]], **common):
    """:func:`~pipeline.analysis.anytime.best_so_far` of a hand-made comparison."""
    from pipeline.analysis.anytime import best_so_far
    from pipeline.analysis.tables import load_trials

    return best_so_far(load_trials(*comparison(arms, **common)))


PAIRED = [  # two samplers × two seeds, one pruned trial each: every figure has something to draw
    ("random", 0, [3.0, pruned(1), 2.0]),
    ("random", 1, [4.0, 2.5, pruned(2)]),
    ("tpe", 0, [3.0, 1.0, pruned(1)]),
    ("tpe", 1, [pruned(2), 2.0, 1.5]),
]


def analysis_of(arms: list[tuple[str, int, list]] = PAIRED, **common):
    """:func:`~pipeline.analysis.analyze` of a hand-made comparison (``PAIRED`` by default)."""
    from pipeline.analysis import analyze

    storage, names = comparison(arms, **common)
    return analyze(storage, STUDY, names=names)
