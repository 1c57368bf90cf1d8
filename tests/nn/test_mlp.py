import pytest
import torch

from geonop.errors import InvalidArgumentError
from geonop.nn import MLP


def test_shapes_layer_norm_and_repr(one_thread):
    torch.manual_seed(0)
    mlp = MLP(5, 7, hidden_channels=16, num_hidden_layers=2)
    y = mlp(torch.randn(3, 4, 5))
    assert y.shape == (3, 4, 7)
    # LayerNorm output (default affine init) has zero mean and unit variance per row
    assert torch.allclose(y.mean(-1), torch.zeros(3, 4), atol=1e-5)
    assert torch.allclose(y.var(-1, unbiased=False), torch.ones(3, 4), atol=1e-2)  # eps of LayerNorm
    assert repr(mlp) == ("MLP(5, 7, hidden_channels=16, num_hidden_layers=2, activation='relu', "
                         "layer_norm=True)")
    plain = MLP(5, 2, 8, 0, layer_norm=False)
    assert sum(isinstance(m, torch.nn.Linear) for m in plain.net) == 1


def test_bad_arguments():
    with pytest.raises(InvalidArgumentError, match="activation"):
        MLP(2, 2, activation="swish")
    with pytest.raises(InvalidArgumentError, match="channels"):
        MLP(0, 2)
