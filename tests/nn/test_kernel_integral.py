import math

import pytest
import torch

from geonop.errors import InvalidArgumentError
from geonop.nn import KernelIntegral


def _brute_force(layer, xp, yp, f, qa=None):
    """Dense reference: every (query, source) pair, masked by the radius."""
    out = torch.zeros(yp.shape[0], layer.out_channels)
    v = layer.value(f)
    for i in range(yp.shape[0]):
        d = yp[i] - xp
        near = d.norm(dim=-1) <= layer.radius
        if not near.any():
            continue
        dd = d[near] / layer.radius
        feats = [dd, dd.norm(dim=-1, keepdim=True)]
        if qa is not None:
            feats.append(qa[i].expand(int(near.sum()), -1))
        m = layer.kernel(torch.cat(feats, -1)) * v[near]
        out[i] = m.mean(0) if layer.reduction == "mean" else m.sum(0)
    return out


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_matches_brute_force(one_thread, reduction):
    torch.manual_seed(0)
    xp, yp = torch.rand(60, 2), torch.rand(25, 2)
    f, qa = torch.randn(60, 3), torch.randn(25, 2)
    layer = KernelIntegral(3, 5, 2, radius=0.25, query_channels=2, kernel_hidden=16,
                           reduction=reduction)
    out = layer(xp, yp, f, query_attr=qa)
    assert out.shape == (25, 5)
    assert torch.allclose(out, _brute_force(layer, xp, yp, f, qa), atol=1e-5)
    far = layer(xp, torch.tensor([[5.0, 5.0]]), f, query_attr=qa[:1])
    assert torch.equal(far, torch.zeros(1, 5))                  # no source in the ball


def test_chunked_equals_unchunked_and_batched(one_thread):
    torch.manual_seed(0)
    layer = KernelIntegral(4, 6, 3, radius=0.3, kernel_hidden=16)
    xp, yp, f = torch.rand(80, 3), torch.rand(301, 3), torch.randn(80, 4)
    full = layer(xp, yp, f, chunk_size=None)
    assert torch.allclose(layer(xp, yp, f, chunk_size=7), full, atol=1e-6)
    # a batch of two clouds equals two single calls
    xp2, yp2, f2 = torch.rand(50, 3), torch.rand(40, 3), torch.randn(50, 4)
    bx = torch.cat([torch.zeros(80), torch.ones(50)]).long()
    by = torch.cat([torch.zeros(301), torch.ones(40)]).long()
    both = layer(torch.cat([xp, xp2]), torch.cat([yp, yp2]), torch.cat([f, f2]), bx, by, chunk_size=64)
    assert torch.allclose(both[:301], full, atol=1e-6)
    assert torch.allclose(both[301:], layer(xp2, yp2, f2), atol=1e-6)


def test_mean_kernel_integral_is_discretisation_independent(one_thread):
    """The same smooth input sampled at 1k and at 4k sources gives nearly the same field
    (Monte-Carlo estimates of one integral), while the sum doubles with density."""
    torch.manual_seed(0)
    layer = KernelIntegral(1, 4, 2, radius=0.2, kernel_hidden=16, reduction="mean")
    g = torch.Generator().manual_seed(3)
    queries = 0.2 + 0.6 * torch.rand(200, 2, generator=g)

    def field(n):
        x = torch.rand(n, 2, generator=g)
        return layer(x, queries, torch.sin(2 * math.pi * x[:, :1]) + x[:, 1:] ** 2)

    coarse, fine, finer = field(1000), field(4000), field(16000)
    rel = lambda a, b: float((a - b).detach().norm() / b.detach().norm())
    assert rel(fine, finer) < 0.08
    assert rel(coarse, finer) < 0.15
    assert rel(fine, finer) < rel(coarse, finer)


def test_bad_inputs():
    layer = KernelIntegral(2, 2, 2, radius=0.1, query_channels=1)
    with pytest.raises(InvalidArgumentError, match="query_attr"):
        layer(torch.rand(4, 2), torch.rand(3, 2), torch.rand(4, 2))
    with pytest.raises(InvalidArgumentError, match=r"f must have shape"):
        layer(torch.rand(4, 2), torch.rand(3, 2), torch.rand(5, 2), query_attr=torch.rand(3, 1))
    with pytest.raises(InvalidArgumentError, match="radius"):
        KernelIntegral(2, 2, 2, radius=0.0)
