"""Inputs an airfoil surrogate needs beyond the coordinates, and the non-dimensional units.

- :func:`wall_features`: signed distance to the airfoil and the unit direction away from
  the nearest wall point, at any query points (the decoder's local geometry input).
- :func:`wall_faces`: a wall discretisation (face centres, outward normals, lengths) of any
  airfoil outline, clustered at both edges like the shipped meshes, so that a model trained
  on the dataset can be given a new shape from a ``.dat`` file.
- :func:`to_nondimensional` / :func:`to_si`: ``U / U_inf``, ``Cp``, ``nut / nu`` and the skin
  friction vector ``tau / (0.5 U_inf^2)``, the units in which flows at different speeds look
  alike (what a surrogate should learn).

Units: chord 1 m, density 1, kinematic pressure zero in the free stream (the dataset's).
"""

from __future__ import annotations

import numpy as np

from geonop.errors import InvalidArgumentError, InvalidMeshError
from geonop.geometry import DistanceIndex

#: share of cosine spacing in :func:`wall_faces` (the rest uniform)
_COSINE_SHARE = 0.93


def closed_polygon(outline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertices [K, 2] and segments [K, 2] of a closed polygon from an outline [K(+1), 2]
    whose last point may repeat the first."""
    pts = np.asarray(outline, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3:
        raise InvalidMeshError(f"airfoil outline must have shape [K >= 3, 2], got {list(pts.shape)}")
    if not np.isfinite(pts).all():
        raise InvalidMeshError("airfoil outline has non-finite coordinates")
    if np.allclose(pts[0], pts[-1]):
        pts = pts[:-1]
    k = np.arange(len(pts))
    return pts, np.stack([k, (k + 1) % len(pts)], axis=1)


def wall_features(outline: np.ndarray, points: np.ndarray, index: DistanceIndex | None = None
                  ) -> np.ndarray:
    """Signed distance and wall direction at ``points``.

    Parameters
    ----------
    outline : ndarray of shape [K, 2]
        The airfoil polygon (closed or with the first point repeated at the end).
    points : ndarray of shape [N, 2]
        Query points.
    index : DistanceIndex, optional
        A prebuilt index of the same outline.

    Returns
    -------
    ndarray of shape [N, 3], float32
        ``sdf`` (m, negative inside the airfoil) and the unit vector from the nearest wall
        point to the query (for points on the wall: the outward normal of that segment).
    """
    pts, seg = closed_polygon(outline)
    q = np.asarray(points, dtype=np.float64)
    if q.ndim != 2 or q.shape[1] != 2:
        raise InvalidArgumentError(f"points must have shape [N, 2], got {list(q.shape)}")
    if index is None:
        index = DistanceIndex(pts, seg)
    sdf = np.asarray(index.signed_distance(q), dtype=np.float64)
    closest, which = index.closest_point(q)
    d = q - np.asarray(closest)
    dist = np.linalg.norm(d, axis=1)
    a, b = pts[seg[which, 0]], pts[seg[which, 1]]
    t = b - a
    # counter-clockwise polygon: the outward normal is the tangent turned clockwise
    normal = np.stack([t[:, 1], -t[:, 0]], axis=1)
    if _signed_area(pts) < 0:
        normal = -normal
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-300)
    on_wall = dist < 1e-9
    direction = np.where(on_wall[:, None], normal, d / np.maximum(dist, 1e-300)[:, None])
    direction = np.where((sdf < 0)[:, None] & ~on_wall[:, None], -direction, direction)
    return np.concatenate([sdf[:, None], direction], axis=1).astype(np.float32)


def _signed_area(pts: np.ndarray) -> float:
    x, y = pts[:, 0], pts[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def resample_sides(pts: np.ndarray, le: int, s: np.ndarray) -> np.ndarray:
    """A closed polygon starting at its trailing edge, resampled side by side.

    Parameters
    ----------
    pts : ndarray of shape [K, 2]
        The polygon, vertex 0 at the trailing edge (not repeated at the end).
    le : int
        Index of the leading-edge vertex: ``pts[:le + 1]`` is one side, ``pts[le:]`` plus
        vertex 0 the other.
    s : ndarray of shape [n + 1]
        Arc-length fractions from 0 to 1 at which each side is sampled.

    Returns
    -------
    ndarray of shape [2 n, 2]
        The new vertices, trailing edge first (each side's last point, the next side's
        first, is kept once).
    """
    nodes = []
    for side in (pts[: le + 1], np.concatenate([pts[le:], pts[:1]])):
        arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(side, axis=0), axis=1))])
        if len(side) < 2 or arc[-1] <= 0:
            raise InvalidMeshError("airfoil outline has a side of zero length")
        target = np.asarray(s, dtype=np.float64) * arc[-1]
        nodes.append(np.stack([np.interp(target, arc, side[:, 0]),
                               np.interp(target, arc, side[:, 1])], axis=1)[:-1])
    return np.concatenate(nodes)


def wall_faces(outline: np.ndarray, faces_per_side: int = 99) -> dict[str, np.ndarray]:
    """A wall discretisation of an airfoil outline, clustered at both edges.

    The outline is split at its leading edge (the point farthest from the trailing edge)
    and each side is resampled by arc length with nearly cosine spacing (93 % cosine, 7 %
    uniform), which sizes faces like the shipped Gmsh meshes: ~1e-3 chord at both edges,
    ~1.5e-2 at mid-chord with 99 faces per side.

    Parameters
    ----------
    outline : ndarray of shape [K, 2]
        Airfoil polygon in Selig order (trailing edge, upper side, leading edge, lower
        side), chord along x.
    faces_per_side : int
        Faces on each of the two sides.

    Returns
    -------
    dict
        ``surface_pos`` [M, 2] face centres, ``surface_normal`` [M, 2] unit normals out of
        the airfoil, ``surface_length`` [M], with ``M = 2 * faces_per_side``.
    """
    if faces_per_side < 4:
        raise InvalidArgumentError(f"faces_per_side must be >= 4, got {faces_per_side}")
    pts, _ = closed_polygon(outline)
    te = pts[0]
    le = int(np.argmax(np.linalg.norm(pts - te, axis=1)))
    t = np.linspace(0.0, 1.0, faces_per_side + 1)
    ring = resample_sides(pts, le, _COSINE_SHARE * 0.5 * (1.0 - np.cos(np.pi * t))
                          + (1.0 - _COSINE_SHARE) * t)
    a, b = ring, np.roll(ring, -1, axis=0)
    t = b - a
    length = np.linalg.norm(t, axis=1)
    normal = np.stack([t[:, 1], -t[:, 0]], axis=1) / np.maximum(length, 1e-300)[:, None]
    if _signed_area(ring) < 0:
        normal = -normal
    return {"surface_pos": (0.5 * (a + b)).astype(np.float32),
            "surface_normal": normal.astype(np.float32),
            "surface_length": length.astype(np.float32)}


def to_nondimensional(volume: np.ndarray | None, surface: np.ndarray | None, u_inf: float,
                      nu: float) -> tuple[np.ndarray | None, np.ndarray | None]:
    """SI fields to non-dimensional ones.

    Parameters
    ----------
    volume : ndarray of shape [N, 4], optional
        ``U_x, U_y`` (m/s), ``p`` (m^2/s^2), ``nut`` (m^2/s).
    surface : ndarray of shape [M, 3], optional
        ``p``, wall shear stress ``x, y`` (m^2/s^2).
    u_inf, nu : float
        Free-stream speed (m/s) and kinematic viscosity (m^2/s).

    Returns
    -------
    (ndarray of shape [N, 4], ndarray of shape [M, 3])
        ``U / U_inf, Cp, nut / nu`` and ``Cp, tau / (0.5 U_inf^2)``.
    """
    q = 0.5 * u_inf * u_inf
    vol = None if volume is None else np.asarray(volume, dtype=np.float64) / np.array(
        [u_inf, u_inf, q, nu])
    surf = None if surface is None else np.asarray(surface, dtype=np.float64) / q
    return (None if vol is None else vol.astype(np.float32),
            None if surf is None else surf.astype(np.float32))


def to_si(volume: np.ndarray | None, surface: np.ndarray | None, u_inf: float, nu: float
          ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Inverse of :func:`to_nondimensional` (same shapes)."""
    q = 0.5 * u_inf * u_inf
    vol = None if volume is None else np.asarray(volume, dtype=np.float64) * np.array(
        [u_inf, u_inf, q, nu])
    surf = None if surface is None else np.asarray(surface, dtype=np.float64) * q
    return vol, surf


def default_query_points(outline: np.ndarray, n_near: int = 20000, n_far: int = 5000,
                         seed: int = 0) -> np.ndarray:
    """Query points around an airfoil when none are given: dense near the wall, sparse far.

    Returns
    -------
    ndarray of shape [n_near + n_far, 2]
        Points outside the airfoil: ``n_near`` in a box [-0.5, 1.5] x [-0.6, 0.6] chords
        with density growing towards the wall, and ``n_far`` up to 10 chords away.
    """
    pts, seg = closed_polygon(outline)
    index = DistanceIndex(pts, seg)
    rng = np.random.default_rng(seed)
    out = []
    need = n_near
    while need > 0:
        cand = np.stack([rng.uniform(-0.5, 1.5, 4 * need), rng.uniform(-0.6, 0.6, 4 * need)], 1)
        d = np.asarray(index.signed_distance(cand))
        # keep with probability decaying away from the wall: more points where fields vary
        keep = (d > 0) & (rng.uniform(size=len(d)) < np.exp(-d / 0.15) + 0.05)
        out.append(cand[keep][:need])
        need -= len(out[-1])
    r = 10.0 ** rng.uniform(np.log10(0.6), 1.0, n_far)
    th = rng.uniform(0, 2 * np.pi, n_far)
    out.append(np.stack([0.5 + r * np.cos(th), r * np.sin(th)], 1))
    return np.concatenate(out)
