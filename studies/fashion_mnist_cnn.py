"""Fashion-MNIST CNN — the shared training space plus conv blocks, channels, head width and dropout.

An epoch of a small CNN over 48,000 images takes several seconds on 2 CPU cores: on a CPU, start
with `--seeds 1 --trials 20`; with a CUDA GPU the defaults are comfortable.
"""

from pipeline import StudySpec, main
from pipeline.objectives import cnn

STUDY = StudySpec(
    name="fashion_mnist_cnn",
    dataset="fashion_mnist",
    objective=cnn,
    epochs=8,
    trials=40,
    seeds=5,
    pruner="median",
    pruner_settings={"n_startup_trials": 5, "n_warmup_steps": 2},
)

if __name__ == "__main__":
    main(STUDY)
