import pytest
import torch

from geonop.errors import InvalidArgumentError
from geonop.movers.mmpde.interpolation import LearnableInterpolation, knn_indices


def _points(b: int, n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(b, n, 2, generator=g)


def test_exact_on_linear_fields_whatever_the_weights():
    torch.manual_seed(0)
    itp = LearnableInterpolation(neighbors=6, hidden_channels=16)
    with torch.no_grad():  # weights far from the initial kernel
        for p in itp.parameters():
            p.add_(torch.randn_like(p))
    src, dst = _points(2, 200, 1), 0.1 + 0.8 * _points(2, 50, 2)
    coef = torch.tensor([[0.3, -1.2, 2.0], [1.0, 0.5, 0.25]])  # [channels, (1, x, y)]
    values = coef[:, 0] + src[..., :1] * coef[:, 1] + src[..., 1:] * coef[:, 2]  # [2, 200, 2]
    out = itp(src, values, dst, scale=0.07)
    expect = coef[:, 0] + dst[..., :1] * coef[:, 1] + dst[..., 1:] * coef[:, 2]
    torch.testing.assert_close(out, expect, atol=1e-4, rtol=0)
    # ... but not on a quadratic one (the weights are really learned, not P1 by construction)
    q = (src ** 2).sum(-1, keepdim=True)
    assert (itp(src, q, dst, 0.07) - (dst ** 2).sum(-1, keepdim=True)).abs().max() > 1e-4


def test_shapes_gradients_and_coincident_points():
    itp = LearnableInterpolation(neighbors=4)
    src = _points(3, 30, 0)
    vals = torch.randn(3, 30, 5, requires_grad=True)
    out = itp(src, vals, src, scale=0.1)
    assert out.shape == (3, 30, 5)
    out.sum().backward()
    assert vals.grad is not None and any(p.grad is not None for p in itp.parameters())
    assert repr(itp) == "LearnableInterpolation(neighbors=4, hidden_channels=32, feature_channels=0)"


def test_knn_indices_per_graph():
    src = torch.tensor([[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]]).repeat(2, 1, 1)
    src[1] = src[1].flip(0)
    idx = knn_indices(src, torch.tensor([[[0.1, 0.0]], [[4.9, 5.0]]]), 2)
    assert idx.shape == (2, 1, 2)
    assert idx[0, 0].tolist() == [0, 1] and idx[1, 0, 0].item() == 0
    with pytest.raises(InvalidArgumentError, match="exceeds"):
        knn_indices(src, src, 5)
    with pytest.raises(InvalidArgumentError, match="neighbors"):
        LearnableInterpolation(neighbors=2)
