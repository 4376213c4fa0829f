"""A multi-layer perceptron over flattened images. Plain PyTorch: knows nothing about tuning."""

from collections.abc import Sequence

from torch import nn

from pipeline.models.layers import activation


class MLP(nn.Sequential):
    """``in_features → [Linear → activation → Dropout] per hidden width → Linear → n_classes`` logits.

    ``dropout`` is one rate for every hidden layer, or one rate per hidden layer.
    """

    def __init__(
        self,
        *,
        in_features: int,
        n_classes: int,
        hidden: Sequence[int],
        dropout: float | Sequence[float] = 0.0,
        act: str = "relu",
    ) -> None:
        rates = [dropout] * len(hidden) if isinstance(dropout, (int, float)) else list(dropout)
        assert len(rates) == len(hidden), "one dropout rate per hidden layer"
        layers: list[nn.Module] = [nn.Flatten()]
        width_in = in_features
        for width, rate in zip(hidden, rates, strict=True):
            layers += [nn.Linear(width_in, width), activation(act), nn.Dropout(rate)]
            width_in = width
        layers.append(nn.Linear(width_in, n_classes))
        super().__init__(*layers)
