from __future__ import annotations

import numpy as np
import pytest


def _invert_map(forward, x: np.ndarray, iterations: int = 30) -> np.ndarray:
    """Solve forward(xi) = x for xi by Newton's method (vectorised; 2x2 Jacobians by
    central differences)."""
    xi = x.copy()
    h = 1e-6
    for _ in range(iterations):
        r = forward(xi) - x
        jx = (forward(xi + [h, 0]) - forward(xi - [h, 0])) / (2 * h)
        jy = (forward(xi + [0, h]) - forward(xi - [0, h])) / (2 * h)
        det = jx[:, 0] * jy[:, 1] - jy[:, 0] * jx[:, 1]
        dx = (jy[:, 1] * r[:, 0] - jy[:, 0] * r[:, 1]) / det
        dy = (-jx[:, 1] * r[:, 0] + jx[:, 0] * r[:, 1]) / det
        xi = xi - np.stack([dx, dy], 1)
    return xi


class CosineMap:
    r"""The analytic potential phi = eps cos(pi x) cos(pi y) / pi^2 on the unit square.

    dphi/dn = 0 on the sides, I + H(phi) = [[1 - eps c, eps s], [eps s, 1 - eps c]] with
    c = cos(pi x) cos(pi y), s = sin(pi x) sin(pi y). The monitor m(x) = 1 / det(I + H)(xi(x))
    makes phi the exact Monge-Ampere solution with theta = 1.
    """

    def __init__(self, eps: float = 0.3) -> None:
        self.eps = eps

    def phi(self, xi: np.ndarray) -> np.ndarray:
        return self.eps * np.cos(np.pi * xi[:, 0]) * np.cos(np.pi * xi[:, 1]) / np.pi**2

    def forward(self, xi: np.ndarray) -> np.ndarray:
        e, px, py = self.eps / np.pi, np.pi * xi[:, 0], np.pi * xi[:, 1]
        return xi + np.stack([-e * np.sin(px) * np.cos(py), -e * np.cos(px) * np.sin(py)], 1)

    def det(self, xi: np.ndarray) -> np.ndarray:
        c = np.cos(np.pi * xi[:, 0]) * np.cos(np.pi * xi[:, 1])
        s = np.sin(np.pi * xi[:, 0]) * np.sin(np.pi * xi[:, 1])
        return (1 - self.eps * c) ** 2 - (self.eps * s) ** 2

    def monitor(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / self.det(_invert_map(self.forward, x))


@pytest.fixture
def cosine_map() -> CosineMap:
    return CosineMap()
