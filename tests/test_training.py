import io
import math

import pytest
import torch

from pipeline.data import load_raw, make_splits
from pipeline.models import MLP
from pipeline.training import Diverged, EarlyStopping, Training, TrainingParams, evaluate, fit


@pytest.fixture(scope="module")
def tiny_data():
    return make_splits(load_raw("digits"), seed=0, val_fraction=0.2, device="cpu")


def model():
    torch.manual_seed(0)
    return MLP(in_features=64, n_classes=10, hidden=[32])


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop"])
@pytest.mark.parametrize("schedule", ["none", "step", "cosine", "plateau"])
def test_a_few_epochs_lower_the_validation_loss(tiny_data, optimizer, schedule):
    net = model()
    before, _ = evaluate(net, tiny_data.val)
    lr = 0.05 if optimizer == "sgd" else 3e-3
    p = TrainingParams(
        lr=lr, batch_size=64, optimizer=optimizer, momentum=0.9 if optimizer == "sgd" else 0.0, schedule=schedule
    )
    results = list(fit(net, tiny_data, p, epochs=6, seed=0))
    assert [r.epoch for r in results] == list(range(6))
    assert results[-1].val_loss < before * 0.5
    assert results[-1].val_metric > 0.8


def test_validation_loss_is_the_mean_over_the_whole_split(tiny_data):
    net = model()
    loss, accuracy = evaluate(net, tiny_data.val)
    with torch.no_grad():
        logits = net(tiny_data.val.x)
    assert math.isclose(loss, torch.nn.functional.cross_entropy(logits, tiny_data.val.y).item(), rel_tol=1e-5)
    assert math.isclose(accuracy, (logits.argmax(1) == tiny_data.val.y).float().mean().item(), rel_tol=1e-6)


def test_a_huge_learning_rate_raises_diverged_naming_the_epoch(tiny_data):
    p = TrainingParams(lr=1e6, batch_size=32, optimizer="sgd", momentum=0.99)
    with pytest.raises(Diverged, match=r"diverged in epoch \d+: .* is not finite"):
        list(fit(model(), tiny_data, p, epochs=5, seed=0))


def test_same_seed_same_results(tiny_data):
    p = TrainingParams(lr=1e-2, batch_size=64, optimizer="adam")
    a = [r.val_loss for r in fit(model(), tiny_data, p, epochs=2, seed=7)]
    b = [r.val_loss for r in fit(model(), tiny_data, p, epochs=2, seed=7)]
    c = [r.val_loss for r in fit(model(), tiny_data, p, epochs=2, seed=8)]
    assert a == b and a != c


def test_a_loss_that_explodes_but_stays_finite_also_counts_as_diverged(tiny_data):
    p = TrainingParams(lr=200.0, batch_size=64, optimizer="sgd", momentum=0.9)
    with pytest.raises(Diverged, match=r"diverged in epoch 1: training loss exploded to \d"):
        list(fit(model(), tiny_data, p, epochs=3, seed=0))


@pytest.mark.parametrize(
    "optimizer, schedule", [("sgd", "step"), ("adam", "cosine"), ("rmsprop", "plateau"), ("adamw", "none")]
)
def test_training_resumed_from_its_saved_state_goes_on_exactly_as_without_the_break(tiny_data, optimizer, schedule):
    p = TrainingParams(lr=0.01, batch_size=64, optimizer=optimizer, momentum=0.9, schedule=schedule)
    torch.manual_seed(0)
    straight = list(
        Training(MLP(in_features=64, n_classes=10, hidden=[32], dropout=0.3), tiny_data, p, epochs=5, seed=3)
    )

    torch.manual_seed(0)
    first = Training(MLP(in_features=64, n_classes=10, hidden=[32], dropout=0.3), tiny_data, p, epochs=5, seed=3)
    for _ in zip(range(2), first, strict=False):  # two epochs, then the process "dies"
        pass
    saved = io.BytesIO()
    torch.save(first.state_dict(), saved)
    saved.seek(0)

    torch.manual_seed(99)  # a retry builds the model afresh, with other weights: the checkpoint must replace them
    resumed = Training(MLP(in_features=64, n_classes=10, hidden=[32], dropout=0.3), tiny_data, p, epochs=5, seed=7)
    resumed.load_state_dict(torch.load(saved, weights_only=True))  # plain tensors and numbers only
    assert len(resumed.history) == 2
    rest = list(resumed)
    assert [r.epoch for r in rest] == [2, 3, 4]
    assert [(r.train_loss, r.val_loss) for r in resumed.history] == [(r.train_loss, r.val_loss) for r in straight]


@pytest.mark.parametrize(
    "losses, patience, min_delta, stops_at, best",
    [
        ([1.0, 0.8, 0.7, 0.71, 0.72], 2, 0.0, 5, 3),  # a plateau after epoch 3: stop after 2 without improvement
        ([1.0, 0.8, 0.7, 0.71], 2, 0.0, None, None),  # only 1 epoch without improvement so far
        ([1.0, 0.8, 0.79, 0.785], 2, 0.05, 4, 2),  # gains below min_delta do not count
        ([1.0, 0.9, 0.8, 0.7, 0.6], 1, 0.0, None, None),  # still improving
    ],
)
def test_early_stopping_triggers_on_a_plateau_and_names_its_epoch(losses, patience, min_delta, stops_at, best):
    stopping = EarlyStopping(patience=patience, min_delta=min_delta)
    reason = stopping.check(losses)
    if stops_at is None:
        assert reason is None
    else:
        assert reason.startswith(f"stopped early after epoch {stops_at}: validation loss did not improve ")
        assert reason.endswith(f"after epoch {best})")
