import pytest
import torch

from geonop import optional
from geonop.errors import InvalidArgumentError
from geonop.models.particles.basis_decoder import BasisKernelDecoder


def _decoder(order=2, query_channels=4, **kw):
    torch.manual_seed(0)
    return BasisKernelDecoder(8, 2, 2, 0.1, query_channels=query_channels, order=order,
                              hidden_channels=16, **kw)


def _inputs(k=60, m=500, seed=0, graphs=1):
    g = torch.Generator().manual_seed(seed)
    x = 0.2 + 0.6 * torch.rand(k, 2, generator=g)
    y = 0.1 + 0.8 * torch.rand(m, 2, generator=g)          # some queries out of reach
    h = torch.randn(k, 8, generator=g)
    attr = torch.rand(m, 4, generator=g)
    bx = torch.sort(torch.randint(0, graphs, (k,), generator=g)).values
    by = torch.sort(torch.randint(0, graphs, (m,), generator=g)).values
    return x, h, y, attr, bx, by


def _relative(k=60, m=500, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(k, 2, generator=g), torch.randn(m, 2, generator=g)


@pytest.mark.skipif(not optional.WITH_NUMBA, reason="numba not installed")
@pytest.mark.parametrize("order, channels, graphs, relative",
                         [(2, 4, 1, 0), (1, 0, 1, 0), (2, 4, 3, 0), (2, 4, 3, 2), (1, 0, 1, 2)])
def test_compiled_path_equals_tensor_path(one_thread, monkeypatch, order, channels, graphs,
                                          relative):
    dec = _decoder(order, channels, relative_channels=relative)
    x, h, y, attr, bx, by = _inputs(graphs=graphs)
    attr = attr if channels else None
    bx, by = (bx, by) if graphs > 1 else (None, None)
    xr, yr = _relative() if relative else (None, None)
    with torch.no_grad():
        compiled = dec(x, h, y, bx, by, attr, xr, yr)
        monkeypatch.setattr(optional, "WITH_NUMBA", False)
        tensor = dec(x, h, y, bx, by, attr, xr, yr)
    assert compiled.dtype == tensor.dtype == torch.float32
    assert torch.allclose(compiled, tensor, atol=1e-6)
    assert (tensor.abs().sum(dim=1) > 0).float().mean() > 0.5   # not a field of zeros


def test_field_formula_against_a_direct_sum(one_thread, no_optional):
    dec = _decoder(order=2, query_channels=4)
    x, h, y, attr, _, _ = _inputs(k=20, m=30)
    with torch.no_grad():
        got = dec(x, h, y, query_attr=attr)
        coeff = dec.coefficients(h).view(20, dec.num_basis, 2)
    for i in range(30):
        s = (y[i] - x) / 0.1
        w = (1 - (s * s).sum(-1)).clamp(min=0) ** 2
        phi = torch.cat([torch.ones(20, 1), s, s[:, :1] ** 2, s[:, :1] * s[:, 1:],
                         s[:, 1:] ** 2, attr[i].expand(20, 4)], dim=1)
        want = (w[:, None] * (phi[:, :, None] * coeff).sum(1)).sum(0) / w.sum().clamp_min(1e-12)
        assert torch.allclose(got[i], want, atol=1e-5)


def test_relative_features_enter_as_query_minus_node(one_thread, no_optional):
    dec = _decoder(order=1, query_channels=0, relative_channels=2)
    x, h, y, _, _, _ = _inputs(k=20, m=30)
    xr, yr = _relative(20, 30)
    with torch.no_grad():
        got = dec(x, h, y, x_rel=xr, y_rel=yr)
        coeff = dec.coefficients(h).view(20, dec.num_basis, 2)
        # a shift common to nodes and queries (a Galilean boost of velocities) changes nothing
        shifted = dec(x, h, y, x_rel=xr + 3.0, y_rel=yr + 3.0)
    assert torch.allclose(got, shifted, atol=1e-5)
    for i in range(30):
        s = (y[i] - x) / 0.1
        w = (1 - (s * s).sum(-1)).clamp(min=0) ** 2
        phi = torch.cat([torch.ones(20, 1), s, yr[i] - xr], dim=1)
        want = (w[:, None] * (phi[:, :, None] * coeff).sum(1)).sum(0) / w.sum().clamp_min(1e-12)
        assert torch.allclose(got[i], want, atol=1e-5)
    with pytest.raises(InvalidArgumentError, match="x_rel"):
        dec(x, h, y)


def test_constant_field_is_reproduced_at_any_density(one_thread, no_optional):
    """Normalised weights: nodes that all carry the same constant give that constant at
    every query in reach, however many nodes sample it."""
    dec = _decoder(order=1, query_channels=0)
    last = dec.coefficients.net[-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.zero_()
        last.bias.view(dec.num_basis, 2)[0] = torch.tensor([0.3, -0.7])
    g = torch.Generator().manual_seed(1)
    y = 0.4 + 0.2 * torch.rand(100, 2, generator=g)
    for k in (150, 1500):
        x = 0.2 + 0.6 * torch.rand(k, 2, generator=g)
        out = dec(x, torch.randn(k, 8, generator=g), y)
        assert torch.allclose(out, torch.tensor([0.3, -0.7]).expand(100, 2), atol=1e-5)
    far = dec(x, torch.randn(k, 8), torch.tensor([[5.0, 5.0]]))
    assert torch.equal(far, torch.zeros(1, 2))                       # no node in reach


def test_gradients_reach_the_coefficient_mlp(one_thread):
    dec = _decoder()
    x, h, y, attr, _, _ = _inputs()
    dec(x, h, y, query_attr=attr).square().sum().backward()
    grads = [p.grad for p in dec.coefficients.parameters()]
    assert all(g is not None and g.abs().sum() > 0 for g in grads)


def test_chunks_do_not_change_the_result(one_thread, no_optional):
    x, h, y, attr, _, _ = _inputs()
    whole = _decoder(chunk_size=None)(x, h, y, query_attr=attr)
    chunked = _decoder(chunk_size=37)(x, h, y, query_attr=attr)
    assert torch.allclose(whole, chunked, atol=1e-6)


def test_bad_arguments():
    with pytest.raises(InvalidArgumentError, match="order"):
        BasisKernelDecoder(8, 2, 2, 0.1, order=3)
    with pytest.raises(InvalidArgumentError, match="radius"):
        BasisKernelDecoder(8, 2, 2, 0.0)
    dec = _decoder()
    x, h, y, attr, _, _ = _inputs()
    with pytest.raises(InvalidArgumentError, match="query_attr"):
        dec(x, h, y)
    with pytest.raises(InvalidArgumentError, match="latent"):
        dec(x, h[:5], y, query_attr=attr)
    with pytest.raises(InvalidArgumentError, match="batch"):
        dec(x, h, y, torch.zeros(60, dtype=torch.long), None, attr)
    assert repr(dec) == "BasisKernelDecoder(out_channels=2, pos_dim=2, radius=0.1, num_basis=10, order=2)"
