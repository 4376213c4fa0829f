"""Seed derivation: one place decides how a study seed becomes every other seed."""

import numpy as np

SAMPLER_STREAM = 1  # a third key, so a trial's sampler stream never equals its torch seed


def derive_seed(*keys: int) -> int:
    """A 31-bit seed that depends on every key, e.g. ``derive_seed(seed, trial_number)``.

    ``SeedSequence`` mixes the keys so that neighbouring inputs give unrelated streams,
    which ``seed + trial_number`` would not.
    """
    return int(np.random.SeedSequence([int(k) for k in keys]).generate_state(1)[0] >> 1)


def torch_seed(seed: int, trial_number: int) -> int:
    """The seed of trial ``trial_number``'s model initialization and batch order (same in every arm)."""
    return derive_seed(seed, trial_number)


def sampler_seed(seed: int, trial_number: int) -> int:
    """The seed of trial ``trial_number``'s sampling stream (samplers.TrialStreams)."""
    return derive_seed(seed, trial_number, SAMPLER_STREAM)
