"""Conversion between :class:`~geonop.io.Mesh` and torch_geometric ``Data``.

Layout of the ``Data`` object (all index tensors batch correctly, since PyG offsets every
attribute whose name contains ``index`` or is ``face`` by the node count):

=========================  =======================================================
``pos``                    float tensor [N, d]
``face``                   long tensor [3, F]: triangles, then quads split along 0-2
``<type>_index``           long tensor [k, n] for every other fixed-size cell type
                           (``quad_index``, ``tetra_index``, ``line_index``, ...)
``x``                      float tensor [N, C]: requested point fields, stacked
``point_data``             dict name -> tensor [N, ...]
``cell_data``              dict name -> tensor [num_cells, ...]
``cell_types``             list of cell type names (the order of ``cell_data`` rows)
``boundary_names``         list of boundary group names
``boundary_<type>_index``  long tensor [k, m]: boundary cells of that type
``boundary_<type>_group``  long tensor [m]: position of each cell's group in
                           ``boundary_names``
=========================  =======================================================

Polygons and polyhedra are not stored (tensors need fixed sizes), nor is boundary cell data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from geonop.errors import InvalidArgumentError
from geonop.io._celltypes import NUM_NODES

if TYPE_CHECKING:
    import torch
    from torch_geometric.data import Data

    from geonop.io.mesh import Mesh


def _tensor(values: np.ndarray, float_dtype: torch.dtype):
    import torch

    arr = np.ascontiguousarray(values)
    if arr.dtype.kind == "f":
        return torch.from_numpy(arr).to(float_dtype)
    if arr.dtype.kind == "u" and arr.dtype.itemsize > 1:  # torch lacks most unsigned types
        arr = arr.astype(np.int64)
    return torch.from_numpy(arr)


def _numeric(fields: dict[str, np.ndarray], dtype: torch.dtype) -> dict:
    """Tensors of the numeric fields (string or object arrays have no tensor form)."""
    return {k: _tensor(v, dtype) for k, v in fields.items() if v.dtype.kind in "biuf"}


def _stack_fields(mesh: Mesh, names: Sequence[str], dtype: torch.dtype):
    import torch

    missing = [n for n in names if n not in mesh.point_data]
    if missing:
        raise InvalidArgumentError(
            f"x: point fields {missing} not found; available: {list(mesh.point_data)}"
        )
    cols = [mesh.point_data[n].reshape(mesh.num_points, -1).astype(np.float64) for n in names]
    if not cols:
        return torch.zeros((mesh.num_points, 0), dtype=dtype)
    return torch.from_numpy(np.concatenate(cols, axis=1)).to(dtype)


def to_data(
    mesh: Mesh,
    x: bool | Sequence[str] = False,
    dtype: torch.dtype | None = None,
) -> Data:
    """Convert a Mesh to ``torch_geometric.data.Data`` (layout in the module docstring).

    Parameters
    ----------
    mesh : Mesh
        Source mesh.
    x : bool or sequence of str
        Point fields to stack into ``data.x`` of shape [N, C] (vector fields contribute their
        columns); ``True`` stacks every numeric point field, ``False`` sets no ``x``.
    dtype : torch.dtype, optional
        Floating dtype of ``pos``, ``x`` and float fields; default ``torch.float32``.

    Returns
    -------
    torch_geometric.data.Data
    """
    import torch
    from torch_geometric.data import Data

    dtype = torch.float32 if dtype is None else dtype
    data = Data(pos=torch.from_numpy(np.ascontiguousarray(mesh.points)).to(dtype))
    tris = [mesh.cells["triangle"]] if "triangle" in mesh.cells else []
    if "quad" in mesh.cells:
        q = mesh.cells["quad"]
        tris += [q[:, [0, 1, 2]], q[:, [0, 2, 3]]]
    if tris:
        data.face = torch.from_numpy(np.concatenate(tris).T.copy()).long()
    for t, block in mesh.cells.items():
        if t in NUM_NODES and t != "triangle":
            data[f"{t}_index"] = torch.from_numpy(np.ascontiguousarray(block.T)).long()
    data.cell_types = [t for t in mesh.cells if t in NUM_NODES]
    if x is not False:
        names = [k for k, v in mesh.point_data.items() if v.dtype.kind in "biuf"] if x is True \
            else list(x)
        data.x = _stack_fields(mesh, names, dtype)
    offsets = mesh.cell_offsets()
    keep_rows = np.concatenate([np.arange(*offsets[t]) for t in data.cell_types]) \
        if data.cell_types else np.zeros(0, dtype=np.int64)
    data.point_data = _numeric(mesh.point_data, dtype)
    data.cell_data = _numeric({k: v[keep_rows] for k, v in mesh.cell_data.items()}, dtype)
    if mesh.boundaries:
        data.boundary_names = list(mesh.boundaries)
        per_type: dict[str, tuple[list, list]] = {}
        for gid, group in enumerate(mesh.boundaries.values()):
            for t, block in group.cells.items():
                if t in NUM_NODES:
                    cells, groups = per_type.setdefault(t, ([], []))
                    cells.append(block)
                    groups.append(np.full(len(block), gid, dtype=np.int64))
        for t, (cells, groups) in per_type.items():
            data[f"boundary_{t}_index"] = torch.from_numpy(np.concatenate(cells).T.copy()).long()
            data[f"boundary_{t}_group"] = torch.from_numpy(np.concatenate(groups))
    return data


def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def from_data(data: Data) -> Mesh:
    """Build a Mesh from a ``Data`` object made by :func:`to_data` or by hand.

    Uses ``pos`` (required), ``face`` and ``<type>_index`` tensors for cells,
    ``point_data``/``cell_data`` dicts, and the boundary tensors. A ``Data`` without a
    ``point_data`` dict gets its node-level tensors (``x``, ``y``, ... with N rows) as point
    data instead.
    """
    from geonop.io.mesh import Boundary, Mesh

    if getattr(data, "pos", None) is None:
        raise InvalidArgumentError("data: Data has no 'pos' attribute (node coordinates)")
    points = _numpy(data.pos).astype(np.float64)
    n = len(points)
    store = dict(data.items()) if hasattr(data, "items") else dict(data)
    found: dict[str, np.ndarray] = {}
    n_quads = 0
    for key, value in store.items():
        if key.endswith("_index") and not key.startswith("boundary_"):
            t = key[: -len("_index")]
            if t in NUM_NODES:
                found[t] = _numpy(value).T.astype(np.int64)
                n_quads = len(found[t]) if t == "quad" else n_quads
    if store.get("face") is not None:
        face = _numpy(store["face"]).T.astype(np.int64)
        found["triangle"] = face[: len(face) - 2 * n_quads]
    order = list(store.get("cell_types") or [])
    order = [t for t in order if t in found] + [t for t in found if t not in order]
    cells = {t: found[t] for t in order}
    if "point_data" in store:
        point_data = {k: _numpy(v) for k, v in store["point_data"].items()}
    else:
        skip = {"pos", "face", "edge_index", "edge_attr", "batch", "ptr"}
        point_data = {k: _numpy(v) for k, v in store.items()
                      if k not in skip and "index" not in k and hasattr(v, "shape")
                      and len(v.shape) >= 1 and v.shape[0] == n}
    cell_data = {k: _numpy(v) for k, v in (store.get("cell_data") or {}).items()}
    boundaries = {}
    for gid, name in enumerate(store.get("boundary_names") or []):
        group_cells = {}
        for key, value in store.items():
            if key.startswith("boundary_") and key.endswith("_index"):
                t = key[len("boundary_"): -len("_index")]
                sel = _numpy(store[f"boundary_{t}_group"]) == gid
                group_cells[t] = _numpy(value).T[sel].astype(np.int64)
        boundaries[str(name)] = Boundary(group_cells)
    return Mesh(points, cells, point_data, cell_data, boundaries)


__all__ = ["from_data", "to_data"]
