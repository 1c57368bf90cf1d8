r"""Cosine series on the unit square and a spectral Monge-Ampere relaxation, in torch.

A potential :math:`\phi(\xi) = \sum_{k,l<K} a_{kl}\cos(k\pi\xi_x)\cos(l\pi\xi_y)` has
:math:`\partial\phi/\partial n = 0` on every side of the unit square, so the map
:math:`x = \xi + \nabla\phi` slides boundary points along their side and keeps corners: the
boundary condition of the Monge-Ampere mover holds exactly, whatever the coefficients. Its
gradient and Hessian are exact term-by-term derivatives, and the Laplacian is diagonal
(:math:`-\pi^2(k^2 + l^2)`), so a Poisson solve is a division.

:func:`relax` solves :math:`m(x)\det(I + H\phi) = \theta` by the relaxation of McRae, Cotter
and Budd (2018) in this basis,

.. math::

    a^{n+1}_{kl} = a^n_{kl} + \tau_n g_{kl}\,\frac{\hat r^n_{kl}}{\pi^2(k^2 + l^2)}, \qquad
    r^n = \frac{m(x^n)\det(I + H\phi^n)}{\langle m(x^n)\det(I + H\phi^n)\rangle} - 1,

with :math:`\hat r` the cosine coefficients of the residual on a ``G x G`` midpoint grid and a
monitor given as a cosine series too (so it can be evaluated at moved points without a search
on the mesh). Steps :math:`\tau_n` and per-mode gains :math:`g_{kl}` are arguments, so a
model can learn them. Everything is batched over ``B`` problems and differentiable.

Shapes: coefficients ``[B, K, K]`` (first index: x wavenumber), points ``[B, Q, 2]``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def wavenumbers(num_modes: int, dtype: torch.dtype = torch.float32,
                device: torch.device | str | None = None) -> Tensor:
    """``pi * [0, 1, ..., num_modes - 1]``: Tensor of shape [K]."""
    # pi k rounded once from float64, so that float64 callers get sin(pi k) ~ 1e-16
    return (math.pi * torch.arange(num_modes, dtype=torch.float64)).to(dtype=dtype, device=device)


def mode_norms(k: Tensor) -> Tensor:
    """Mean of ``cos(k x)^2 cos(l y)^2`` over the unit square: Tensor of shape [K, K]."""
    n = torch.where(k > 0, 0.5, 1.0).to(k.dtype)
    return n[:, None] * n[None, :]


def inverse_laplacian(k: Tensor) -> Tensor:
    """``1 / (k^2 + l^2)`` with 0 for the constant mode: Tensor of shape [K, K]."""
    lam = k[:, None] ** 2 + k[None, :] ** 2
    return torch.where(lam > 0, 1.0 / lam.clamp_min(1e-30), torch.zeros_like(lam))


def project(points: Tensor, weights: Tensor, values: Tensor, k: Tensor) -> Tensor:
    """Cosine coefficients of nodal values by quadrature.

    Parameters
    ----------
    points : Tensor of shape [N, 2]
        Nodes in the unit square.
    weights : Tensor of shape [N]
        Quadrature weights summing to 1 (e.g. the lumped mass of a mesh of the square).
    values : Tensor of shape [N]
    k : Tensor of shape [K]
        :func:`wavenumbers`.

    Returns
    -------
    Tensor of shape [K, K]
    """
    cx = torch.cos(points[:, :1] * k)
    cy = torch.cos(points[:, 1:] * k)
    return (cx * (weights * values)[:, None]).t() @ cy / mode_norms(k)


def evaluate(coefficients: Tensor, points: Tensor, k: Tensor) -> Tensor:
    """The series at points: ``coefficients`` [B, K, K], ``points`` [B, Q, 2] -> [B, Q]."""
    cs = torch.cos(points.unsqueeze(-1) * k)  # [B, Q, 2, K]: one call for both axes
    return ((cs[..., 0, :] @ coefficients) * cs[..., 1, :]).sum(-1)


def gradient(coefficients: Tensor, points: Tensor, k: Tensor) -> Tensor:
    """Exact gradient of the series at points: [B, K, K], [B, Q, 2] -> [B, Q, 2]."""
    ax, ay = points[..., :1] * k, points[..., 1:] * k
    cx, cy = torch.cos(ax), torch.cos(ay)
    gx = -(((torch.sin(ax) * k) @ coefficients) * cy).sum(-1)
    gy = -((cx @ coefficients) * (torch.sin(ay) * k)).sum(-1)
    return torch.stack([gx, gy], -1)


def derivatives(coefficients: Tensor, points: Tensor, k: Tensor) -> tuple[Tensor, Tensor]:
    """Exact gradient [B, Q, 2] and Hessian [B, Q, 2, 2] of the series at points [B, Q, 2]."""
    ax, ay = points[..., :1] * k, points[..., 1:] * k
    cx, cy, sx, sy = torch.cos(ax), torch.cos(ay), torch.sin(ax), torch.sin(ay)
    ca, sa = cx @ coefficients, (sx * k) @ coefficients  # [B, Q, K] (y index left)
    gx = -(sa * cy).sum(-1)
    gy = -(ca * (sy * k)).sum(-1)
    hxx = -(((cx * k**2) @ coefficients) * cy).sum(-1)
    hyy = -(ca * (cy * k**2)).sum(-1)
    hxy = (sa * (sy * k)).sum(-1)
    h = torch.stack([torch.stack([hxx, hxy], -1), torch.stack([hxy, hyy], -1)], -2)
    return torch.stack([gx, gy], -1), h


class SpectralGrid:
    """Tables of a ``G x G`` midpoint grid of the unit square for ``K`` modes: the cosine and
    sine values and the derivative factors, so each relaxation step is a few small matrix
    products.

    Parameters
    ----------
    num_modes : int
        ``K``.
    resolution : int
        ``G`` (at least ``K``; ``2 K`` avoids aliasing of products).
    """

    def __init__(self, num_modes: int, resolution: int, dtype: torch.dtype = torch.float32,
                 device: torch.device | str | None = None) -> None:
        self.k = wavenumbers(num_modes, dtype, device)
        g = (torch.arange(resolution, dtype=torch.float64) + 0.5) / resolution
        g = g.to(dtype=dtype, device=device)
        self.resolution = resolution
        self.c = torch.cos(g[:, None] * self.k)  # [G, K]
        self.s = torch.sin(g[:, None] * self.k)
        self.points = torch.stack(torch.meshgrid(g, g, indexing="ij"), -1)  # [G, G, 2]
        self.norms = mode_norms(self.k)
        self.stacked = torch.cat([self.c, self.s * self.k, self.c * self.k**2])  # [3G, K]
        self.inverse_laplacian = inverse_laplacian(self.k)

    def derivatives(self, a: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        """``phi_x, phi_y, phi_xx, phi_yy, phi_xy`` on the grid, each [B, G, G]."""
        # one product [c; s k; c k^2] a [c; s k; c k^2]^T gives every derivative as a block:
        # two matrix products instead of seven (these matrices are tiny: overhead dominates)
        g = self.resolution
        m = (a @ self.stacked.t()).transpose(-1, -2) @ self.stacked.t()  # [B, 3G, 3G]
        m = m.transpose(-1, -2)  # rows: x table, columns: y table
        c, s, c2 = slice(0, g), slice(g, 2 * g), slice(2 * g, 3 * g)
        return -m[:, s, c], -m[:, c, s], -m[:, c2, c], -m[:, c, c2], m[:, s, s]

    def project(self, f: Tensor) -> Tensor:
        """Cosine coefficients [B, K, K] of grid values [B, G, G] (midpoint rule)."""
        return self.c.t() @ f @ self.c / (self.resolution**2 * self.norms)


def relax(monitor: Tensor, grid: SpectralGrid, steps: Tensor, gains: Tensor | None = None,
          min_monitor: float = 1e-2) -> Tensor:
    """Potential coefficients solving ``m(xi + grad phi) det(I + H phi) = theta`` by
    ``len(steps)`` relaxation steps from ``phi = 0``.

    Parameters
    ----------
    monitor : Tensor of shape [B, K', K']
        Cosine coefficients of the monitor ``m(x)`` on the unit square (any ``K'``); it is
        floored at ``min_monitor`` times its grid mean, so a series that undershoots
        (Gibbs ripples) stays positive.
    grid : SpectralGrid
        Tables for the potential's ``K`` modes.
    steps : Tensor of shape [T]
        Pseudo-time step of each iteration (0.5 is stable for sharp monitors).
    gains : Tensor of shape [K, K], optional
        Per-mode factors on the update (a preconditioner; default 1).

    Returns
    -------
    Tensor of shape [B, K, K]
        Coefficients ``a`` of the potential (the constant mode is 0).
    """
    b = monitor.shape[0]
    kk = grid.k.numel()
    km = grid.k if monitor.shape[-1] == kk else wavenumbers(monitor.shape[-1], grid.k.dtype,
                                                            grid.k.device)
    a = torch.zeros(b, kk, kk, dtype=monitor.dtype, device=monitor.device)
    pts = grid.points.reshape(1, -1, 2)
    floor = min_monitor * monitor[:, :1, :1]  # the constant mode is the mean
    update = grid.inverse_laplacian if gains is None else grid.inverse_laplacian * gains
    for step in steps:
        gx, gy, hxx, hyy, hxy = grid.derivatives(a)
        x = (pts + torch.stack([gx, gy], -1).reshape(b, -1, 2)).clamp(0.0, 1.0)
        m = torch.maximum(evaluate(monitor, x, km).reshape_as(gx), floor)
        md = m * ((1 + hxx) * (1 + hyy) - hxy**2)
        r = md / md.mean((1, 2), keepdim=True) - 1.0
        a = a + step * update * grid.project(r)
    return a

