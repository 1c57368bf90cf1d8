"""Graph edges and boundary flags from mesh connectivity.

:func:`mesh_edges` turns cells of any type into the undirected edge set of the mesh (both
directions, as a PyG ``edge_index``); :func:`boundary_nodes` flags the nodes on the mesh
boundary, either topologically (facets used by exactly one cell) or from named boundary
groups; :func:`boundary_facets` returns the boundary facets themselves.

Node orderings inside cells follow VTK and meshio (``hexahedron``: bottom face 0-1-2-3, top
face 4-5-6-7 with 4 above 0; ``wedge``: triangles 0-1-2 and 3-4-5; ``pyramid``: base
0-1-2-3, apex 4).

Input is duck-typed: a mesh object with a ``cells`` mapping (geonop's ``Mesh``), a meshio
mesh (``cells`` is a list of blocks with ``.type`` and ``.data``), or the cells mapping
itself, ``{"triangle": int array [n, 3], "polygon": [array, ...], "polyhedron": [[face,
...], ...], ...}``. Everything is vectorised with numpy: one sort of integer keys per facet
size, so a million cells take about a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor

from geonop.errors import InvalidArgumentError, InvalidMeshError

# fmt: off
#: local edges of each fixed-size cell type (VTK/meshio node order)
CELL_EDGES: dict[str, tuple[tuple[int, int], ...]] = {
    "line": ((0, 1),),
    "triangle": ((0, 1), (1, 2), (2, 0)),
    "quad": ((0, 1), (1, 2), (2, 3), (3, 0)),
    "tetra": ((0, 1), (1, 2), (2, 0), (0, 3), (1, 3), (2, 3)),
    "hexahedron": (
        (0, 1), (1, 2), (2, 3), (3, 0),
        (4, 5), (5, 6), (6, 7), (7, 4),
        (0, 4), (1, 5), (2, 6), (3, 7),
    ),
    "wedge": ((0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (0, 3), (1, 4), (2, 5)),
    "pyramid": ((0, 1), (1, 2), (2, 3), (3, 0), (0, 4), (1, 4), (2, 4), (3, 4)),
}

#: local faces of each 3D cell type, VTK's tables (outward for positively oriented cells)
CELL_FACES: dict[str, tuple[tuple[int, ...], ...]] = {
    "tetra": ((0, 1, 3), (1, 2, 3), (2, 0, 3), (0, 2, 1)),
    "hexahedron": (
        (0, 4, 7, 3), (1, 2, 6, 5), (0, 1, 5, 4), (3, 7, 6, 2), (0, 3, 2, 1), (4, 5, 6, 7),
    ),
    "wedge": ((0, 1, 2), (3, 5, 4), (0, 3, 4, 1), (1, 4, 5, 2), (2, 5, 3, 0)),
    "pyramid": ((0, 3, 2, 1), (0, 1, 4), (1, 2, 4), (2, 3, 4), (3, 0, 4)),
}

_NODES_PER_CELL = {"vertex": 1, "line": 2, "triangle": 3, "quad": 4, "tetra": 4,
                   "hexahedron": 8, "wedge": 6, "pyramid": 5}
#: quadratic types -> their linear type; VTK numbers the mid-edge nodes after the corners,
#: in the order of the linear type's CELL_EDGES (quad9 adds a centre node, 8)
_QUADRATIC = {"line3": "line", "triangle6": "triangle", "quad8": "quad", "quad9": "quad",
              "tetra10": "tetra", "hexahedron20": "hexahedron", "wedge15": "wedge",
              "pyramid13": "pyramid"}
_NODES_PER_CELL.update({"line3": 3, "triangle6": 6, "quad8": 8, "quad9": 9, "tetra10": 10,
                        "hexahedron20": 20, "wedge15": 15, "pyramid13": 13})
_CELL_DIM = {"vertex": 0, "line": 1, "triangle": 2, "quad": 2, "polygon": 2, "tetra": 3,
             "hexahedron": 3, "wedge": 3, "pyramid": 3, "polyhedron": 3}
_CELL_DIM.update({q: _CELL_DIM[lin] for q, lin in _QUADRATIC.items()})
_FACET_NAME = {1: "vertex", 2: "line", 3: "triangle", 4: "quad"}
# fmt: on


def _edge_table(kind: str) -> np.ndarray:
    """Local node pairs of the edges of a fixed-size cell type, shape [m, 2]."""
    if kind in CELL_EDGES:
        return np.asarray(CELL_EDGES[kind])
    linear = _QUADRATIC[kind]
    first_mid = _NODES_PER_CELL[linear]
    pairs = []
    for e, (a, b) in enumerate(CELL_EDGES[linear]):  # a - mid - b
        pairs += [(a, first_mid + e), (first_mid + e, b)]
    if kind == "quad9":  # the centre joins the four mid-edge nodes (tensor-grid lines)
        pairs += [(4, 8), (8, 6), (5, 8), (8, 7)]
    return np.asarray(pairs)


CellsLike = Any  # a Mesh, a meshio.Mesh or a mapping cell type -> connectivity


def mesh_edges(mesh_or_cells: CellsLike, num_nodes: int | None = None) -> Tensor:
    """Undirected edges of a mesh, as a PyG ``edge_index`` holding both directions.

    An edge joins two nodes that are consecutive on a line, on a polygon's perimeter, or
    along an edge of a 3D cell: quads and polygons give their perimeter only (no diagonals),
    a hexahedron its 12 edges, a wedge 9, a pyramid 8, a tetrahedron 6, and a polyhedron the
    perimeters of its faces. ``vertex`` cells add no edges. Quadratic cells (``line3``,
    ``triangle6``, ``quad8``, ``quad9``, ``tetra10``, ``hexahedron20``, ``wedge15``,
    ``pyramid13``) split each edge in two at its mid-edge node (``quad9`` also joins its
    centre node to the four mid-edge nodes).

    Parameters
    ----------
    mesh_or_cells : Mesh, meshio.Mesh or mapping
        A mesh with a ``cells`` attribute, or the mapping ``cell type -> connectivity``.
    num_nodes : int, optional
        Number of mesh nodes ``N``. Default: ``len(mesh.points)`` if the mesh has points,
        else the largest node index + 1.

    Returns
    -------
    LongTensor of shape [2, E]
        ``edge_index[0]`` = source, ``edge_index[1]`` = target. Every undirected edge
        appears once in each direction, there are no self-loops (collapsed cells are
        tolerated), and columns are sorted by target, then source.

    Raises
    ------
    InvalidMeshError
        Unknown cell type, wrong number of nodes per cell, or a node index outside
        ``[0, num_nodes)``.
    InvalidArgumentError
        ``num_nodes`` negative or not an int.

    Examples
    --------
    >>> mesh_edges({"triangle": np.array([[0, 1, 2], [1, 3, 2]])}).shape
    torch.Size([2, 10])
    """
    cells, n = _normalise(mesh_or_cells, num_nodes)
    keys = [_undirected_keys(kind, conn, n) for kind, conn in cells.items()]
    und = _sorted_unique(np.concatenate(keys)) if keys else np.empty(0, np.int64)
    if und.size == 0:
        return torch.empty(2, 0, dtype=torch.long)
    lo, hi = np.divmod(und, n)
    # key = target * N + source, so one sort gives the canonical (target, source) order.
    directed = np.sort(np.concatenate([hi * n + lo, lo * n + hi]))
    target, source = np.divmod(directed, n)
    return torch.from_numpy(np.stack([source, target]))


def boundary_nodes(
    mesh_or_cells: CellsLike,
    num_nodes: int | None = None,
    *,
    groups: None | str | Iterable[str] = None,
) -> Tensor:
    """Flag the nodes on the boundary of a mesh.

    With ``groups=None`` the boundary is topological: the facets (faces of 3D cells, edges
    of 2D cells, end points of 1D cells) that belong to exactly one cell of the mesh's
    highest dimension, so surface triangles stored next to tetrahedra are ignored. Facets
    shared by three or more cells (non-manifold) count as interior. With ``groups`` the flag
    marks the nodes of the named boundary groups of the mesh (``mesh.boundaries[name]``)
    instead, e.g. ``groups=["inlet", "outlet"]``.

    Parameters
    ----------
    mesh_or_cells : Mesh, meshio.Mesh or mapping
        As in :func:`mesh_edges`. ``groups`` needs an object with a ``boundaries`` mapping
        ``name -> Boundary`` whose ``cells`` map cell type to parent-node indices (a plain
        array of node indices is accepted in place of a ``Boundary``).
    num_nodes : int, optional
        Number of nodes ``N``; default as in :func:`mesh_edges`.
    groups : str or iterable of str, optional
        Names of boundary groups to use instead of the topological boundary.

    Returns
    -------
    BoolTensor of shape [N]

    Raises
    ------
    InvalidMeshError
        Bad cells, as in :func:`mesh_edges`, or boundary-group nodes out of range.
    InvalidArgumentError
        ``groups`` names a group the mesh does not have, or the mesh has no boundaries.
    """
    cells, n = _normalise(mesh_or_cells, num_nodes)
    flags = np.zeros(n, dtype=bool)
    if groups is not None:
        for name, nodes in _group_nodes(mesh_or_cells, groups):
            if nodes.size and (nodes.min() < 0 or nodes.max() >= n):
                raise InvalidMeshError(f"boundary group {name!r}: node index out of range [0, {n})")
            flags[nodes] = True
        return torch.from_numpy(flags)
    facet_groups = _boundary_facet_arrays(cells, n)
    for facets in facet_groups:
        if isinstance(facets, np.ndarray):
            flags[facets.ravel()] = True
        elif facets:
            flags[np.concatenate(facets)] = True
    flags[_mid_edge_nodes(cells, facet_groups, n)] = True
    return torch.from_numpy(flags)


def boundary_facets(
    mesh_or_cells: CellsLike, num_nodes: int | None = None
) -> dict[str, np.ndarray | list[np.ndarray]]:
    """Facets on the topological boundary, as cells one dimension lower.

    Parameters
    ----------
    mesh_or_cells : Mesh, meshio.Mesh or mapping
        As in :func:`mesh_edges`.
    num_nodes : int, optional
        Number of nodes; default as in :func:`mesh_edges`.

    Returns
    -------
    dict
        Cell type -> connectivity, ready for a ``Boundary``: ``"triangle"`` [F, 3],
        ``"quad"`` [F, 4] and ``"polygon"`` (list of arrays) for 3D meshes, ``"line"`` [F, 2]
        for 2D meshes, ``"vertex"`` [F, 1] for 1D meshes. Node order follows the owning
        cell (VTK face tables, outward for positively oriented cells; counter-clockwise
        cells give counter-clockwise boundary edges). Empty dict for a closed mesh.
    """
    cells, n = _normalise(mesh_or_cells, num_nodes)
    out: dict[str, np.ndarray | list[np.ndarray]] = {}
    for facets in _boundary_facet_arrays(cells, n):
        if isinstance(facets, np.ndarray):
            if len(facets):
                name = _FACET_NAME[facets.shape[1]]
                out[name] = np.concatenate([out[name], facets]) if name in out else facets
        elif facets:
            out.setdefault("polygon", []).extend(facets)  # type: ignore[union-attr]
    return out


# ----------------------------------------------------------------------------------------
# input normalisation


def _normalise(mesh_or_cells: CellsLike, num_nodes: int | None) -> tuple[dict, int]:
    cells = _cells_mapping(mesh_or_cells)
    clean: dict[str, Any] = {}
    max_index = -1
    for kind, conn in cells.items():
        kind = str(kind)
        if kind not in _CELL_DIM:
            raise InvalidMeshError(
                f"cells: unsupported cell type {kind!r}; supported: {sorted(_CELL_DIM)}"
            )
        conn = _as_connectivity(kind, conn)
        lo, hi = _index_range(kind, conn)
        if lo < 0:
            raise InvalidMeshError(f"cells[{kind!r}]: negative node index {lo}")
        max_index = max(max_index, hi)
        clean[kind] = conn
    if num_nodes is None:
        points = getattr(mesh_or_cells, "points", None)
        n = len(points) if points is not None else max_index + 1
    else:
        if isinstance(num_nodes, bool) or not isinstance(num_nodes, (int, np.integer)):
            raise InvalidArgumentError(f"num_nodes: expected an int, got {num_nodes!r}")
        if num_nodes < 0:
            raise InvalidArgumentError(f"num_nodes: must be >= 0, got {num_nodes}")
        n = int(num_nodes)
    if max_index >= n:
        raise InvalidMeshError(f"cells: node index {max_index} is out of range for {n} nodes")
    return clean, n


def _cells_mapping(obj: CellsLike) -> Mapping[str, Any]:
    if isinstance(obj, Mapping):
        return obj
    cells = getattr(obj, "cells", None)
    if isinstance(cells, Mapping):
        return cells
    if isinstance(cells, (list, tuple)) and all(
        hasattr(b, "type") and hasattr(b, "data") for b in cells
    ):
        merged: dict[str, Any] = {}  # meshio may split one cell type over several blocks
        for block in cells:
            prev = merged.get(block.type)
            if prev is None:
                merged[block.type] = block.data
            elif isinstance(prev, np.ndarray) and isinstance(block.data, np.ndarray):
                merged[block.type] = np.concatenate([prev, block.data])
            else:
                merged[block.type] = list(prev) + list(block.data)
        return merged
    raise InvalidArgumentError(
        "mesh_or_cells: expected a mesh with a 'cells' mapping or a dict "
        f"cell type -> connectivity, got {type(obj).__name__}"
    )


def _as_connectivity(kind: str, conn: Any) -> Any:
    if kind == "polyhedron":
        try:
            return [[_int_array(face, kind).ravel() for face in cell] for cell in conn]
        except TypeError as exc:
            raise InvalidMeshError(
                "cells['polyhedron']: expected a list of cells, each a list of faces"
            ) from exc
    if kind == "polygon":
        if isinstance(conn, (np.ndarray, Tensor)) and np.ndim(conn) == 2:
            arr = _int_array(conn, kind)
            if arr.shape[1] < 3:
                raise InvalidMeshError("cells['polygon']: polygons need at least 3 nodes")
            return arr
        polys = [_int_array(p, kind).ravel() for p in conn]
        if any(len(p) < 3 for p in polys):
            raise InvalidMeshError("cells['polygon']: polygons need at least 3 nodes")
        return polys
    arr = _int_array(conn, kind)
    k = _NODES_PER_CELL[kind]
    if arr.size == 0:
        return arr.reshape(0, k)
    if arr.ndim != 2 or arr.shape[1] != k:
        raise InvalidMeshError(f"cells[{kind!r}]: expected shape [n, {k}], got {tuple(arr.shape)}")
    return arr


def _int_array(values: Any, kind: str) -> np.ndarray:
    if isinstance(values, Tensor):
        values = values.detach().cpu().numpy()
    arr = np.asarray(values)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise InvalidMeshError(f"cells[{kind!r}]: expected integer node indices, got {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _index_range(kind: str, conn: Any) -> tuple[int, int]:
    if isinstance(conn, np.ndarray):
        return (int(conn.min()), int(conn.max())) if conn.size else (0, -1)
    flat = _flatten_lists(conn if kind == "polygon" else [f for cell in conn for f in cell])
    return (int(flat.min()), int(flat.max())) if flat.size else (0, -1)


def _flatten_lists(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.empty(0, dtype=np.int64)


def _group_nodes(mesh: Any, groups: str | Iterable[str]) -> list[tuple[str, np.ndarray]]:
    boundaries = getattr(mesh, "boundaries", None)
    if not isinstance(boundaries, Mapping):
        raise InvalidArgumentError(
            "groups: the mesh has no named boundary groups (no 'boundaries' mapping)"
        )
    names = [groups] if isinstance(groups, str) else list(groups)
    out = []
    for name in names:
        if name not in boundaries:
            raise InvalidArgumentError(
                f"groups: unknown boundary group {name!r}; the mesh has {sorted(boundaries)}"
            )
        group = boundaries[name]
        cells = getattr(group, "cells", group)
        parts = []
        for conn in cells.values() if isinstance(cells, Mapping) else [cells]:
            parts.append(_flatten_nested(conn))
        out.append((name, np.concatenate(parts) if parts else np.empty(0, np.int64)))
    return out


def _flatten_nested(conn: Any) -> np.ndarray:
    if isinstance(conn, Tensor):
        conn = conn.detach().cpu().numpy()
    if isinstance(conn, np.ndarray):
        return conn.astype(np.int64, copy=False).ravel()
    parts = [_flatten_nested(c) for c in conn]
    return np.concatenate(parts) if parts else np.empty(0, np.int64)


# ----------------------------------------------------------------------------------------
# edges and facets


def _cell_edges(kind: str, conn: Any) -> np.ndarray:
    if kind == "vertex":
        return np.empty((0, 2), np.int64)
    if kind == "polygon":
        return _polygon_edges(conn)
    if kind == "polyhedron":
        return _polygon_edges([face for cell in conn for face in cell])
    local = _edge_table(kind)
    return conn[:, local].reshape(-1, 2)


def _undirected_keys(kind: str, conn: Any, n: int) -> np.ndarray:
    """``min * n + max`` of every cell edge that is not a self-loop (duplicates kept)."""
    if kind == "vertex":
        return np.empty(0, np.int64)
    if kind in _NODES_PER_CELL:
        local = _edge_table(kind)
        a, b = conn[:, local[:, 0]], conn[:, local[:, 1]]
    else:
        e = _cell_edges(kind, conn)
        a, b = e[:, 0], e[:, 1]
    lo = np.minimum(a, b).ravel()
    hi = np.maximum(a, b).ravel()
    keep = lo != hi
    if not keep.all():  # collapsed (degenerate) cells
        lo, hi = lo[keep], hi[keep]
    return lo * n + hi


def _polygon_edges(polys: Any) -> np.ndarray:
    if isinstance(polys, np.ndarray):
        return np.stack([polys, np.roll(polys, -1, axis=1)], axis=-1).reshape(-1, 2)
    if not polys:
        return np.empty((0, 2), np.int64)
    flat, nxt = _perimeter(polys)
    return np.stack([flat, flat[nxt]], axis=1)


def _perimeter(polys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Flattened polygon nodes and, for each, the position of the next node on its ring."""
    sizes = np.fromiter((len(p) for p in polys), dtype=np.int64, count=len(polys))
    flat = np.concatenate(polys)
    ends = np.cumsum(sizes)
    nxt = np.arange(1, len(flat) + 1)
    nxt[ends - 1] = ends - sizes
    return flat, nxt


def _top_dimension_facets(cells: dict) -> tuple[int, list]:
    """Facets of the cells of the highest dimension: arrays [F, k] per size, or polygons."""
    dims = [_CELL_DIM[k] for k, c in cells.items() if len(c)]
    top = max(dims, default=-1)
    by_size: dict[int, list[np.ndarray]] = {}
    polygons: list[np.ndarray] = []
    for kind, conn in cells.items():
        if _CELL_DIM[kind] != top or not len(conn):
            continue
        if kind in _QUADRATIC:  # facets are matched on their corner nodes
            kind = _QUADRATIC[kind]
            conn = conn[:, : _NODES_PER_CELL[kind]]
        if kind == "line":
            by_size.setdefault(1, []).append(conn.reshape(-1, 1))
        elif kind in ("triangle", "quad"):
            by_size.setdefault(2, []).append(_cell_edges(kind, conn))
        elif kind == "polygon":
            by_size.setdefault(2, []).append(_polygon_edges(conn))
        elif kind == "polyhedron":
            for face in (f for cell in conn for f in cell):
                if len(face) in (3, 4):
                    by_size.setdefault(len(face), []).append(face[None, :])
                else:
                    polygons.append(face)
        elif top == 3:
            for face in CELL_FACES[kind]:
                by_size.setdefault(len(face), []).append(conn[:, face])
    groups: list = [np.concatenate(v) for _, v in sorted(by_size.items())]
    if polygons:
        groups.append(polygons)
    return top, groups


def _boundary_facet_arrays(cells: dict, n: int) -> list:
    _, groups = _top_dimension_facets(cells)
    out: list = []
    for facets in groups:
        if isinstance(facets, np.ndarray):
            out.append(facets[_occurs_once(_sorted_columns(facets), n)])
        else:
            width = max(len(p) for p in facets)
            padded = np.full((len(facets), width), -1, dtype=np.int64)
            for row, p in zip(padded, facets, strict=True):
                row[: len(p)] = np.sort(p)
            # shift so the -1 padding is a valid digit of the key
            mask = _occurs_once(list(padded.T + 1), n + 1)
            out.append([p for p, keep in zip(facets, mask, strict=True) if keep])
    return out


# compare-exchange networks that sort 2, 3 and 4 values
_NETWORKS = {
    1: (),
    2: ((0, 1),),
    3: ((0, 1), (1, 2), (0, 1)),
    4: ((0, 1), (2, 3), (0, 2), (1, 3), (1, 2)),
}


def _sorted_columns(rows: np.ndarray) -> list[np.ndarray]:
    """Columns of ``rows`` sorted within each row (a facet's canonical, orientation-free key)."""
    k = rows.shape[1]
    if k not in _NETWORKS:
        return list(np.sort(rows, axis=1).T)
    cols = [np.ascontiguousarray(rows[:, j]) for j in range(k)]
    for i, j in _NETWORKS[k]:
        cols[i], cols[j] = np.minimum(cols[i], cols[j]), np.maximum(cols[i], cols[j])
    return cols


def _occurs_once(cols: list[np.ndarray], base: int) -> np.ndarray:
    """Mask of the rows (given as columns, values in [0, base)) that no other row equals."""
    f, k = len(cols[0]), len(cols)
    if f == 0:
        return np.zeros(0, dtype=bool)
    exact = base**k < 2**63
    if exact:  # the row read as a base-`base` number: a perfect key
        key = cols[0].copy()
        for col in cols[1:]:
            key *= base
            key += col
    else:
        key = _hash_columns(cols)
    order = np.argsort(key)  # numpy: torch's threaded sort stalls on a busy machine
    srt = key[order]
    same_prev = np.zeros(f, dtype=bool)
    same_prev[1:] = srt[1:] == srt[:-1]
    if not exact:
        # Equal hashes must be equal rows; on a collision fall back to an exact lexsort.
        pairs = np.flatnonzero(same_prev)
        a, b = order[pairs], order[pairs - 1]
        if not all(bool((col[a] == col[b]).all()) for col in cols):
            order = np.lexsort(cols[::-1])
            same_prev[1:] = True
            for col in cols:
                c = col[order]
                same_prev[1:] &= c[1:] == c[:-1]
    mask = np.empty(f, dtype=bool)
    mask[order] = _run_lengths(same_prev) == 1
    return mask


def _hash_columns(cols: list[np.ndarray]) -> np.ndarray:
    h = np.full(len(cols[0]), 0x9E3779B97F4A7C15, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for col in cols:
            h ^= col.view(np.uint64)
            h *= np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(31)
    return h.view(np.int64)


def _mid_edge_nodes(cells: dict, facet_groups: list, n: int) -> np.ndarray:
    """Mid-edge nodes of quadratic cells that lie on the given (corner-node) boundary facets."""
    top = max((_CELL_DIM[k] for k, c in cells.items() if len(c)), default=-1)
    keys, mids = [], []
    for kind, conn in cells.items():
        if kind not in _QUADRATIC or _CELL_DIM[kind] != top or not len(conn):
            continue
        linear = _QUADRATIC[kind]
        first_mid = _NODES_PER_CELL[linear]
        e = np.asarray(CELL_EDGES[linear])
        a, b = conn[:, e[:, 0]], conn[:, e[:, 1]]
        keys.append((np.minimum(a, b) * n + np.maximum(a, b)).ravel())
        mids.append(conn[:, first_mid : first_mid + len(e)].ravel())
    if not keys or top < 2:
        return np.empty(0, np.int64)
    key, mid = np.concatenate(keys), np.concatenate(mids)
    order = np.argsort(key, kind="stable")
    key, mid = key[order], mid[order]
    wanted = []
    for facets in facet_groups:
        if not isinstance(facets, np.ndarray) or not len(facets):
            continue
        k = facets.shape[1]
        ring = [(0, 1)] if k == 2 else [(i, (i + 1) % k) for i in range(k)]
        for i, j in ring:
            a, b = facets[:, i], facets[:, j]
            wanted.append(np.minimum(a, b) * n + np.maximum(a, b))
    if not wanted:
        return np.empty(0, np.int64)
    query = np.concatenate(wanted)
    pos = np.minimum(np.searchsorted(key, query), len(key) - 1)
    return mid[pos[key[pos] == query]]


def _run_lengths(same_prev: np.ndarray) -> np.ndarray:
    """For each element of a sorted sequence, the length of the run of equal values it is in.

    ``same_prev[i]`` says element i equals element i-1 (``same_prev[0]`` is ignored).
    """
    f = len(same_prev)
    starts = np.flatnonzero(~np.concatenate([[False], same_prev[1:]]))
    lengths = np.diff(np.append(starts, f))
    return np.repeat(lengths, lengths)


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    # np.unique would argsort; a value-only sort plus a diff is several times faster.
    if keys.size == 0:
        return keys
    s = np.sort(keys)
    return s[np.concatenate([[True], s[1:] != s[:-1]])]


__all__ = ["CELL_EDGES", "CELL_FACES", "boundary_facets", "boundary_nodes", "mesh_edges"]
