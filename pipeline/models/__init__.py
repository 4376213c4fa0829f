"""Models: plain ``nn.Module`` classes, every hyperparameter a keyword argument."""

from pipeline.models.cnn import CNN
from pipeline.models.layers import ACTIVATIONS, count_parameters
from pipeline.models.mlp import MLP

__all__ = ["ACTIVATIONS", "CNN", "MLP", "count_parameters"]
