"""Analytic test fields with sharp fronts: sums of tanh fronts along lines and circles.

A front ``k`` has amplitude ``a``, a centre ``p``, a width ``w`` and is either straight
(normal at angle ``t``) or circular (radius ``R``). Its signed distance is
``d = n . (x - p)`` or ``d = R - |x - p|`` and the field is

    u(x) = sum_k a_k tanh(d_k(x) / w_k).

Values and exact gradients are available in numpy and in torch (differentiable in ``x``),
so a data-free mover can evaluate its monitor at moved points exactly, and interpolation
errors can be measured against the exact field.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from geonop.errors import InvalidArgumentError

#: columns of :attr:`FrontField.params`: circular flag, amplitude, centre x, centre y,
#: angle (straight) or radius (circular), width
PARAM_COLUMNS = ("circular", "amplitude", "px", "py", "angle_or_radius", "width")


def _terms(x: Tensor, params: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """tanh argument pieces: d [..., K], w [..., K] and grad d [..., K, 2] for x [..., 2]
    and params [..., K, 6] (broadcast)."""
    circ, p, ar, w = params[..., 0], params[..., 2:4], params[..., 4], params[..., 5]
    rel = x.unsqueeze(-2) - p  # [..., K, 2]
    normal = torch.stack([torch.cos(ar), torch.sin(ar)], dim=-1)
    r = torch.sqrt((rel**2).sum(-1) + 1e-30)
    d = torch.where(circ > 0.5, ar - r, (normal * rel).sum(-1))
    grad_d = torch.where((circ > 0.5).unsqueeze(-1), -rel / r.unsqueeze(-1), normal)
    return d, w, grad_d


def front_value(x: Tensor, params: Tensor) -> Tensor:
    """Field value at ``x`` (Tensor [..., 2]) for fronts ``params`` (Tensor [..., K, 6]): [...]."""
    d, w, _ = _terms(x, params)
    return (params[..., 1] * torch.tanh(d / w)).sum(-1)


def front_gradient(x: Tensor, params: Tensor) -> Tensor:
    """Exact gradient of the field at ``x`` (Tensor [..., 2]): Tensor [..., 2]."""
    d, w, grad_d = _terms(x, params)
    s = params[..., 1] * (1.0 - torch.tanh(d / w) ** 2) / w
    return (s.unsqueeze(-1) * grad_d).sum(-2)


def front_hessian(x: Tensor, params: Tensor) -> Tensor:
    """Exact Hessian of the field at ``x`` (Tensor [..., 2]): Tensor [..., 2, 2]."""
    d, w, grad_d = _terms(x, params)
    t = torch.tanh(d / w)
    a = params[..., 1]
    s1 = a * (1.0 - t**2) / w
    s2 = -2.0 * a * t * (1.0 - t**2) / w**2
    outer = grad_d.unsqueeze(-1) * grad_d.unsqueeze(-2)  # [..., K, 2, 2]
    rel = x.unsqueeze(-2) - params[..., 2:4]
    r = torch.sqrt((rel**2).sum(-1) + 1e-30)
    eye = torch.eye(2, dtype=x.dtype, device=x.device)
    # d = R - |x - p| has Hessian -(I - n n^T) / r; a straight front's is zero
    curv = -(eye - outer) / r[..., None, None]
    curv = torch.where((params[..., 0] > 0.5)[..., None, None], curv, torch.zeros_like(curv))
    return (s2[..., None, None] * outer + s1[..., None, None] * curv).sum(-3)


def front_hessian_norm(x: Tensor, params: Tensor) -> Tensor:
    """Frobenius norm of :func:`front_hessian`: Tensor [...]."""
    return torch.sqrt((front_hessian(x, params) ** 2).sum((-1, -2)) + 1e-30)


@dataclass
class FrontField:
    """A field of tanh fronts on the unit square (or any domain; coordinates are absolute).

    Attributes
    ----------
    params : ndarray of shape [K, 6]
        One row per front, columns :data:`PARAM_COLUMNS`.
    """

    params: np.ndarray

    def __post_init__(self) -> None:
        p = np.asarray(self.params, dtype=np.float64)
        if p.ndim != 2 or p.shape[1] != 6:
            raise InvalidArgumentError(f"FrontField params must have shape [K, 6], got {list(p.shape)}")
        if (p[:, 5] <= 0).any():
            raise InvalidArgumentError("FrontField widths (column 5) must be positive")
        self.params = p

    def value(self, x: np.ndarray) -> np.ndarray:
        """Values at points ``x`` (array [N, 2]): array [N]."""
        return front_value(torch.as_tensor(np.asarray(x, np.float64)),
                           torch.as_tensor(self.params)).numpy()

    def gradient(self, x: np.ndarray) -> np.ndarray:
        """Exact gradients at ``x`` (array [N, 2]): array [N, 2]."""
        return front_gradient(torch.as_tensor(np.asarray(x, np.float64)),
                              torch.as_tensor(self.params)).numpy()

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """Exact Hessians at ``x`` (array [N, 2]): array [N, 2, 2]."""
        return front_hessian(torch.as_tensor(np.asarray(x, np.float64)),
                             torch.as_tensor(self.params)).numpy()

    def hessian_norm(self, x: np.ndarray) -> np.ndarray:
        """Frobenius norm of the Hessian at ``x`` (array [N, 2]): array [N]."""
        return front_hessian_norm(torch.as_tensor(np.asarray(x, np.float64)),
                                  torch.as_tensor(self.params)).numpy()

    def max_hessian_norm(self, resolution: int = 401,
                         bounds: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)) -> float:
        """max ||H(u)||_F over a ``resolution``^2 grid of the domain."""
        return float(max(self.hessian_norm(_grid(resolution, bounds)).max(), 1e-30))

    def widened(self, min_width: float) -> FrontField:
        """The same fronts with widths at least ``min_width``: a smoothed field whose monitor
        a mesh of spacing about ``min_width / 2`` can resolve."""
        p = self.params.copy()
        p[:, 5] = np.maximum(p[:, 5], min_width)
        return FrontField(p)

    def max_gradient_squared(self, resolution: int = 401,
                             bounds: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)) -> float:
        """max |grad u|^2 over a ``resolution``^2 grid of the domain (the monitor's scale)."""
        return float(max((self.gradient(_grid(resolution, bounds)) ** 2).sum(1).max(), 1e-30))


def _grid(resolution: int, bounds: tuple[float, float, float, float]) -> np.ndarray:
    xs = np.linspace(bounds[0], bounds[2], resolution)
    ys = np.linspace(bounds[1], bounds[3], resolution)
    return np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)


def random_front_field(rng: np.random.Generator | int, max_fronts: int = 2,
                       width_range: tuple[float, float] = (0.02, 0.06)) -> FrontField:
    """A random field of 1 to ``max_fronts`` fronts on the unit square.

    Straight fronts pass through a random point of ``[0.1, 0.9]^2`` at a random angle; circular
    ones have a centre in ``[-0.2, 1.2]^2`` (so arcs cross corners too) and a radius in
    ``[0.15, 0.6]``. Widths are uniform in ``width_range``; amplitudes in ``[0.5, 1]`` with a
    random sign. Unused rows (``K < max_fronts``) have amplitude 0.

    Returns
    -------
    FrontField
        With ``params`` of shape [max_fronts, 6].
    """
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    if max_fronts < 1:
        raise InvalidArgumentError(f"max_fronts must be >= 1, got {max_fronts}")
    k = int(rng.integers(1, max_fronts + 1))
    rows = []
    for i in range(max_fronts):
        circular = float(rng.random() < 0.5)
        amp = rng.uniform(0.5, 1.0) * rng.choice([-1.0, 1.0]) if i < k else 0.0
        if circular:
            p = rng.uniform(-0.2, 1.2, 2)
            ar = rng.uniform(0.15, 0.6)
        else:
            p = rng.uniform(0.1, 0.9, 2)
            ar = rng.uniform(0.0, 2 * np.pi)
        rows.append([circular, amp, p[0], p[1], ar, rng.uniform(*width_range)])
    return FrontField(np.array(rows))
