"""How a model is trained, as plain values (what an objective's search space fills in)."""

from dataclasses import dataclass

from pipeline.errors import UsageError, choices_error

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
        """An objective module's search space fills these in: a bad value is a bug there, said plainly."""
        if self.optimizer not in OPTIMIZERS:
            raise choices_error("optimizer", self.optimizer, OPTIMIZERS)
        if self.schedule not in SCHEDULES:
            raise choices_error("learning-rate schedule", self.schedule, SCHEDULES)
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise UsageError(f"batch_size must be a positive integer, got {self.batch_size!r}")
        if not self.lr > 0:
            raise UsageError(f"lr must be a positive number, got {self.lr!r}")
