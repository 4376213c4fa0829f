"""How a model is trained, as plain values (what an objective's search space fills in)."""

from dataclasses import dataclass

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULES = ("none", "step", "cosine", "plateau")


@dataclass(frozen=True)
class TrainingParams:
    lr: float
    batch_size: int
    optimizer: str = "adam"  # one of OPTIMIZERS
    momentum: float = 0.0  # SGD only
    weight_decay: float = 0.0
    schedule: str = "none"  # one of SCHEDULES; stepped once per epoch

    def __post_init__(self) -> None:
        assert self.optimizer in OPTIMIZERS, self.optimizer
        assert self.schedule in SCHEDULES, self.schedule
        assert self.batch_size >= 1 and self.lr > 0
