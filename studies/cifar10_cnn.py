"""CIFAR-10 CNN — 32×32 colour images, the same CNN objective module as Fashion-MNIST.

Data: torchvision's `cifar-10-batches-py/` folder under data/ (downloaded when the network allows).
Meant for a GPU; on a CPU, try `--seeds 1 --trials 10 --epochs 3` first.
"""

from pipeline import StudySpec, main
from pipeline.objectives import cnn

STUDY = StudySpec(
    name="cifar10_cnn",
    dataset="cifar10",
    objective=cnn,
    epochs=15,
    trials=40,
    seeds=5,
    pruner="median",
    pruner_settings={"n_startup_trials": 5, "n_warmup_steps": 3},
)

if __name__ == "__main__":
    main(STUDY)
