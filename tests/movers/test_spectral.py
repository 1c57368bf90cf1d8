import math

import numpy as np
import pytest
import torch

from geonop.movers import spectral

pytestmark = pytest.mark.usefixtures("one_thread")


def test_exact_derivatives_match_autograd():
    k = spectral.wavenumbers(6, torch.float64)
    a = torch.randn(2, 6, 6, dtype=torch.float64)
    q = torch.rand(2, 20, 2, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(spectral.evaluate(a, q, k).sum(), q, create_graph=True)
    hx = torch.autograd.grad(g[..., 0].sum(), q, retain_graph=True)[0]
    hy = torch.autograd.grad(g[..., 1].sum(), q)[0]
    grad, hess = spectral.derivatives(a, q.detach(), k)
    torch.testing.assert_close(grad, g.detach())
    torch.testing.assert_close(spectral.gradient(a, q.detach(), k), g.detach())
    torch.testing.assert_close(hess, torch.stack([hx, hy], -2))


def test_grid_tables_match_the_pointwise_series():
    grid = spectral.SpectralGrid(6, 10, torch.float64)
    a = torch.randn(3, 6, 6, dtype=torch.float64)
    pts = grid.points.reshape(1, -1, 2).expand(3, -1, -1)
    g, h = spectral.derivatives(a, pts, grid.k)
    gx, gy, hxx, hyy, hxy = (t.reshape(3, -1) for t in grid.derivatives(a))
    torch.testing.assert_close(torch.stack([gx, gy], -1), g)
    torch.testing.assert_close(torch.stack([hxx, hyy, hxy], -1), h[..., [0, 1, 0], [0, 1, 1]])
    # projection inverts evaluation for resolved modes
    torch.testing.assert_close(grid.project(spectral.evaluate(a, pts, grid.k).reshape(3, 10, 10)), a)


def test_normal_derivative_vanishes_on_the_sides():
    k = spectral.wavenumbers(8, torch.float64)
    t = torch.linspace(0, 1, 11, dtype=torch.float64)
    zero, one = 0 * t, 0 * t + 1
    a = torch.randn(1, 8, 8, dtype=torch.float64)
    vertical = torch.cat([torch.stack([zero, t], 1), torch.stack([one, t], 1)])[None]
    horizontal = torch.cat([torch.stack([t, zero], 1), torch.stack([t, one], 1)])[None]
    gv, gh = spectral.gradient(a, vertical, k), spectral.gradient(a, horizontal, k)
    assert gv[..., 0].abs().max() < 1e-12 and gv[..., 1].abs().max() > 1e-3
    assert gh[..., 1].abs().max() < 1e-12 and gh[..., 0].abs().max() > 1e-3


def test_quadrature_projection_of_nodal_values():
    k = spectral.wavenumbers(4, torch.float64)
    s = (torch.arange(40, dtype=torch.float64) + 0.5) / 40
    pts = torch.stack(torch.meshgrid(s, s, indexing="ij"), -1).reshape(-1, 2)
    f = 2.0 + 0.5 * torch.cos(math.pi * pts[:, 0]) * torch.cos(2 * math.pi * pts[:, 1])
    c = spectral.project(pts, torch.full((len(pts),), 1 / len(pts), dtype=torch.float64), f, k)
    expected = torch.zeros(4, 4, dtype=torch.float64)
    expected[0, 0], expected[1, 2] = 2.0, 0.5
    torch.testing.assert_close(c, expected, atol=1e-10, rtol=0)


def test_relaxation_solves_monge_ampere_for_an_analytic_map(cosine_map):
    """phi = eps cos(pi x) cos(pi y) / pi^2 solves m det(I + H phi) = 1 for the monitor
    m = 1 / det(I + H phi)(xi(x)): the relaxation finds its coefficient."""
    from tests.movers.conftest import _invert_map  # noqa: F401  (the fixture's helper)

    g = (np.arange(64) + 0.5) / 64
    pts = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    m = cosine_map.monitor(pts)
    k8 = spectral.wavenumbers(12, torch.float64)
    t = torch.as_tensor(pts)
    monitor = spectral.project(t, torch.full((len(pts),), 1 / len(pts), dtype=torch.float64),
                               torch.as_tensor(m), k8)[None]
    grid = spectral.SpectralGrid(6, 32, torch.float64)
    a = spectral.relax(monitor, grid, torch.full((60,), 0.5, dtype=torch.float64))[0]
    expected = cosine_map.eps / math.pi**2
    assert abs(float(a[1, 1]) - expected) < 0.02 * expected
    others = a.clone()
    others[1, 1] = 0.0
    assert float(others.abs().max()) < 0.05 * expected
