"""How many threads torch trains a trial with: chosen per trial from the model, the batch and the free cores.

Measured here (2 cores, README "Performance"): a digits MLP trains as fast on one thread as on two, and two
threads each for two processes on two cores make both several times slower than one after the other —
OpenMP threads wait for a core the other process holds. So:

- a model whose batch is small work (multiply-adds per batch below :data:`PARALLEL_FROM`) trains on one thread:
  splitting it costs more in hand-offs than it saves;
- a bigger one gets the cores that are free — this worker's share of the machine (cores / workers), less what
  other processes used since the last trial (``/proc/stat``, minus this process's own CPU time) — and at
  least one.

``--threads N`` fixes the count instead. Every trial records what it ran with in its ``threads`` user attr.
The OpenMP wait policy is set to PASSIVE before torch loads (``pipeline/__init__.py``): an idle OpenMP
thread sleeps instead of spinning on a core another process needs. A user's own ``OMP_WAIT_POLICY`` wins.
"""

from __future__ import annotations

import math
import os
import time

import torch
from torch import nn

# Multiply-adds per batch from which a second thread pays for itself. Measured with benchmarks/contention.py's
# --threshold probe on this project's 2-core machine: below ~30M, one thread is as fast as two.
PARALLEL_FROM = 30_000_000


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. a container's or SLURM's limit)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def multiply_adds(model: nn.Module, input_shape: tuple[int, ...], device: torch.device | str = "cpu") -> int:
    """Multiply-adds of one sample's forward pass through ``model``'s linear and convolution layers."""
    total = 0

    def count(module: nn.Module, _inputs, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, nn.Linear):
            total += module.in_features * module.out_features
        elif isinstance(module, nn.modules.conv._ConvNd):
            per_output = module.in_channels // module.groups * math.prod(module.kernel_size)
            total += output[0].numel() * per_output  # output of the one sample: channels × positions

    hooks = [
        m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Linear, nn.modules.conv._ConvNd))
    ]
    try:
        was_training = model.training
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, *input_shape, device=device))
        model.train(was_training)
    finally:
        for hook in hooks:
            hook.remove()
    return total


class CoreMeter:
    """How many cores other processes are using, averaged since the previous reading (Linux ``/proc/stat``;
    elsewhere the load average). The first reading of a process takes a short sample."""

    SAMPLE_S = 0.05

    def __init__(self) -> None:
        self._last = _sample()

    def others_busy(self) -> float:
        now = _sample()
        if now is None:
            return _load_average()
        if self._last is None or now[0] - self._last[0] < self.SAMPLE_S:
            time.sleep(self.SAMPLE_S)
            self._last, now = now, _sample()
        (t0, machine0, own0), (t1, machine1, own1) = self._last, now
        self._last = now
        return max(0.0, ((machine1 - machine0) - (own1 - own0)) / (t1 - t0))


def _sample() -> tuple[float, float, float] | None:
    """(monotonic time, CPU seconds busy on the whole machine, CPU seconds of this process), or None."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    busy = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    return time.monotonic(), busy, time.process_time()


def _load_average() -> float:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


class ThreadPolicy:
    """Chooses and sets torch's intra-op threads for each trial (:meth:`set_for`); ``fixed`` (``--threads``)
    skips the choice. ``workers``: the processes of this run on this machine, which share its cores."""

    def __init__(self, fixed: int | None = None, *, workers: int = 1) -> None:
        self.fixed = fixed
        self.share = max(1, available_cores() // max(1, workers))
        self._meter = None if fixed is not None else CoreMeter()

    def choose(self, work_per_batch: int) -> int:
        if self.fixed is not None:
            return self.fixed
        if work_per_batch < PARALLEL_FROM or self.share == 1:
            return 1
        free = available_cores() - self._meter.others_busy()
        return max(1, min(self.share, math.floor(free + 0.5)))

    def set_for(self, model: nn.Module, input_shape: tuple[int, ...], batch_size: int, device: torch.device) -> int:
        """Set torch's threads for training ``model`` on batches of ``batch_size``; returns the count."""
        if self.fixed is not None:
            threads = self.fixed
        elif device.type != "cpu":  # the GPU does the work; one thread feeds it
            threads = 1
        else:
            threads = self.choose(multiply_adds(model, input_shape, device) * batch_size)
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        return threads
