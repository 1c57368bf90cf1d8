"""Mesh repair: merge duplicate points, drop degenerate cells.

Repairs what :mod:`geonop.io.validate` reports as repairable. Point order is kept (the first
occurrence of a duplicated point survives and later ones are removed), so a clean mesh's
indices stay close to the file's. Point data of merged points is taken from the surviving
point; cell data and boundary data rows of dropped cells are dropped with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geonop.errors import InvalidMeshError
from geonop.io._celltypes import SIMPLE_TYPES
from geonop.io.validate import degenerate_cells, duplicate_point_map, index_problems

if TYPE_CHECKING:
    from geonop.io.mesh import Boundary, Mesh


def _remap_block(cell_type: str, block, remap: np.ndarray, points: np.ndarray):
    """Remapped block and a keep mask over its cells."""
    if cell_type == "polygon":
        out, keep = [], np.ones(len(block), dtype=bool)
        for i, poly in enumerate(block):
            p = remap[poly]
            p = p[np.r_[True, p[1:] != p[:-1]]]  # collapse consecutive repeats
            if len(p) > 1 and p[0] == p[-1]:
                p = p[:-1]
            keep[i] = len(np.unique(p)) >= 3
            out.append(p)
        return [p for p, k in zip(out, keep) if k], keep
    if cell_type == "polyhedron":
        return [[remap[f] for f in cell] for cell in block], np.ones(len(block), dtype=bool)
    new = remap[block] if block.size else block
    if cell_type in SIMPLE_TYPES:
        keep = ~degenerate_cells(cell_type, new, points)
        return new[keep], keep
    return new, np.ones(len(block), dtype=bool)


def _remap_cells(cells: dict, cell_data: dict, remap: np.ndarray, points: np.ndarray):
    new_cells, keeps = {}, []
    for cell_type, block in cells.items():
        new_cells[cell_type], keep = _remap_block(cell_type, block, remap, points)
        keeps.append(keep)
    keep_all = np.concatenate(keeps) if keeps else np.zeros(0, dtype=bool)
    new_data = {k: v[keep_all] for k, v in cell_data.items()}
    return new_cells, new_data, int((~keep_all).sum())


def clean_mesh(mesh: Mesh, tol: float = 0.0) -> Mesh:
    """Return a copy of ``mesh`` with duplicate points merged and degenerate cells dropped.

    Parameters
    ----------
    mesh : Mesh
        Mesh with finite coordinates and in-range indices.
    tol : float
        Merge distance; 0 merges bitwise-equal points only.

    Returns
    -------
    Mesh
        Cleaned copy; ``meta["cleaned"] = {"merged_points": m, "dropped_cells": c}``.
    """
    from geonop.io.mesh import Boundary, Mesh

    bad = index_problems(mesh)
    if bad:
        raise InvalidMeshError(f"{mesh._where()}: cannot clean: {'; '.join(bad)}")
    rep = duplicate_point_map(mesh.points, tol)
    survivors = rep == np.arange(mesh.num_points)
    # new index of every old point: the rank of its representative among the survivors
    rank = np.cumsum(survivors) - 1
    remap = rank[rep]
    points = mesh.points[survivors]
    point_data = {k: v[survivors] for k, v in mesh.point_data.items()}
    cells, cell_data, dropped = _remap_cells(mesh.cells, mesh.cell_data, remap, points)
    boundaries: dict[str, Boundary] = {}
    for name, group in mesh.boundaries.items():
        b_cells, b_data, b_dropped = _remap_cells(group.cells, group.cell_data, remap, points)
        boundaries[name] = Boundary(b_cells, b_data)
        dropped += b_dropped
    meta = dict(mesh.meta)
    meta["cleaned"] = {"merged_points": int((~survivors).sum()), "dropped_cells": dropped}
    return Mesh(points, cells, point_data, cell_data, boundaries, meta)


__all__ = ["clean_mesh"]
