"""Monitor functions: where a mesh mover should put resolution, from a field on a mesh.

A monitor ``m >= 1`` is large where the field varies fast. An equidistributed mesh has
``m * cell area`` about equal on every cell, so cells shrink where ``m`` is large.

- :func:`gradient_monitor`: ``m = 1 + alpha |grad u|^2 / max |grad u|^2``;
- :func:`hessian_monitor`: ``m = 1 + alpha ||H(u)||_F / max ||H(u)||_F``, which follows the
  curvature of the field (the P1 interpolation error is proportional to it);
- :func:`analytic_gradient_monitor`: the gradient monitor of an exact field, at any points.

Gradients and Hessians on triangle meshes are recovered from the P1 interpolant by
area-weighted averaging; both monitors are then smoothed by ``smoothing`` passes of
node -> cell -> node averaging, which widens the adapted band by about one cell per pass and
keeps movers from chasing single-node spikes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from geonop.errors import InvalidArgumentError
from geonop.movers import _fem

MonitorFn = Callable[[np.ndarray], np.ndarray]


def _check_field(points: np.ndarray, values: np.ndarray, where: str) -> np.ndarray:
    u = np.asarray(values, dtype=np.float64)
    if u.shape != (len(points),):
        raise InvalidArgumentError(f"{where}: field values must have shape [{len(points)}] "
                                   f"(one per node), got {list(u.shape)}")
    if not np.isfinite(u).all():
        raise InvalidArgumentError(f"{where}: field values contain NaN or infinity")
    return u


def _check_alpha(alpha: float, smoothing: int, where: str) -> None:
    if not np.isfinite(alpha) or alpha < 0:
        raise InvalidArgumentError(f"{where}: alpha must be a finite number >= 0, got {alpha}")
    if int(smoothing) < 0:
        raise InvalidArgumentError(f"{where}: smoothing must be >= 0, got {smoothing}")


def recovered_gradient(points: np.ndarray, triangles: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Nodal gradient of the P1 interpolant of ``values`` by area-weighted averaging.

    Parameters
    ----------
    points : ndarray of shape [N, 2]
    triangles : ndarray of shape [F, 3]
    values : ndarray of shape [N] or [N, C]

    Returns
    -------
    ndarray of shape [N, 2] or [N, C, 2]
    """
    pts, tri = _fem.check_mesh(points, triangles, "recovered_gradient")
    grads, area = _fem.basis_gradients(pts, tri)
    r = _fem.recovery_matrix(tri, area, len(pts))
    g = _fem.cell_gradient(grads, tri, np.asarray(values, dtype=np.float64))
    return (r @ g.reshape(len(tri), -1)).reshape((len(pts),) + g.shape[1:])


def recovered_hessian(points: np.ndarray, triangles: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Nodal Hessian of ``values`` [N]: the recovered gradient of the recovered gradient,
    symmetrised. Returns array [N, 2, 2]."""
    g = recovered_gradient(points, triangles, values)
    h = recovered_gradient(points, triangles, g)  # [N, 2 (component), 2 (direction)]
    return 0.5 * (h + h.transpose(0, 2, 1))


def smooth_nodal(triangles: np.ndarray, areas: np.ndarray, values: np.ndarray,
                 passes: int) -> np.ndarray:
    """``passes`` rounds of node -> cell (mean) -> node (area-weighted mean) averaging."""
    if passes <= 0:
        return values
    r = _fem.recovery_matrix(triangles, areas, len(values))
    v = values
    for _ in range(passes):
        v = r @ v[triangles].mean(1)
    return v


def gradient_monitor(points: np.ndarray, triangles: np.ndarray, values: np.ndarray,
                     alpha: float = 10.0, smoothing: int = 1) -> np.ndarray:
    """``m = 1 + alpha |grad u|^2 / max |grad u|^2`` at the nodes, then smoothed.

    Parameters
    ----------
    points : ndarray of shape [N, 2]
    triangles : ndarray of shape [F, 3]
    values : ndarray of shape [N]
        The field ``u`` at the nodes.
    alpha : float
        Strength of the adaptation (0: uniform monitor).
    smoothing : int
        Averaging passes (see the module docstring).

    Returns
    -------
    ndarray of shape [N], values in ``[1, 1 + alpha]``
    """
    pts, tri = _fem.check_mesh(points, triangles, "gradient_monitor")
    u = _check_field(pts, values, "gradient_monitor")
    _check_alpha(alpha, smoothing, "gradient_monitor")
    g2 = (recovered_gradient(pts, tri, u) ** 2).sum(1)
    area = _fem.signed_areas(pts, tri)
    g2 = smooth_nodal(tri, area, g2, int(smoothing))
    top = g2.max()
    return 1.0 + alpha * (g2 / top if top > 0 else np.zeros_like(g2))


def hessian_monitor(points: np.ndarray, triangles: np.ndarray, values: np.ndarray,
                    alpha: float = 10.0, smoothing: int = 1) -> np.ndarray:
    """``m = 1 + alpha ||H(u)||_F / max ||H(u)||_F`` (curvature based), then smoothed.

    Same parameters and output as :func:`gradient_monitor`.
    """
    pts, tri = _fem.check_mesh(points, triangles, "hessian_monitor")
    u = _check_field(pts, values, "hessian_monitor")
    _check_alpha(alpha, smoothing, "hessian_monitor")
    h = np.sqrt((recovered_hessian(pts, tri, u) ** 2).sum((1, 2)))
    h = smooth_nodal(tri, _fem.signed_areas(pts, tri), h, int(smoothing))
    top = h.max()
    return 1.0 + alpha * (h / top if top > 0 else np.zeros_like(h))


def analytic_gradient_monitor(gradient: Callable[[np.ndarray], np.ndarray], alpha: float,
                              max_gradient_squared: float) -> MonitorFn:
    """The gradient monitor of a field whose exact gradient is known, as a function of points.

    Parameters
    ----------
    gradient : callable
        Points [N, 2] -> gradient [N, 2].
    alpha : float
    max_gradient_squared : float
        The normalisation ``max |grad u|^2`` over the domain.

    Returns
    -------
    callable
        Points [N, 2] -> monitor [N].
    """
    _check_alpha(alpha, 0, "analytic_gradient_monitor")
    if not max_gradient_squared > 0:
        raise InvalidArgumentError(
            f"analytic_gradient_monitor: max_gradient_squared must be > 0, got {max_gradient_squared}")

    def monitor(x: np.ndarray) -> np.ndarray:
        return 1.0 + alpha * (np.asarray(gradient(x)) ** 2).sum(1) / max_gradient_squared

    return monitor


def analytic_hessian_monitor(hessian_norm: Callable[[np.ndarray], np.ndarray], alpha: float,
                             max_hessian_norm: float) -> MonitorFn:
    """The curvature monitor ``1 + alpha ||H(u)||_F / max ||H(u)||_F`` of a field whose exact
    Hessian norm is known, as a function of points.

    Parameters
    ----------
    hessian_norm : callable
        Points [N, 2] -> Frobenius norm of the Hessian [N].
    alpha : float
    max_hessian_norm : float
        The normalisation ``max ||H(u)||_F`` over the domain.

    Returns
    -------
    callable
        Points [N, 2] -> monitor [N].
    """
    _check_alpha(alpha, 0, "analytic_hessian_monitor")
    if not max_hessian_norm > 0:
        raise InvalidArgumentError(
            f"analytic_hessian_monitor: max_hessian_norm must be > 0, got {max_hessian_norm}")

    def monitor(x: np.ndarray) -> np.ndarray:
        return 1.0 + alpha * np.asarray(hessian_norm(x)) / max_hessian_norm

    return monitor
