"""A JSON-ready summary of a mesh, for ``geonop info`` and logs.

Surfaces get edge-count checks: every edge of a closed (watertight) surface is shared by
exactly two faces, and an edge-manifold surface has no edge shared by more than two. Curves
(``line`` cells) are closed when every point used has exactly two segments.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geonop.io.mesh import Mesh


def _edges_2d(mesh: Mesh) -> np.ndarray:
    """Undirected edges (sorted pairs, with repeats) of all 2D cells, int64 [E, 2]."""
    parts = []
    for t, block in mesh.cells.items():
        if t in ("triangle", "quad"):
            k = block.shape[1]
            parts += [block[:, [i, (i + 1) % k]] for i in range(k)]
        elif t == "polygon":
            for p in block:
                parts.append(np.stack([p, np.roll(p, -1)], axis=1))
    if not parts:
        return np.zeros((0, 2), dtype=np.int64)
    return np.sort(np.concatenate(parts), axis=1)


def surface_checks(mesh: Mesh) -> dict[str, Any]:
    """Edge statistics of the 2D cells: counts, boundary and non-manifold edges.

    Returns
    -------
    dict
        ``edges`` (unique), ``boundary_edges`` (used once), ``non_manifold_edges`` (used more
        than twice), ``watertight`` and ``manifold`` flags.
    """
    edges = _edges_2d(mesh)
    if len(edges) == 0:
        return {"edges": 0, "boundary_edges": 0, "non_manifold_edges": 0,
                "watertight": False, "manifold": True}
    key = edges[:, 0] * (int(edges.max()) + 1) + edges[:, 1]
    _, counts = np.unique(key, return_counts=True)
    return {
        "edges": len(counts),
        "boundary_edges": int(np.sum(counts == 1)),
        "non_manifold_edges": int(np.sum(counts > 2)),
        "watertight": bool(np.all(counts == 2)),
        "manifold": bool(np.all(counts <= 2)),
    }


def curve_checks(mesh: Mesh) -> dict[str, Any]:
    """Whether the ``line`` cells form closed curves (every used point has degree 2)."""
    lines = mesh.cells.get("line")
    if lines is None or len(lines) == 0:
        return {"segments": 0, "closed": False}
    degree = np.bincount(lines.ravel(), minlength=mesh.num_points)
    used = degree[degree > 0]
    return {"segments": len(lines), "closed": bool(np.all(used == 2)),
            "open_ends": int(np.sum(used == 1))}


def _fields(data: dict[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    return {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in data.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def describe(mesh: Mesh) -> dict[str, Any]:
    """Summarise ``mesh`` as a JSON-serialisable dict.

    Keys: ``num_points``, ``dim``, ``topological_dim``, ``num_cells``, ``cell_counts``,
    ``bounds`` (``min``/``max`` lists), ``point_data``/``cell_data`` (name -> shape and
    dtype), ``boundaries`` (name -> cell counts and fields), ``surface`` (for meshes with 2D
    cells, see :func:`surface_checks`), ``curve`` (for meshes with lines) and ``meta``.
    """
    out: dict[str, Any] = {
        "num_points": mesh.num_points,
        "dim": mesh.dim,
        "topological_dim": mesh.topological_dim,
        "num_cells": mesh.num_cells,
        "cell_counts": mesh.cell_counts(),
    }
    if mesh.num_points and np.all(np.isfinite(mesh.points)):
        lo, hi = mesh.bounds
        out["bounds"] = {"min": lo.tolist(), "max": hi.tolist()}
    out["point_data"] = _fields(mesh.point_data)
    out["cell_data"] = _fields(mesh.cell_data)
    out["boundaries"] = {name: {"cell_counts": b.cell_counts(), "cell_data": _fields(b.cell_data)}
                         for name, b in mesh.boundaries.items()}
    if any(t in mesh.cells for t in ("triangle", "quad", "polygon")):
        out["surface"] = surface_checks(mesh)
    if "line" in mesh.cells:
        out["curve"] = curve_checks(mesh)
    out["meta"] = _plain({k: v for k, v in mesh.meta.items() if k != "field_data"})
    return out


__all__ = ["curve_checks", "describe", "surface_checks"]
