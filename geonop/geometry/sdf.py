"""Exact (signed) distance from query points to a closed 2D curve or a 3D surface.

Sign convention: **negative inside, positive outside**, zero on the boundary.

Distances are exact: the closest point on every candidate triangle (all seven
Voronoi regions: interior, three edges, three vertices) or segment is computed in
float64, and the candidate set provably contains every nearest primitive, so
results equal a brute-force search over all primitives bit for bit.

How candidates are found: a bounding-volume hierarchy (median splits, at most 8
primitives per leaf, every node bounded by a slab-disk fitted to its patch, see
:mod:`geonop.geometry._bvh`) is traversed for a whole batch of queries at once. The
pruning threshold of a query starts at the distance to a point lying on the geometry
(each node keeps one) and shrinks as nearer ones and exact distances are found;
triangles in the surviving leaves are screened with a tight per-triangle lower bound
and only the rest get the exact closest point. Bounds are compared with a margin for
rounding, so no primitive that could be nearest is ever dropped. Queries are sorted
along a Morton curve and processed in chunks (on several threads, as many as
``torch.get_num_threads()`` up to 8), large frontiers depth-first, so memory stays
bounded. ``benchmarks/bench_geometry.py`` measures 100k queries against 20k
triangles (a few seconds on 2 cores).

Signs:

* 2D: even-odd crossing parity of a horizontal ray, so segment directions do not
  matter and several loops (holes, multi-element airfoils) work. The curve must be
  closed (every vertex used by an even number of segments).
* 3D: the angle-weighted pseudonormal (Baerentzen & Aanaes 2005) of the nearest
  feature (face, edge or vertex): ``sign(dot(q - closest, pseudonormal))``. The
  surface must be closed, manifold and consistently oriented (every edge shared by
  two faces traversing it in opposite directions, checked by edge counting after
  welding identical points). A surface oriented inwards (negative enclosed volume)
  is detected and handled. Zero-area faces contribute nothing to pseudonormals.

Unsigned distance and closest points work on any curve or surface (open,
non-manifold, 2D segments or 3D triangles/quads).

Arrays in, arrays out: results follow the type of ``query`` (numpy gives numpy, a
tensor gives tensors of its floating dtype on its device; indices ``int64``/``long``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import torch

from geonop.errors import InvalidArgumentError
from geonop.geometry import _arrays, _bvh, _closest
from geonop.geometry._arrays import ArrayLike
from geonop.geometry._parity import CurveParity
from geonop.geometry._topology import (
    check_closed_curve,
    check_closed_surface,
    signed_volume,
    triangle_edges,
)
from geonop.geometry.normals import _angle_weighted_sums, _triangle_area_vectors

_MAX_THREADS = 8
_QUERY_CHUNK = 1 << 11  # queries traversed together (small enough to stay in cache)
_PAIR_BUDGET = 1 << 18  # query-primitive pairs evaluated at once (bounds memory)
_LEAF_SIZE = 8
# Bounds are compared against (d * (1 + _REL_SLACK) + _ABS_SLACK * extent)^2, d the
# best distance so far: a margin far above the rounding of any bound or distance
# (a few ulps of the coordinates' magnitude) and far below any useful pruning gap.
_REL_SLACK = 1e-9
_ABS_SLACK = 1e-12


def _num_threads() -> int:
    """Threads for independent query chunks: torch's intra-op setting (which honours
    OMP_NUM_THREADS), at most ``_MAX_THREADS``."""
    return max(1, min(torch.get_num_threads(), _MAX_THREADS))


def _spatial_order(q: np.ndarray) -> np.ndarray:
    """Permutation sorting points along a Morton (Z-order) curve: chunks of nearby
    queries share tree nodes, which keeps the traversal's memory accesses local."""
    lo, hi = q.min(0), q.max(0)
    cell = np.clip(((q - lo) / np.maximum(hi - lo, 1e-300) * 1023).astype(np.int64), 0, 1023)
    code = np.zeros(len(q), dtype=np.int64)
    for bit in range(10):
        for axis in range(q.shape[1]):
            code |= ((cell[:, axis] >> bit) & 1) << (bit * q.shape[1] + axis)
    return np.argsort(code, kind="stable")


def _triangle_bounds(points: np.ndarray, tris: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """Per-triangle data [T, 8] for a cheap lower bound on the distance: centroid c,
    unit normal n, circumradius r about c, and slab half-thickness tau about the plane
    through c (rounding makes it tiny but not zero)."""
    p = points[tris]
    c = p.mean(axis=1)
    rel = p - c[:, None]
    r = np.sqrt((rel * rel).sum(-1)).max(axis=1)
    tau = np.abs((rel * normal[:, None]).sum(-1)).max(axis=1)
    return np.concatenate([c, normal, r[:, None], tau[:, None]], axis=1)


def _triangle_lower_bound2(q: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Squared lower bound [P] on the distance from ``q`` [P, 3] to triangles.

    A triangle lies in the slab |(p - c).n| <= tau and within distance r of c, so
    |q - p|^2 >= max(|h| - tau, 0)^2 + max(rho - r, 0)^2 where h = (q - c).n and rho is
    the length of the in-plane part of q - c. Far tighter than a bounding sphere for
    triangles beside the nearest one, so few need the exact computation.
    """
    v = q - bounds[:, 0:3]
    h = v[:, 0] * bounds[:, 3] + v[:, 1] * bounds[:, 4] + v[:, 2] * bounds[:, 5]
    v2 = v[:, 0] * v[:, 0] + v[:, 1] * v[:, 1] + v[:, 2] * v[:, 2]
    # in-plane length from |v|^2 - h^2, lowered by that difference's rounding bound
    rho = np.sqrt(np.maximum(v2 - h * h - _bvh._CANCEL * v2, 0.0))
    e_plane = np.maximum(np.abs(h) - bounds[:, 7], 0.0)
    e_disk = np.maximum(rho - bounds[:, 6], 0.0)
    return e_plane * e_plane + e_disk * e_disk


class DistanceIndex:
    """Reusable exact distance queries against a curve (2D) or a surface (3D).

    Building the index (a bounding-volume hierarchy) costs about as much as a few
    thousand queries; keep it when querying the same geometry repeatedly.

    Args:
        vertices: array of shape [V, 2] with ``cells`` segments [S, 2], or of shape
            [V, 3] with ``cells`` triangles [F, 3] or quads [F, 4]; or a mesh object
            (then omit ``cells``): 3D meshes use their triangle and quad cells, 2D
            ones their line cells. Planar 3D points (constant z, as Gmsh writes 2D
            meshes) with segments are a 2D curve, and then take [M, 2] queries or
            [M, 3] queries on that plane.
        cells: see ``vertices``; also a boundary group with a ``cells`` mapping
            (e.g. ``mesh.boundaries["airfoil"]``, with ``vertices=mesh.points``).

    Example:
        >>> index = DistanceIndex(vertices, faces)
        >>> sdf = index.signed_distance(query)      # [M], negative inside
    """

    def __init__(self, vertices: Any, cells: ArrayLike | None = None) -> None:
        geo = _arrays.geometry(vertices, cells)
        self._planar_z: float | None = None
        self._points = geo.points
        self.dim: int = geo.points.shape[1]
        if isinstance(geo, _arrays.Surface):
            self._prims = geo.tris
            self._feature = geo.tri_face
            self._table = _closest.triangle_table(geo.points, geo.tris)
            self._bounds = _triangle_bounds(geo.points, geo.tris, self._table[:, 12:15])
        else:
            self._planar_z = geo.planar_z
            self._prims = geo.segments
            self._feature = np.arange(len(geo.segments))
            self._a = geo.points[geo.segments[:, 0]]
            self._b = geo.points[geo.segments[:, 1]]
        corners = geo.points[self._prims]  # [P, k, d]
        self._bvh = _bvh.build(corners, _LEAF_SIZE)
        extent = float(np.abs(geo.points).max()) + float(np.ptp(geo.points, axis=0).max())
        self._abs_slack = _ABS_SLACK * extent
        self._sign: dict | None = None

    @property
    def num_primitives(self) -> int:
        """Number of triangles (quads count twice) or segments."""
        return len(self._prims)

    # ------------------------------------------------------------------ queries

    def _check_query(self, query: Any) -> np.ndarray:
        # a curve given as planar 3D points (z = z0) also takes 3D queries on that plane
        planar = self._planar_z is not None
        dims = (2, 3) if planar else (self.dim,)
        q = _arrays.as_points(
            query, "query", dims=dims, error=InvalidArgumentError, allow_empty=True
        )
        if q.shape[1] == 3 and planar:
            if not np.all(q[:, 2] == self._planar_z):
                raise InvalidArgumentError(
                    f"query: the curve lies in the plane z = {self._planar_z:g}; 3D queries "
                    "must lie in it too (or pass [M, 2] queries)"
                )
            q = np.ascontiguousarray(q[:, :2])
        return q

    def _widen(self, d2: np.ndarray) -> np.ndarray:
        """Squared pruning threshold for a best squared distance so far."""
        return (np.sqrt(d2) * (1 + _REL_SLACK) + self._abs_slack) ** 2

    def _pairs(self, q: np.ndarray, prim: np.ndarray) -> tuple[np.ndarray, ...]:
        if self.dim == 3:
            return _closest.closest_on_triangles(q, self._table[prim])
        return _closest.closest_on_segments(q, self._a[prim], self._b[prim])

    def _best_of(
        self, q: np.ndarray, prim: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Nearest of the candidate primitives ``prim`` [m, k] of each query [m, d]."""
        m, k = prim.shape
        d2, cp, reg = self._pairs(np.repeat(q, k, axis=0), prim.reshape(-1))
        d2 = d2.reshape(m, k)
        j = np.argmin(d2, axis=1)
        flat = np.arange(m) * k + j
        return d2[np.arange(m), j], prim[np.arange(m), j], cp[flat], reg[flat]

    def _nearest(self, q: np.ndarray) -> tuple[np.ndarray, ...]:
        """Squared distance, primitive, closest point and region of each query."""
        bvh = self._bvh
        m = len(q)
        best_d2 = np.full(m, np.inf)
        best_prim = np.zeros(m, dtype=np.int64)
        best_cp = np.zeros_like(q)
        best_reg = np.zeros(m, dtype=np.int8)
        thresh2 = np.full(m, np.inf)
        width = bvh.leaf_prims.shape[1]

        def visit(qi: np.ndarray, leaf: np.ndarray) -> None:
            rows = max(1, _PAIR_BUDGET // width)
            for s in range(0, len(qi), rows):
                pq = np.repeat(qi[s : s + rows], width)
                pp = bvh.leaf_prims[leaf[s : s + rows]].reshape(-1)
                if self.dim == 3:  # cheap bound first; exact closest points for the rest
                    keep = _triangle_lower_bound2(q[pq], self._bounds[pp]) <= thresh2[pq]
                    pq, pp = pq[keep], pp[keep]
                if len(pq) == 0:
                    continue
                d2, cp, reg = self._pairs(q[pq], pp)
                # nearest pair per query, then keep it where it improves
                order = np.lexsort((d2, pq))
                first = order[np.r_[True, pq[order][1:] != pq[order][:-1]]]
                ids = pq[first]
                better = d2[first] < best_d2[ids]
                ids, first = ids[better], first[better]
                best_d2[ids], best_prim[ids] = d2[first], pp[first]
                best_cp[ids], best_reg[ids] = cp[first], reg[first]
                thresh2[ids] = self._widen(best_d2[ids])

        _bvh.traverse(bvh, q, thresh2, visit, self._widen)
        return best_d2, best_prim, best_cp, best_reg

    def _nearest_brute(self, q: np.ndarray) -> tuple[np.ndarray, ...]:
        """Reference: nearest primitive by evaluating all of them (for tests)."""
        n = len(self._prims)
        out = []
        rows = max(1, _PAIR_BUDGET // n)
        for s in range(0, len(q), rows):
            qs = q[s : s + rows]
            prim = np.broadcast_to(np.arange(n), (len(qs), n))
            out.append(self._best_of(qs, prim))
        return tuple(np.concatenate(parts) for parts in zip(*out))

    def _run(self, query: Any, fn) -> list[np.ndarray]:
        q = self._check_query(query)
        order = _spatial_order(q) if len(q) > _QUERY_CHUNK else None
        if order is not None:
            q = q[order]
        chunks = [q[s : s + _QUERY_CHUNK] for s in range(0, len(q), _QUERY_CHUNK)] or [q]
        workers = min(_num_threads(), len(chunks))
        if workers > 1:
            # numpy releases the GIL inside its loops, so chunks overlap on threads
            with ThreadPoolExecutor(workers) as pool:
                parts = list(pool.map(fn, chunks))
        else:
            parts = [fn(c) for c in chunks]
        out = [np.concatenate(p) for p in zip(*parts)]
        if order is not None:
            inv = np.empty_like(order)
            inv[order] = np.arange(len(order))
            out = [o[inv] for o in out]
        return out

    def distance(self, query: ArrayLike) -> Any:
        """Unsigned distance [M] from ``query`` [M, d] to the curve or surface."""
        (d2,) = self._run(query, lambda q: (self._nearest(q)[0],))
        return _arrays.like(np.sqrt(d2), query)

    def closest_point(self, query: ArrayLike) -> tuple[Any, Any]:
        """Closest points [M, d] and the index [M] of the face (input face, so quads
        keep their index) or segment they lie on. Among equidistant primitives any
        one may be returned."""

        def fn(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            _, prim, cp, _ = self._nearest(q)
            return cp, self._feature[prim]

        cp, feat = self._run(query, fn)
        if self._planar_z is not None and np.shape(query)[-1] == 3:
            cp = np.concatenate([cp, np.full((len(cp), 1), self._planar_z)], axis=1)
        return _arrays.like(cp, query), _arrays.like(feat, query)

    def signed_distance(self, query: ArrayLike) -> Any:
        """Signed distance [M]: negative inside, positive outside.

        Raises:
            InvalidMeshError: the curve or surface is not closed (or, in 3D, not
                manifold and consistently oriented).
        """
        self._prepare_sign()

        def fn(q: np.ndarray) -> tuple[np.ndarray]:
            d2, prim, cp, reg = self._nearest(q)
            # "+ 0.0" turns the -0.0 of inside points lying on the boundary into 0.0
            return (self._sign_of(q, prim, cp, reg) * np.sqrt(d2) + 0.0,)

        (sd,) = self._run(query, fn)
        return _arrays.like(sd, query)

    # -------------------------------------------------------------------- signs

    def _prepare_sign(self) -> None:
        if self._sign is not None:
            return
        if self.dim == 2:
            check_closed_curve(self._points, self._prims)
            self._sign = {"parity": CurveParity(self._a, self._b)}
            return
        tris = check_closed_surface(self._points, self._prims)
        area_vec = _triangle_area_vectors(self._points, tris)
        unit = _arrays.unit_rows(area_vec)
        edge_id, n_edges = triangle_edges(tris)
        edge_pn = np.zeros((n_edges, 3))
        for j in range(3):
            np.add.at(edge_pn, edge_id[:, j], unit)
        vertex_pn = _angle_weighted_sums(self._points, tris)
        orientation = -1.0 if signed_volume(self._points, tris) < 0 else 1.0
        self._sign = {
            "tris": tris,
            "face_n": self._table[:, 12:15],
            "edge_id": edge_id,
            "edge_pn": edge_pn,
            "vertex_pn": vertex_pn,
            "orientation": orientation,
        }

    def _sign_of(
        self, q: np.ndarray, prim: np.ndarray, cp: np.ndarray, reg: np.ndarray
    ) -> np.ndarray:
        s = self._sign
        assert s is not None
        if self.dim == 2:
            return np.where(s["parity"].inside(q), -1.0, 1.0)
        pn = s["face_n"][prim].copy()
        on_edge = (reg >= 1) & (reg <= 3)
        pn[on_edge] = s["edge_pn"][s["edge_id"][prim[on_edge], reg[on_edge] - 1]]
        on_vert = reg >= 4
        pn[on_vert] = s["vertex_pn"][s["tris"][prim[on_vert], reg[on_vert] - 4]]
        dot = ((q - cp) * pn).sum(1) * s["orientation"]
        return np.where(dot < 0, -1.0, 1.0)


def signed_distance(query: ArrayLike, vertices: Any, cells: ArrayLike | None = None) -> Any:
    """Exact signed distance from points to a closed curve (2D) or surface (3D).

    Negative inside, positive outside. See the module docstring for the method; use
    :class:`DistanceIndex` to query the same geometry repeatedly.

    Args:
        query: array of shape [M, d] (d = 2 or 3, as the geometry).
        vertices: array of shape [V, d], or a mesh object (then omit ``cells``).
        cells: segments [S, 2] (2D) or triangles [F, 3] / quads [F, 4] (3D), or a
            boundary group with a ``cells`` mapping. See :class:`DistanceIndex` for
            planar 3D points and mesh objects.

    Returns:
        Array of shape [M], of the type of ``query``.

    Raises:
        InvalidMeshError: the geometry is not closed (3D: or not manifold and
            consistently oriented), has non-finite vertices or bad indices.
        InvalidArgumentError: ``query`` has the wrong shape or non-finite values.
    """
    return DistanceIndex(vertices, cells).signed_distance(query)


def distance(query: ArrayLike, vertices: Any, cells: ArrayLike | None = None) -> Any:
    """Exact unsigned distance [M] from ``query`` [M, d] to any curve or surface
    (open or closed). Arguments as for :func:`signed_distance`."""
    return DistanceIndex(vertices, cells).distance(query)


def closest_point(
    query: ArrayLike, vertices: Any, cells: ArrayLike | None = None
) -> tuple[Any, Any]:
    """Closest points [M, d] on a curve or surface and the index [M] of the segment or
    face each lies on. Arguments as for :func:`signed_distance`."""
    return DistanceIndex(vertices, cells).closest_point(query)
