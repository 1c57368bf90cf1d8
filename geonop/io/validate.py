"""Mesh validation: vectorised checks that turn an unusable mesh into one clear error.

A mesh is unusable when it has no points, coordinates that are not 2D or 3D, NaN/Inf
coordinates, cell or boundary indices outside the point range, field arrays of the wrong
length, degenerate cells (repeated nodes; zero length, area or volume) or duplicate points.
The last two are repaired by :meth:`geonop.io.Mesh.clean` (``read(..., clean=True)``), and
the message says so.

Degeneracy is relative, so it does not depend on units: a triangle is degenerate when its
area is at most ``1e-12`` times its longest edge squared (a height below about 2e-12 of its
length), a tetrahedron when its volume is at most ``1e-12`` times its longest edge cubed, a
line when its length is at most ``1e-12`` times the bounding-box diagonal. Valid
boundary-layer cells have aspect ratios far below 1e12.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geonop.errors import InvalidMeshError
from geonop.io._celltypes import SIMPLE_TYPES

if TYPE_CHECKING:
    from geonop.io.mesh import Mesh

#: relative size below which a cell counts as degenerate (see module docstring)
DEGENERATE_RTOL = 1e-12
_SHOW = 5  # offending indices quoted in a message
_CLEAN_HINT = "read(..., clean=True) or Mesh.clean() repairs this"


def _first(indices: np.ndarray) -> str:
    shown = ", ".join(str(int(i)) for i in indices[:_SHOW])
    return f"[{shown}{', ...' if len(indices) > _SHOW else ''}]"


def _as3(points: np.ndarray) -> np.ndarray:
    if points.shape[1] == 3:
        return points
    return np.concatenate([points, np.zeros((len(points), 3 - points.shape[1]))], axis=1)


def _sq(v: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", v, v)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # column-wise cross product: several times faster than np.cross on [n, 3] arrays
    out = np.empty_like(a)
    out[:, 0] = a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1]
    out[:, 1] = a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2]
    out[:, 2] = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return out


def _longest_edge_sq(corners: list[np.ndarray]) -> np.ndarray:
    longest = np.zeros(len(corners[0]))
    for i in range(len(corners)):
        for j in range(i + 1, len(corners)):
            np.maximum(longest, _sq(corners[j] - corners[i]), out=longest)
    return longest


def cell_measures(cell_type: str, cells: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Length (line), area (triangle, quad) or unsigned volume (tetra) of each cell.

    Parameters
    ----------
    cell_type : str
        One of ``"line"``, ``"triangle"``, ``"quad"``, ``"tetra"``.
    cells : np.ndarray
        int64 array of shape [n, k] with indices in range.
    points : np.ndarray
        float64 array of shape [N, d], d in {2, 3}.

    Returns
    -------
    np.ndarray
        float64 array of shape [n]. A quad's area is the norm of its vector area (exact for
        planar quads).
    """
    p = _as3(points)
    c = [p[cells[:, i]] for i in range(cells.shape[1])]
    if cell_type == "line":
        return np.sqrt(_sq(c[1] - c[0]))
    if cell_type == "triangle":
        return 0.5 * np.sqrt(_sq(_cross(c[1] - c[0], c[2] - c[0])))
    if cell_type == "quad":
        return 0.5 * np.sqrt(_sq(_cross(c[2] - c[0], c[3] - c[1])))
    if cell_type == "tetra":
        return np.abs(np.einsum("ij,ij->i", _cross(c[1] - c[0], c[2] - c[0]), c[3] - c[0])) / 6.0
    raise ValueError(f"no measure for cell type {cell_type!r}")


def degenerate_cells(cell_type: str, cells: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Boolean mask [n] of degenerate cells: repeated nodes or (near-)zero measure.

    Only lines, triangles, quads and tetrahedra are judged (other types return all False):
    collapsed hexahedra are a legitimate way some codes store prisms.
    """
    cells = np.asarray(cells)
    if cell_type not in SIMPLE_TYPES or len(cells) == 0:
        return np.zeros(len(cells), dtype=bool)
    k = cells.shape[1]
    bad = np.zeros(len(cells), dtype=bool)
    for i in range(k):
        for j in range(i + 1, k):
            bad |= cells[:, i] == cells[:, j]
    measure = cell_measures(cell_type, cells, points)
    if cell_type == "line":
        lo, hi = points.min(axis=0), points.max(axis=0)
        bad |= measure <= DEGENERATE_RTOL * float(np.linalg.norm(hi - lo))
    else:
        p = _as3(points)
        longest = _longest_edge_sq([p[cells[:, i]] for i in range(k)])
        power = 1.5 if cell_type == "tetra" else 1.0  # longest is squared
        bad |= measure <= DEGENERATE_RTOL * longest ** power
    return bad


def _lexsort_map(points: np.ndarray) -> np.ndarray:
    n = len(points)
    order = np.lexsort(points.T[::-1])  # stable: equal rows keep their original order
    sp = points[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = np.any(sp[1:] != sp[:-1], axis=1)
    run = np.cumsum(starts) - 1
    rep = np.empty(n, dtype=np.int64)
    rep[order] = order[np.flatnonzero(starts)[run]]
    return rep


def duplicate_point_map(points: np.ndarray, tol: float = 0.0) -> np.ndarray:
    """Index of the representative (first occurrence) of each point, int64 array [N].

    ``map[i] == i`` for points that duplicate no earlier point. With ``tol == 0`` only
    equal coordinates match: rows are hashed, and only rows whose hash repeats are sorted
    lexicographically (O(N log N), fast when duplicates are few). With ``tol > 0`` points
    closer than ``tol`` are chained into groups with a KD-tree.
    """
    n = len(points)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if tol > 0:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components
        from scipy.spatial import cKDTree

        pairs = cKDTree(points).query_pairs(tol, output_type="ndarray")
        graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
        _, label = connected_components(graph, directed=False)
        first = np.full(label.max() + 1, n, dtype=np.int64)
        np.minimum.at(first, label, np.arange(n))
        return first[label]
    p = np.ascontiguousarray(points, dtype=np.float64) + 0.0  # -0.0 -> +0.0, same bits as 0.0
    bits = p.view(np.uint64).reshape(n, -1)
    h = bits[:, 0] * np.uint64(0x9E3779B97F4A7C15)
    for j in range(1, bits.shape[1]):  # boost-style hash_combine, uint64 wrap-around intended
        h ^= bits[:, j] + np.uint64(0x9E3779B97F4A7C15) + (h << np.uint64(6)) + (h >> np.uint64(2))
    order = np.argsort(h, kind="stable")
    hs = h[order]
    same = hs[1:] == hs[:-1]
    rep = np.arange(n, dtype=np.int64)
    if not same.any():
        return rep
    in_run = np.zeros(n, dtype=bool)
    in_run[1:] |= same
    in_run[:-1] |= same
    cand = np.sort(order[in_run])  # rows sharing a hash: true duplicates or rare collisions
    rep[cand] = cand[_lexsort_map(p[cand])]
    return rep


def _index_problems(label: str, cells: dict, n: int) -> list[str]:
    out = []
    for cell_type, block in cells.items():
        if cell_type in ("polygon", "polyhedron"):
            seqs = block if cell_type == "polygon" else [
                np.concatenate(c) if len(c) else np.zeros(0, np.int64) for c in block]
            if not len(seqs):
                continue
            flat = np.concatenate(seqs)
            owner = np.repeat(np.arange(len(seqs)), [len(s) for s in seqs])
            mask = (flat < 0) | (flat >= n)
            bad = np.unique(owner[mask])
            example = int(flat[mask][0]) if len(bad) else None
        else:
            if block.size == 0:
                continue
            mask = (block < 0) | (block >= n)
            bad = np.flatnonzero(mask.any(axis=1))
            example = int(block[mask][0]) if len(bad) else None
        if len(bad):
            out.append(
                f"{len(bad)} {label}{cell_type} cells reference points outside [0, {n}) "
                f"(rows {_first(bad)}, e.g. index {example})"
            )
    return out


def index_problems(mesh: Mesh) -> list[str]:
    """Messages for cell and boundary indices outside ``[0, num_points)``."""
    n = mesh.num_points
    out = _index_problems("", mesh.cells, n)
    for name, group in mesh.boundaries.items():
        out += _index_problems(f"boundary '{name}' ", group.cells, n)
    return out


def mesh_problems(mesh: Mesh) -> list[tuple[str, bool]]:
    """Every problem found in ``mesh`` as (message, repairable by clean) pairs."""
    pts = mesh.points
    n, d = pts.shape
    if n == 0:
        return [("empty mesh: no points", False)]
    if d not in (2, 3):
        return [(f"points have {d} coordinate columns; expected 2 or 3", False)]
    problems: list[tuple[str, bool]] = []
    finite = np.isfinite(pts).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        problems.append((f"{len(bad)} points with NaN/Inf coordinates (points {_first(bad)})",
                         False))
    index_msgs = index_problems(mesh)
    problems += [(m, False) for m in index_msgs]
    for name, values in mesh.point_data.items():
        if values.ndim == 0 or values.shape[0] != n:
            problems.append((f"point_data '{name}' has shape {values.shape}, expected [{n}, ...]",
                             False))
    nc = mesh.num_cells
    for name, values in mesh.cell_data.items():
        if values.ndim == 0 or values.shape[0] != nc:
            problems.append((f"cell_data '{name}' has shape {values.shape}, expected [{nc}, ...]",
                             False))
    for bname, group in mesh.boundaries.items():
        for name, values in group.cell_data.items():
            if values.ndim == 0 or values.shape[0] != group.num_cells:
                problems.append((f"boundary '{bname}' cell_data '{name}' has shape "
                                 + f"{values.shape}, expected [{group.num_cells}, ...]", False))
    if not finite.all() or index_msgs:
        return problems  # measures are meaningless with bad coordinates or indices
    for cell_type, block in mesh.cells.items():
        if cell_type in SIMPLE_TYPES:
            bad = np.flatnonzero(degenerate_cells(cell_type, block, pts))
            if len(bad):
                what = "zero-length" if cell_type == "line" else (
                    "zero-volume" if cell_type == "tetra" else "zero-area")
                problems.append((f"{len(bad)} degenerate ({what} or repeated-node) {cell_type} "
                                 + f"cells (rows {_first(bad)})", True))
    rep = duplicate_point_map(pts)
    dup = np.flatnonzero(rep != np.arange(n))
    if len(dup):
        pairs = ", ".join(f"{int(i)}={int(rep[i])}" for i in dup[:_SHOW])
        problems.append((f"{len(dup)} duplicate points (point=earlier duplicate: {pairs}"
                         + f"{', ...' if len(dup) > _SHOW else ''})", True))
    return problems


def validate_mesh(mesh: Mesh, source: str | None = None) -> None:
    """Raise :class:`~geonop.errors.InvalidMeshError` listing every problem of ``mesh``.

    Parameters
    ----------
    mesh : Mesh
        The mesh to check.
    source : str, optional
        Leads the message (a file path); defaults to ``mesh.meta["source"]``.
    """
    problems = mesh_problems(mesh)
    if not problems:
        return
    where = source if source is not None else mesh.meta.get("source", "mesh")
    text = "; ".join(m for m, _ in problems)
    if any(r for _, r in problems):
        text += f" ({_CLEAN_HINT})"
    raise InvalidMeshError(f"{where}: invalid mesh: {text}")


__all__ = [
    "DEGENERATE_RTOL",
    "cell_measures",
    "degenerate_cells",
    "duplicate_point_map",
    "index_problems",
    "mesh_problems",
    "validate_mesh",
]
