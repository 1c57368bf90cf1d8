"""Quality measures of moved triangle meshes.

- :func:`signed_areas` / :func:`tangled_cells`: a cell is tangled (inverted or degenerate)
  when its signed area, i.e. half its Jacobian determinant, is ``<= 0`` (cells are
  counter-clockwise on the reference mesh);
- :func:`equidistribution`: how evenly ``m * area`` spreads over the cells (the quantity a
  Monge-Ampere mover makes constant);
- :func:`minimum_angle`: the smallest interior angle, in degrees (60 is ideal, near 0 is a
  sliver);
- :func:`interpolation_error`: error of the piecewise-linear interpolant of a known field on a
  mesh, measured against the exact field on a fine sample of the domain.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from geonop.errors import InvalidArgumentError, InvalidMeshError
from geonop.movers import _fem


def signed_areas(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Signed area of each triangle, positive when counter-clockwise.

    Parameters
    ----------
    points : ndarray of shape [N, 2]
    triangles : ndarray of shape [F, 3]

    Returns
    -------
    ndarray of shape [F]
    """
    pts, tri = _fem.check_mesh(points, triangles, "signed_areas")
    return _fem.signed_areas(pts, tri)


def tangled_cells(points: np.ndarray, triangles: np.ndarray) -> int:
    """Number of cells with signed area (Jacobian) ``<= 0``."""
    return int((signed_areas(points, triangles) <= 0).sum())


def equidistribution(points: np.ndarray, triangles: np.ndarray,
                     monitor: np.ndarray | Callable[[np.ndarray], np.ndarray]) -> dict[str, float]:
    """Spread of ``m * area`` over the cells.

    Parameters
    ----------
    points : ndarray of shape [N, 2]
    triangles : ndarray of shape [F, 3]
    monitor : ndarray of shape [N] or callable
        Monitor values at the nodes (averaged over each cell), or a function of points [K, 2]
        -> [K] evaluated at the cell centroids.

    Returns
    -------
    dict
        ``cv``: standard deviation of ``m * area`` over its mean (0 when perfectly
        equidistributed); ``ratio``: max over min of ``m * |area|``.
    """
    pts, tri = _fem.check_mesh(points, triangles, "equidistribution")
    area = np.abs(_fem.signed_areas(pts, tri))
    if callable(monitor):
        m = np.asarray(monitor(pts[tri].mean(1)), dtype=np.float64)
    else:
        mv = np.asarray(monitor, dtype=np.float64)
        if mv.shape != (len(pts),):
            raise InvalidArgumentError(f"equidistribution: monitor must have shape [{len(pts)}], "
                                       f"got {list(mv.shape)}")
        m = mv[tri].mean(1)
    q = m * area
    mean = q.mean()
    return {"cv": float(q.std() / mean) if mean > 0 else float("inf"),
            "ratio": float(q.max() / q.min()) if q.min() > 0 else float("inf")}


def minimum_angle(points: np.ndarray, triangles: np.ndarray) -> float:
    """Smallest interior angle over all cells, in degrees."""
    pts, tri = _fem.check_mesh(points, triangles, "minimum_angle")
    x = pts[tri]
    best = 180.0
    for i in range(3):
        a = x[:, (i + 1) % 3] - x[:, i]
        b = x[:, (i + 2) % 3] - x[:, i]
        na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.clip((a * b).sum(1) / (na * nb), -1.0, 1.0)
        ang = np.degrees(np.arccos(np.where(np.isfinite(c), c, 1.0)))
        best = min(best, float(ang.min()))
    return best


def interpolate_linear(points: np.ndarray, triangles: np.ndarray, values: np.ndarray,
                       query: np.ndarray) -> np.ndarray:
    """Evaluate the piecewise-linear interpolant of nodal ``values`` at ``query`` points.

    Parameters
    ----------
    points : ndarray of shape [N, 2]
    triangles : ndarray of shape [F, 3]
        A valid (untangled) triangulation.
    values : ndarray of shape [N]
    query : ndarray of shape [Q, 2]

    Returns
    -------
    ndarray of shape [Q]
        NaN outside the mesh.
    """
    import matplotlib.tri as mtri

    pts, tri = _fem.check_mesh(points, triangles, "interpolate_linear")
    if tangled_cells(pts, tri):
        raise InvalidMeshError("interpolate_linear: the mesh has tangled cells (signed area <= 0)")
    try:
        interp = mtri.LinearTriInterpolator(mtri.Triangulation(pts[:, 0], pts[:, 1], tri),
                                            np.asarray(values, dtype=np.float64))
    except (ValueError, RuntimeError) as exc:
        raise InvalidMeshError(f"interpolate_linear: invalid triangulation ({exc})") from exc
    q = np.asarray(query, dtype=np.float64)
    return np.ma.filled(interp(q[:, 0], q[:, 1]).astype(np.float64), np.nan)


def interpolation_error(points: np.ndarray, triangles: np.ndarray,
                        field: Callable[[np.ndarray], np.ndarray],
                        resolution: int = 400, ignore_outside: bool = False) -> dict[str, float]:
    """Error of the P1 interpolant of an exact ``field`` on a mesh.

    The field is sampled at the nodes, interpolated linearly, and compared with the exact
    field at the centres of a ``resolution x resolution`` grid of cells covering the mesh's
    bounding box (a rectangle domain; for other polygons, such as an L-shape or a square
    with a hole, pass ``ignore_outside=True`` to drop the samples outside the mesh).

    Returns
    -------
    dict
        ``l2``: root-mean-square error over the sample (the L2 error divided by the square root
        of the domain area); ``max``: largest absolute error.
    """
    pts, tri = _fem.check_mesh(points, triangles, "interpolation_error")
    lo, hi = pts.min(0), pts.max(0)
    s = (np.arange(resolution) + 0.5) / resolution
    g = np.stack(np.meshgrid(lo[0] + s * (hi[0] - lo[0]), lo[1] + s * (hi[1] - lo[1])), -1)
    q = g.reshape(-1, 2)
    approx = interpolate_linear(pts, tri, field(pts), q)
    err = approx - field(q)
    if ignore_outside:
        err = err[np.isfinite(err)]
    if np.isnan(err).any() or err.size == 0:
        raise InvalidMeshError("interpolation_error: the mesh does not cover its bounding box "
                               f"({int(np.isnan(err).sum())} sample points outside)")
    return {"l2": float(np.sqrt(np.mean(err**2))), "max": float(np.abs(err).max())}
