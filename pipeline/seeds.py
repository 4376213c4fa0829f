"""Seed derivation: one place decides how a study seed becomes every other seed."""

import numpy as np


def derive_seed(*keys: int) -> int:
    """A 31-bit seed that depends on every key, e.g. ``derive_seed(seed, trial_number)``.

    ``SeedSequence`` mixes the keys so that neighbouring inputs give unrelated streams,
    which ``seed + trial_number`` would not.
    """
    return int(np.random.SeedSequence([int(k) for k in keys]).generate_state(1)[0] >> 1)
