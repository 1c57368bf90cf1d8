"""The no-tangling guarantee: shrink a displacement until every cell keeps a positive area.

A mover proposes ``x = xi + d``. If any cell of ``xi + d`` has signed area ``<= 0`` (or less than
``min_area_fraction`` of its reference area), :func:`untangle_scale` finds by bisection the
largest factor ``s`` in ``[0, 1]`` for which ``xi + s d`` has none. ``s = 0`` is the reference
mesh itself, so a valid reference mesh always gives a valid result.
"""

from __future__ import annotations

import numpy as np

from geonop.errors import InvalidArgumentError, InvalidMeshError
from geonop.movers import _fem


def _min_area_ratio(points: np.ndarray, triangles: np.ndarray, ref_area: np.ndarray) -> float:
    return float((_fem.signed_areas(points, triangles) / ref_area).min())


def untangle_scale(points: np.ndarray, triangles: np.ndarray, displacement: np.ndarray,
                   min_area_fraction: float = 1e-3, iterations: int = 30) -> float:
    """Largest factor ``s`` in ``[0, 1]`` (to bisection precision) keeping ``points + s *
    displacement`` untangled.

    Parameters
    ----------
    points : ndarray of shape [N, 2]
        Reference nodes; every triangle must have positive signed area on them.
    triangles : ndarray of shape [F, 3]
    displacement : ndarray of shape [N, 2]
    min_area_fraction : float
        A cell counts as tangled when its area falls to this fraction of its reference area
        or below (a margin against round-off; 0 means strictly positive area).
    iterations : int
        Bisection steps; the factor is accurate to ``2**-iterations``.

    Returns
    -------
    float
        1.0 when the full displacement is valid; otherwise the largest valid factor found
        (the lower end of the last bisection bracket, so always valid).

    Raises
    ------
    InvalidMeshError
        If the reference mesh itself has a cell of non-positive area.
    """
    pts, tri = _fem.check_mesh(points, triangles, "untangle_scale")
    d = np.asarray(displacement, dtype=np.float64)
    if d.shape != pts.shape or not np.isfinite(d).all():
        raise InvalidArgumentError(f"untangle_scale: displacement must be finite with shape "
                                   f"{list(pts.shape)}, got {list(d.shape)}")
    if not 0.0 <= min_area_fraction < 1.0:
        raise InvalidArgumentError(f"min_area_fraction must lie in [0, 1), got {min_area_fraction}")
    ref = _fem.signed_areas(pts, tri)
    if (ref <= 0).any():
        raise InvalidMeshError(f"untangle_scale: {int((ref <= 0).sum())} reference cell(s) have "
                               "non-positive signed area; orient triangles counter-clockwise")

    def ok(s: float) -> bool:
        return _min_area_ratio(pts + s * d, tri, ref) > min_area_fraction

    if ok(1.0):
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(int(iterations)):
        mid = 0.5 * (lo + hi)
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo
