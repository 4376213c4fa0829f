"""Early stopping inside a trial: end training once the validation loss has stopped improving.

Not pruning: a pruner compares a trial with *other* trials and its verdict is PRUNED; early stopping looks
at the trial's own curve, and the trial ends COMPLETE, its value the validation loss after its last epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class EarlyStopping:
    """Stop after ``patience`` epochs in a row without the validation loss falling more than ``min_delta``
    below the best so far (Keras' and Lightning's rule)."""

    patience: int
    min_delta: float = 0.0

    def best_epoch(self, losses: list[float]) -> int | None:
        """The 0-based epoch of the last improvement when ``losses`` (one per epoch) say stop; else None."""
        best, best_epoch, waited = math.inf, None, 0
        for epoch, loss in enumerate(losses):
            if loss < best - self.min_delta:
                best, best_epoch, waited = loss, epoch, 0
            else:
                waited += 1
        return best_epoch if waited >= self.patience and best_epoch is not None else None

    def check(self, losses: list[float]) -> str | None:
        """Why to stop now — ``stopped early after epoch 7: ...``, epochs counted from 1 — or None to go on."""
        best = self.best_epoch(losses)
        if best is None:
            return None
        by = f"by more than {self.min_delta:g} " if self.min_delta else ""
        return (
            f"stopped early after epoch {len(losses)}: validation loss did not improve {by}for {self.patience} "
            f"epochs (best {losses[best]:.4g} after epoch {best + 1})"
        )
