"""Optimizer and once-per-epoch learning-rate schedule from ``TrainingParams``."""

import torch
from torch import nn

from pipeline.errors import choices_error
from pipeline.training.params import OPTIMIZERS, TrainingParams

STEP_DECAY = 0.1  # LR multiplier of the 'step' schedule, applied at 1/3 and 2/3 of the epochs
PLATEAU_FACTOR, PLATEAU_PATIENCE = 0.5, 2  # 'plateau': halve the LR after 2 epochs without improvement


def make_optimizer(model: nn.Module, p: TrainingParams) -> torch.optim.Optimizer:
    params = model.parameters()
    if p.optimizer == "sgd":
        return torch.optim.SGD(params, lr=p.lr, momentum=p.momentum, weight_decay=p.weight_decay)
    if p.optimizer == "adam":
        return torch.optim.Adam(params, lr=p.lr, weight_decay=p.weight_decay)
    if p.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=p.lr, weight_decay=p.weight_decay)
    if p.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=p.lr, weight_decay=p.weight_decay)
    raise choices_error("optimizer", p.optimizer, OPTIMIZERS)  # TrainingParams refuses it first; never a fallback


def make_scheduler(optimizer: torch.optim.Optimizer, p: TrainingParams, epochs: int):
    """A scheduler whose ``step`` is called once per epoch (``plateau`` takes the validation loss), or None."""
    if p.schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=STEP_DECAY)
    if p.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    if p.schedule == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=PLATEAU_FACTOR, patience=PLATEAU_PATIENCE)
    return None
