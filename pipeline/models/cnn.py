"""A small VGG-style convolutional network. Plain PyTorch: knows nothing about tuning."""

from torch import nn

from pipeline.models.layers import activation


class CNN(nn.Sequential):
    """``n_blocks`` × [3×3 conv → activation → 2×2 max-pool], channels doubling from ``channels``,
    then ``Dropout → Linear(hidden) → activation → Dropout → Linear(n_classes)``.

    Each block halves the image side, so ``n_blocks`` may be at most log2 of the smaller side.
    """

    def __init__(
        self,
        *,
        in_channels: int,
        image_size: tuple[int, int],
        n_classes: int,
        n_blocks: int = 2,
        channels: int = 32,
        hidden: int = 128,
        dropout: float = 0.0,
        act: str = "relu",
    ) -> None:
        height, width = image_size
        assert 2**n_blocks <= min(height, width), f"{n_blocks} pooling blocks do not fit a {height}×{width} image"
        layers: list[nn.Module] = []
        c_in = in_channels
        for block in range(n_blocks):
            c_out = channels * 2**block
            layers += [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1), activation(act), nn.MaxPool2d(2)]
            c_in, height, width = c_out, height // 2, width // 2
        layers += [
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(c_in * height * width, hidden),
            activation(act),
            nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        ]
        super().__init__(*layers)
