import optuna
import pytest
import torch

from pipeline.objectives import BUILT_IN, cnn, mlp, optuna_example_mlp
from pipeline.training import TrainingParams

SGD_MLP = {
    "lr": 0.01,
    "batch_size": 64,
    "optimizer": "sgd",
    "momentum": 0.9,
    "weight_decay": 1e-4,
    "schedule": "cosine",
    "depth": 2,
    "width": 48,
    "dropout": 0.1,
    "activation": "silu",
}


def test_mlp_search_space_turns_a_fixed_trial_into_typed_params():
    params = mlp.suggest(optuna.trial.FixedTrial(SGD_MLP))
    assert params.training == TrainingParams(
        lr=0.01, batch_size=64, optimizer="sgd", momentum=0.9, weight_decay=1e-4, schedule="cosine"
    )
    assert (params.depth, params.width, params.dropout, params.activation) == (2, 48, 0.1, "silu")


def test_momentum_is_only_suggested_for_sgd():
    adam = {k: v for k, v in SGD_MLP.items() if k != "momentum"} | {"optimizer": "adam"}
    params = mlp.suggest(optuna.trial.FixedTrial(adam))  # no momentum needed: define-by-run
    assert params.training.momentum == 0.0


def test_search_space_is_log_scaled_where_it_should_be():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: (mlp.suggest(t), 0.0)[1], n_trials=20)
    distributions = {k: v for t in study.trials for k, v in t.distributions.items()}
    assert distributions["lr"].log and (distributions["lr"].low, distributions["lr"].high) == (1e-5, 1e-1)
    assert distributions["weight_decay"].log
    assert set(distributions["batch_size"].choices) == {32, 64, 128, 256}
    assert set(distributions["optimizer"].choices) == {"sgd", "adam", "adamw"}
    assert set(distributions["schedule"].choices) == {"none", "step", "cosine", "plateau"}
    assert set(distributions["activation"].choices) == {"relu", "gelu", "silu"}
    with_momentum = [t for t in study.trials if "momentum" in t.params]
    assert with_momentum and all(t.params["optimizer"] == "sgd" for t in with_momentum)


@pytest.mark.parametrize(
    "module, fixed",
    [
        (mlp, SGD_MLP),
        (
            cnn,
            {k: v for k, v in SGD_MLP.items() if k not in ("depth", "width")}
            | {"n_blocks": 3, "channels": 16, "hidden": 32},
        ),
        (
            optuna_example_mlp,
            {
                "n_layers": 2,
                "n_units_l0": 20,
                "dropout_l0": 0.3,
                "n_units_l1": 10,
                "dropout_l1": 0.4,
                "optimizer": "RMSprop",
                "lr": 1e-3,
            },
        ),
    ],
)
@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32)])
def test_every_objective_module_builds_a_model_for_every_dataset_shape(module, fixed, shape):
    params = module.suggest(optuna.trial.FixedTrial(fixed))
    model = module.build(params, shape, 10)
    assert model(torch.randn(2, *shape)).shape == (2, 10)


def test_optuna_example_space_matches_the_official_example():
    params = optuna_example_mlp.suggest(
        optuna.trial.FixedTrial({"n_layers": 1, "n_units_l0": 4, "dropout_l0": 0.2, "optimizer": "SGD", "lr": 1e-5})
    )
    assert params.training.batch_size == 128 and params.training.optimizer == "sgd"
    assert params.units == (4,) and params.dropouts == (0.2,)


def test_built_in_modules_are_listed_by_name():
    assert set(BUILT_IN) == {"mlp", "cnn", "optuna_example_mlp"}
