import pytest
import torch

from pipeline.models import CNN, MLP, count_parameters


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32)])
def test_mlp_maps_images_to_class_logits(shape):
    model = MLP(in_features=torch.Size(shape).numel(), n_classes=10, hidden=[32, 16], dropout=[0.1, 0.2], act="gelu")
    assert model(torch.randn(5, *shape)).shape == (5, 10)


@pytest.mark.parametrize("shape, blocks", [((1, 8, 8), 3), ((1, 28, 28), 3), ((3, 32, 32), 2)])
def test_cnn_maps_images_to_class_logits(shape, blocks):
    model = CNN(in_channels=shape[0], image_size=shape[1:], n_classes=7, n_blocks=blocks, channels=8, hidden=16)
    assert model(torch.randn(4, *shape)).shape == (4, 7)


def test_cnn_refuses_more_pooling_blocks_than_the_image_allows():
    with pytest.raises(AssertionError, match="do not fit"):
        CNN(in_channels=1, image_size=(8, 8), n_classes=10, n_blocks=4)


def test_parameter_count_grows_with_width():
    small = MLP(in_features=64, n_classes=10, hidden=[16])
    large = MLP(in_features=64, n_classes=10, hidden=[64])
    assert count_parameters(small) == 64 * 16 + 16 + 16 * 10 + 10
    assert count_parameters(large) > count_parameters(small)
