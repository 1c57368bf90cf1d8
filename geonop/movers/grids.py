"""Triangle meshes for mesh movers: structured grids and jittered Delaunay meshes of rectangles,
grids with a rectangular cut-out (L-shapes, holes), and the boundary sides their nodes lie on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import Delaunay

from geonop.errors import InvalidArgumentError

Bounds = tuple[float, float, float, float]


def _check_bounds(bounds: Bounds) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(b) for b in bounds)
    if not (x1 > x0 and y1 > y0) or not np.isfinite([x0, y0, x1, y1]).all():
        raise InvalidArgumentError(f"bounds must be (xmin, ymin, xmax, ymax) with xmax > xmin and "
                                   f"ymax > ymin, got {bounds}")
    return x0, y0, x1, y1


def structured_triangle_mesh(nx: int, ny: int | None = None,
                             bounds: Bounds = (0.0, 0.0, 1.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """A structured grid of ``nx x ny`` nodes, each quad split into two triangles along
    alternating diagonals (a "criss-cross-free" union-jack-like pattern that has no preferred
    direction on average).

    Parameters
    ----------
    nx, ny : int
        Nodes per side (>= 2); ``ny`` defaults to ``nx``.
    bounds : (xmin, ymin, xmax, ymax)

    Returns
    -------
    points : ndarray of shape [nx * ny, 2]
    triangles : ndarray of shape [2 (nx - 1) (ny - 1), 3], counter-clockwise
    """
    ny = nx if ny is None else ny
    if int(nx) < 2 or int(ny) < 2:
        raise InvalidArgumentError(f"structured_triangle_mesh needs nx, ny >= 2, got {nx}, {ny}")
    nx, ny = int(nx), int(ny)
    x0, y0, x1, y1 = _check_bounds(bounds)
    xs, ys = np.linspace(x0, x1, nx), np.linspace(y0, y1, ny)
    gx, gy = np.meshgrid(xs, ys, indexing="xy")
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    i, j = np.meshgrid(np.arange(nx - 1), np.arange(ny - 1), indexing="xy")
    i, j = i.ravel(), j.ravel()
    a, b = j * nx + i, j * nx + i + 1
    c, d = (j + 1) * nx + i + 1, (j + 1) * nx + i
    flip = (i + j) % 2 == 1
    t1 = np.where(flip[:, None], np.stack([a, b, d], 1), np.stack([a, b, c], 1))
    t2 = np.where(flip[:, None], np.stack([b, c, d], 1), np.stack([a, c, d], 1))
    return points, np.concatenate([t1, t2]).astype(np.int64)


def jittered_delaunay_mesh(nx: int, ny: int | None = None, jitter: float = 0.3,
                           bounds: Bounds = (0.0, 0.0, 1.0, 1.0),
                           seed: int | np.random.Generator = 0) -> tuple[np.ndarray, np.ndarray]:
    """An unstructured mesh: grid nodes moved randomly (interior nodes in both directions,
    boundary nodes along their side), then Delaunay-triangulated.

    Parameters
    ----------
    nx, ny : int
        Nodes per side of the underlying grid (>= 3).
    jitter : float
        Largest displacement as a fraction of the grid spacing, in [0, 0.45].
    bounds : (xmin, ymin, xmax, ymax)
    seed : int or numpy Generator

    Returns
    -------
    points : ndarray of shape [nx * ny, 2]
    triangles : ndarray of shape [F, 3], counter-clockwise
    """
    ny = nx if ny is None else ny
    if int(nx) < 3 or int(ny) < 3:
        raise InvalidArgumentError(f"jittered_delaunay_mesh needs nx, ny >= 3, got {nx}, {ny}")
    if not 0.0 <= jitter <= 0.45:
        raise InvalidArgumentError(f"jitter must lie in [0, 0.45], got {jitter}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    points, _ = structured_triangle_mesh(nx, ny, bounds)
    x0, y0, x1, y1 = _check_bounds(bounds)
    h = np.array([(x1 - x0) / (nx - 1), (y1 - y0) / (ny - 1)])
    shift = rng.uniform(-jitter, jitter, points.shape) * h
    sides = boundary_sides(points, bounds)
    shift[sides[0] | sides[1], 0] = 0.0  # nodes on x = const sides only slide in y
    shift[sides[2] | sides[3], 1] = 0.0
    points = points + shift
    tri = Delaunay(points).simplices.astype(np.int64)
    return points, orient_counterclockwise(points, tri)


def punched_mesh(nx: int, hole: Bounds = (0.5, 0.5, 1.0, 1.0), jitter: float = 0.0,
                 seed: int | np.random.Generator = 0) -> tuple[np.ndarray, np.ndarray]:
    """A mesh of the unit square without the cells whose centroid lies in the box ``hole``:
    an L-shape when the box touches a corner (the default), a square with a hole when it is
    inside.

    Parameters
    ----------
    nx : int
        Nodes per side of the full grid.
    hole : (x0, y0, x1, y1)
    jitter : float
        0: the structured grid; > 0: the jittered Delaunay mesh of
        :func:`jittered_delaunay_mesh`.
    seed : int or Generator
        For the jitter.

    Returns
    -------
    points : ndarray of shape [N, 2]
    triangles : ndarray of shape [F, 3]
        Counter-clockwise, no unused nodes.
    """
    x0, y0, x1, y1 = _check_bounds(hole)
    pts, tri = (jittered_delaunay_mesh(nx, jitter=jitter, seed=seed) if jitter > 0
                else structured_triangle_mesh(nx))
    c = pts[tri].mean(1)
    keep = ~((c[:, 0] > x0) & (c[:, 0] < x1) & (c[:, 1] > y0) & (c[:, 1] < y1))
    tri = tri[keep]
    used = np.unique(tri)
    if len(used) < 3:
        raise InvalidArgumentError(f"punched_mesh: the hole {hole} removes the whole mesh")
    index = np.full(len(pts), -1)
    index[used] = np.arange(len(used))
    return pts[used], index[tri]


def orient_counterclockwise(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """``triangles`` with each row reordered so that its signed area is positive."""
    p0, p1, p2 = (points[triangles[:, k]] for k in range(3))
    area2 = (p1[:, 0] - p0[:, 0]) * (p2[:, 1] - p0[:, 1]) - (p2[:, 0] - p0[:, 0]) * (p1[:, 1] - p0[:, 1])
    out = triangles.copy()
    neg = area2 < 0
    out[neg, 1], out[neg, 2] = triangles[neg, 2], triangles[neg, 1]
    return out


def boundary_sides(points: np.ndarray, bounds: Bounds | None = None,
                   tol: float = 1e-9) -> np.ndarray:
    """Which side of the rectangle each node lies on.

    Parameters
    ----------
    points : ndarray of shape [N, 2]
    bounds : (xmin, ymin, xmax, ymax), optional
        Default: the bounding box of ``points``.
    tol : float
        Distance tolerance relative to the rectangle size.

    Returns
    -------
    ndarray of bool, shape [4, N]
        Rows: on ``x = xmin``, ``x = xmax``, ``y = ymin``, ``y = ymax`` (corners are on two).
    """
    pts = np.asarray(points, dtype=np.float64)
    if bounds is None:
        bounds = (*pts.min(0), *pts.max(0))
    x0, y0, x1, y1 = _check_bounds(bounds)
    t = tol * max(x1 - x0, y1 - y0)
    return np.stack([np.abs(pts[:, 0] - x0) <= t, np.abs(pts[:, 0] - x1) <= t,
                     np.abs(pts[:, 1] - y0) <= t, np.abs(pts[:, 1] - y1) <= t])


@dataclass
class BoundarySegments:
    """How each node of a polygonal mesh may move along the boundary.

    Attributes
    ----------
    corner : ndarray of bool, shape [N]
        Boundary nodes where the boundary turns: they stay put.
    sliding : ndarray of bool, shape [N]
        Boundary nodes inside a straight side: they slide along it.
    tangent : ndarray of shape [N, 2]
        Unit direction of a sliding node's side (0 elsewhere).
    start : ndarray of shape [N, 2]
        The corner where a sliding node's side begins.
    length : ndarray of shape [N]
        Length of that side, so a node stays within ``start + [0, length] * tangent``.
    """

    corner: np.ndarray
    sliding: np.ndarray
    tangent: np.ndarray
    start: np.ndarray
    length: np.ndarray

    def restrict(self, displacement: np.ndarray) -> np.ndarray:
        """Displacements [N, 2] with the normal component removed on sides and corners
        fixed (the discrete Neumann condition of a potential's gradient)."""
        d = displacement.copy()
        d[self.corner] = 0.0
        s = self.sliding
        d[s] = (d[s] * self.tangent[s]).sum(1, keepdims=True) * self.tangent[s]
        return d

    def clamp(self, points: np.ndarray) -> np.ndarray:
        """Sliding nodes of ``points`` [N, 2] clamped to their side's ends: [N, 2]."""
        x = points.copy()
        s = self.sliding
        along = ((x[s] - self.start[s]) * self.tangent[s]).sum(1)
        x[s] = self.start[s] + np.clip(along, 0.0, self.length[s])[:, None] * self.tangent[s]
        return x


def boundary_segments(points: np.ndarray, triangles: np.ndarray,
                      angle_tol: float = 1e-6) -> BoundarySegments:
    """The straight sides of a mesh's boundary (any polygon, with holes): corners and sliding
    nodes.

    The boundary is made of the edges that belong to one triangle. A boundary node whose two
    boundary edges turn by more than ``angle_tol`` radians is a corner; the others slide along
    the straight side between two corners. A curved boundary (every node a corner) therefore
    stays fixed.

    Parameters
    ----------
    points : ndarray of shape [N, 2]
    triangles : ndarray of shape [F, 3]
        Counter-clockwise cells.
    angle_tol : float

    Returns
    -------
    BoundarySegments
    """
    pts = np.asarray(points, dtype=np.float64)
    tri = np.asarray(triangles, dtype=np.int64)
    n = len(pts)
    directed = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]])
    key = np.minimum(directed[:, 0], directed[:, 1]) * n + np.maximum(directed[:, 0], directed[:, 1])
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    boundary = directed[counts[inverse] == 1]  # oriented with the domain on the left
    nxt = np.full(n, -1)
    prev = np.full(n, -1)
    nxt[boundary[:, 0]] = boundary[:, 1]
    prev[boundary[:, 1]] = boundary[:, 0]
    on = nxt >= 0
    d_out = np.zeros((n, 2))
    d_in = np.zeros((n, 2))
    d_out[on] = pts[nxt[on]] - pts[on]
    d_in[on] = pts[on] - pts[prev[on]]
    d_out[on] /= np.linalg.norm(d_out[on], axis=1, keepdims=True)
    d_in[on] /= np.linalg.norm(d_in[on], axis=1, keepdims=True)
    turn = np.arctan2(d_in[:, 0] * d_out[:, 1] - d_in[:, 1] * d_out[:, 0], (d_in * d_out).sum(1))
    corner = on & (np.abs(turn) > angle_tol)
    sliding = on & ~corner
    tangent = np.where(sliding[:, None], d_out, 0.0)
    start = np.zeros((n, 2))
    length = np.zeros(n)
    # walk each side once, from the corner where it begins to the next corner
    for c in np.nonzero(corner)[0]:
        run, v = [], nxt[c]
        while sliding[v]:
            run.append(v)
            v = nxt[v]
        if run:
            start[run] = pts[c]
            length[run] = float(np.dot(pts[v] - pts[c], d_out[c]))
    # a closed loop without corners (cannot happen for straight sides) would be left fixed
    stray = sliding & (length == 0)
    corner, sliding = corner | stray, sliding & ~stray
    return BoundarySegments(corner=corner, sliding=sliding, tangent=tangent, start=start,
                            length=length)
