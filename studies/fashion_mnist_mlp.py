"""Fashion-MNIST MLP — the search space of Optuna's official PyTorch example, on the full dataset.

The example tunes on 3,840 training and 1,280 validation images to stay fast; here it is 48,000 / 12,000
(a stratified validation split of the 60,000 training images), held in memory as tensors.
Data: Debian's dataset-fashion-mnist (`make fashion-data`) or torchvision's files under data/.
"""

from pipeline import StudySpec, main
from pipeline.objectives import optuna_example_mlp

STUDY = StudySpec(
    name="fashion_mnist_mlp",
    dataset="fashion_mnist",
    objective=optuna_example_mlp,
    epochs=10,
    trials=50,
    seeds=5,
    pruner="median",
    pruner_settings={"n_startup_trials": 5, "n_warmup_steps": 2},
)

if __name__ == "__main__":
    main(STUDY)
