"""Conversions between :class:`~geonop.io.Mesh` and pyvista, meshio and trimesh objects.

Round trips keep points, cells and point/cell data. Details worth knowing:

- pyvista/VTK always stores 3 coordinates. :func:`to_pyvista` marks 2D meshes with the field
  array ``geonop_point_dim`` so :func:`from_pyvista` (and so a ``.vtu``/``.vtp`` written by
  geonop) gives 2D points back. VTK pixels/voxels become quads/hexahedra, poly-lines,
  poly-vertices and triangle strips are split (their cell data rows repeated).
- meshio: polygons are grouped into blocks by size, polyhedra become ``polyhedronN`` blocks.
  Boundary groups travel Gmsh-style: extra cell blocks tagged by ``gmsh:physical`` and named
  in ``field_data``, which is exactly what :func:`from_meshio` turns back into boundaries.
- trimesh holds triangles only: quads are split along their 0-2 diagonal, polygons fanned.

:func:`as_mesh` accepts any of these objects (or a point array) and returns a Mesh.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from geonop.errors import InvalidArgumentError, InvalidMeshError
from geonop.io._celltypes import (
    NUM_NODES,
    VTK_PIXEL,
    VTK_POLY_LINE,
    VTK_POLY_VERTEX,
    VTK_TO_NAME,
    VTK_TRIANGLE_STRIP,
    VTK_TYPE,
    VTK_VOXEL,
    cell_dimension,
)
from geonop.io.mesh import Boundary, Mesh
from geonop.io.pyg import from_data, to_data

#: name of the VTK field array that records a 2D mesh's coordinate count
POINT_DIM_KEY = "geonop_point_dim"
_SURFACE_TYPES = ("vertex", "line", "triangle", "quad", "polygon")
_VTK_INTERNAL = re.compile(r"^(vtkGhostType|vtkOriginal\w*|vtkValidPointMask)$")


def _pad3(points: np.ndarray) -> np.ndarray:
    if points.shape[1] == 3:
        return points
    out = np.zeros((len(points), 3))
    out[:, : points.shape[1]] = points
    return out


def _flat_field(values: np.ndarray) -> np.ndarray:
    return values.reshape(len(values), -1) if values.ndim > 2 else values


# --------------------------------------------------------------------------- pyvista
def _vtk_stream(cell_type: str, block) -> tuple[np.ndarray, int]:
    """Legacy VTK cell array ([k, ids..., k, ids...]) of a block and its cell count."""
    if cell_type == "polygon":
        parts = [np.concatenate([[len(p)], p]) for p in block]
    elif cell_type == "polyhedron":
        parts = []
        for cell in block:
            stream = [len(cell)] + [v for f in cell for v in (len(f), *f)]
            parts.append(np.asarray([len(stream)] + stream))
    else:
        if len(block) == 0:
            return np.zeros(0, dtype=np.int64), 0
        k = block.shape[1]
        return np.hstack([np.full((len(block), 1), k), block]).ravel(), len(block)
    flat = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
    return flat, len(block)


def to_pyvista(mesh: Mesh, kind: str = "auto"):
    """Convert a Mesh to a pyvista dataset.

    Parameters
    ----------
    mesh : Mesh
        Source mesh (2D points are padded with z = 0).
    kind : {"auto", "unstructured", "polydata"}
        ``"auto"`` gives ``PolyData`` when every cell is a vertex, line, triangle, quad or
        polygon (surfaces, curves, point clouds) and ``UnstructuredGrid`` otherwise.

    Returns
    -------
    pyvista.PolyData or pyvista.UnstructuredGrid
        With the point data, cell data and (as field data) the 2D marker. Boundary groups
        are not stored.
    """
    import pyvista as pv

    unknown = [t for t in mesh.cells if t not in VTK_TYPE]
    if unknown:
        raise InvalidMeshError(f"{mesh._where()}: cell types {unknown} have no VTK equivalent")
    surface = all(t in _SURFACE_TYPES for t in mesh.cells)
    if kind == "auto":
        kind = "polydata" if surface else "unstructured"
    if kind not in ("polydata", "unstructured"):
        raise InvalidArgumentError(f"kind must be 'auto', 'unstructured' or 'polydata', got {kind!r}")
    points = _pad3(mesh.points)
    offsets = mesh.cell_offsets()
    if kind == "polydata":
        if not surface:
            raise InvalidMeshError(
                f"{mesh._where()}: PolyData holds vertices, lines and polygons only, not "
                f"{[t for t in mesh.cells if t not in _SURFACE_TYPES]}; use an unstructured grid"
            )
        groups = {"verts": ("vertex",), "lines": ("line",), "faces": ("triangle", "quad", "polygon")}
        kwargs, order = {}, []
        for key, types in groups.items():  # VTK orders PolyData cells verts, lines, polys
            streams = []
            for t in types:
                if t in mesh.cells:
                    streams.append(_vtk_stream(t, mesh.cells[t])[0])
                    order.append(np.arange(*offsets[t]))
            if streams and sum(len(s) for s in streams):
                kwargs[key] = np.concatenate(streams)
        ds = pv.PolyData()  # PolyData(points) would invent one vertex cell per point
        ds.points = points
        for key, stream in kwargs.items():
            setattr(ds, key, stream)
        perm = np.concatenate(order) if order else np.zeros(0, dtype=np.int64)
    else:
        streams, types = [], []
        for t, block in mesh.cells.items():
            stream, n = _vtk_stream(t, block)
            streams.append(stream)
            types.append(np.full(n, VTK_TYPE[t], dtype=np.uint8))
        cells = np.concatenate(streams) if streams else np.zeros(0, dtype=np.int64)
        celltypes = np.concatenate(types) if types else np.zeros(0, dtype=np.uint8)
        ds = pv.UnstructuredGrid(cells, celltypes, points)
        perm = np.arange(mesh.num_cells)
    for name, values in mesh.point_data.items():
        ds.point_data[name] = _flat_field(values)
    for name, values in mesh.cell_data.items():
        ds.cell_data[name] = _flat_field(values)[perm]
    if mesh.dim != 3:
        ds.field_data[POINT_DIM_KEY] = np.array([mesh.dim])
    return ds


def _offsets(grid) -> np.ndarray:
    off = getattr(type(grid), "cell_offsets", None)
    return np.asarray(grid.cell_offsets if off is not None else grid.offset)


def _polyhedra(grid, ids: np.ndarray) -> list:
    """Faces of the polyhedron cells ``ids`` of a VTK unstructured grid."""
    try:
        conn = np.asarray(grid.polyhedron_face_connectivity)
        f_off = np.asarray(grid.polyhedron_face_offsets)
        loc = np.asarray(grid.polyhedron_face_location_connectivity)
        loc_off = np.asarray(grid.polyhedron_face_location_offsets)
    except Exception:  # noqa: BLE001 - older VTK/pyvista: walk the face streams
        out = []
        for i in ids:
            faces = grid.get_cell(int(i)).faces
            out.append([np.asarray(f.point_ids, dtype=np.int64) for f in faces])
        return out
    return [
        [conn[f_off[f]: f_off[f + 1]].astype(np.int64) for f in loc[loc_off[i]: loc_off[i + 1]]]
        for i in ids
    ]


def from_pyvista(dataset: Any) -> Mesh:
    """Convert any pyvista dataset (or a raw VTK data object) to a Mesh.

    ``MultiBlock`` datasets are combined without merging points. Structured grids and image
    data become hexahedra/quads. A point cloud's one-vertex-per-point cells (which VTK tools
    add to make points visible) are dropped; polygons with 3 or 4 points come back from VTK
    PolyData as triangles and quads. VTK's internal arrays (``vtkGhostType``,
    ``vtkOriginal*Ids``) are dropped; other field data goes to ``meta["field_data"]``.
    """
    import pyvista as pv

    ds = pv.wrap(dataset) if not isinstance(dataset, pv.DataObject) else dataset
    if isinstance(ds, pv.MultiBlock):
        ds = ds.combine(merge_points=False)
    grid = ds if isinstance(ds, pv.UnstructuredGrid) else ds.cast_to_unstructured_grid()
    points = np.array(grid.points, dtype=np.float64).reshape(-1, 3)
    celltypes = np.asarray(grid.celltypes).astype(np.int64)
    conn = np.asarray(grid.cell_connectivity, dtype=np.int64)
    offs = _offsets(grid).astype(np.int64)
    sizes = np.diff(offs)
    pieces: dict[str, list] = {}  # type -> list of (cells, source cell ids)

    def add(name: str, cells, src: np.ndarray) -> None:
        pieces.setdefault(name, []).append((cells, src))

    _, first = np.unique(celltypes, return_index=True)
    for vtk_id in celltypes[np.sort(first)]:
        ids = np.flatnonzero(celltypes == vtk_id)
        name = VTK_TO_NAME.get(int(vtk_id))
        if vtk_id == 0:  # VTK_EMPTY_CELL
            continue
        if name in NUM_NODES or vtk_id in (VTK_PIXEL, VTK_VOXEL):
            k = int(sizes[ids[0]])
            rows = conn[offs[ids][:, None] + np.arange(k)]
            if vtk_id == VTK_PIXEL:
                name, rows = "quad", rows[:, [0, 1, 3, 2]]
            elif vtk_id == VTK_VOXEL:
                name, rows = "hexahedron", rows[:, [0, 1, 3, 2, 4, 5, 7, 6]]
            add(name, rows, ids)
        elif name == "polygon":
            add(name, [conn[offs[i]: offs[i + 1]] for i in ids], ids)
        elif name == "polyhedron":
            add(name, _polyhedra(grid, ids), ids)
        elif vtk_id in (VTK_POLY_VERTEX, VTK_POLY_LINE, VTK_TRIANGLE_STRIP):
            for i in ids:
                ring = conn[offs[i]: offs[i + 1]]
                if vtk_id == VTK_POLY_VERTEX:
                    add("vertex", ring[:, None], np.full(len(ring), i))
                elif vtk_id == VTK_POLY_LINE:
                    add("line", np.stack([ring[:-1], ring[1:]], 1), np.full(len(ring) - 1, i))
                else:  # strip: alternate orientation keeps the triangles consistently wound
                    tri = np.stack([ring[:-2], ring[1:-1], ring[2:]], 1)
                    tri[1::2] = tri[1::2][:, [1, 0, 2]]
                    add("triangle", tri, np.full(len(tri), i))
        else:
            raise InvalidMeshError(f"VTK cell type {int(vtk_id)} is not supported by geonop")
    vertex = pieces.get("vertex")
    if (len(pieces) == 1 and vertex is not None and not grid.cell_data.keys()
            and np.array_equal(np.concatenate([b for b, _ in vertex]).ravel(), np.arange(len(points)))):
        pieces = {}  # one vertex cell per point, in order: a plain point cloud
    cells: dict[str, Any] = {}
    sources = []
    for name, parts in pieces.items():
        if name in ("polygon", "polyhedron"):
            cells[name] = [c for block, _ in parts for c in block]
        else:
            cells[name] = np.concatenate([block for block, _ in parts]).astype(np.int64)
        sources += [src for _, src in parts]
    src = np.concatenate(sources) if sources else np.zeros(0, dtype=np.int64)
    point_data = {k: np.array(v) for k, v in grid.point_data.items()
                  if not _VTK_INTERNAL.match(k) and np.asarray(v).dtype.kind in "biuf"}
    cell_data = {k: np.array(v)[src] for k, v in grid.cell_data.items()
                 if not _VTK_INTERNAL.match(k) and np.asarray(v).dtype.kind in "biuf"}
    meta: dict[str, Any] = {}
    field_data = {k: np.array(v) for k, v in ds.field_data.items() if k != POINT_DIM_KEY}
    if field_data:
        meta["field_data"] = field_data
    marked_2d = POINT_DIM_KEY in ds.field_data and \
        int(np.asarray(ds.field_data[POINT_DIM_KEY]).ravel()[0]) == 2
    if marked_2d and (len(points) == 0 or not np.any(points[:, 2])):
        points = points[:, :2].copy()
    return Mesh(points, cells, point_data, cell_data, meta=meta)


# --------------------------------------------------------------------------- meshio
_GMSH_DIM_NAMES = ("point", "curve", "surface", "volume")


def _meshio_type(name: str) -> str:
    if name.startswith("polyhedron"):
        return "polyhedron"
    if name.startswith("polygon"):
        return "polygon"
    return name


def from_meshio(mesh: Any) -> Mesh:
    """Convert a ``meshio.Mesh`` to a Mesh.

    Gmsh physical groups (``cell_data["gmsh:physical"]`` with names in ``field_data``)
    become :class:`Boundary` groups for every block of lower dimension than the mesh; the
    domain's own physical groups are listed in ``meta["regions"]`` (name -> tag) and, if
    there are several, in ``cell_data["region"]``. meshio's ``gmsh:*`` bookkeeping arrays
    are dropped.
    """
    points = np.asarray(mesh.points, dtype=np.float64)
    blocks = [(_meshio_type(b.type), b.data) for b in mesh.cells]
    dims = [cell_dimension(t) for t, d in blocks if len(d)]
    top = max(dims, default=0)
    physical = mesh.cell_data.get("gmsh:physical")
    geometrical = mesh.cell_data.get("gmsh:geometrical")
    names: dict[tuple[int, int], str] = {}
    for name, value in (mesh.field_data or {}).items():
        value = np.asarray(value).ravel()
        if len(value) >= 2:
            names[(int(value[0]), int(value[1]))] = str(name)
    data_keys = [k for k in mesh.cell_data if not k.startswith("gmsh:")]

    per_type: dict[str, list] = {}
    per_type_data: dict[str, dict[str, list]] = {}
    per_type_region: dict[str, list] = {}
    bnd_cells: dict[str, dict[str, list]] = {}
    regions: dict[str, int] = {}
    for i, (t, data) in enumerate(blocks):
        dim = cell_dimension(t)
        tags = None if physical is None else np.asarray(physical[i]).astype(np.int64)
        if tags is not None and dim < top and len(data):
            for tag in np.unique(tags):
                sel = np.flatnonzero(tags == tag)
                if tag > 0:
                    label = names.get((int(tag), dim), f"physical_{int(tag)}")
                else:  # saved without a physical group: name it by its geometric entity
                    ent = int(np.asarray(geometrical[i])[sel[0]]) if geometrical is not None else 0
                    label = f"{_GMSH_DIM_NAMES[dim]}_{ent}"
                block = [data[j] for j in sel] if isinstance(data, list) else np.asarray(data)[sel]
                bnd_cells.setdefault(label, {}).setdefault(t, []).append(block)
            continue
        per_type.setdefault(t, []).append(data)
        for k in data_keys:
            per_type_data.setdefault(t, {}).setdefault(k, []).append(np.asarray(mesh.cell_data[k][i]))
        if tags is not None:
            per_type_region.setdefault(t, []).append(tags)
            for tag in np.unique(tags):
                regions[names.get((int(tag), dim), f"physical_{int(tag)}")] = int(tag)

    def merge(t: str, parts: list):
        if t == "polygon":
            return [np.asarray(row, dtype=np.int64) for p in parts for row in p]
        if t == "polyhedron":
            return [[np.asarray(f, dtype=np.int64) for f in cell] for p in parts for cell in p]
        return np.concatenate([np.asarray(p, dtype=np.int64) for p in parts])

    cells = {t: merge(t, parts) for t, parts in per_type.items()}
    cell_data = {
        k: np.concatenate([np.concatenate(per_type_data[t][k]) for t in per_type]) for k in data_keys
    } if per_type else {}
    meta: dict[str, Any] = {}
    if regions:
        meta["regions"] = regions
        if len(set(regions.values())) > 1:
            cell_data["region"] = np.concatenate(
                [np.concatenate(per_type_region[t]) for t in per_type])
    boundaries = {name: Boundary({t: merge(t, parts) for t, parts in group.items()})
                  for name, group in bnd_cells.items()}
    point_data = {k: np.asarray(v) for k, v in mesh.point_data.items() if not k.startswith("gmsh:")}
    extra = {k: v for k, v in (mesh.field_data or {}).items()
             if physical is None and k != POINT_DIM_KEY}
    if extra:
        meta["field_data"] = extra
    return Mesh(points, cells, point_data, cell_data, boundaries, meta)


def _meshio_blocks(t: str, block) -> list[tuple[str, Any, np.ndarray]]:
    """meshio blocks (type, data, rows of ``block`` they hold) for one geonop block."""
    if t == "polygon":
        sizes = np.array([len(p) for p in block])
        return [("polygon", np.array([block[i] for i in np.flatnonzero(sizes == s)]),
                 np.flatnonzero(sizes == s)) for s in np.unique(sizes)]
    if t == "polyhedron":
        nv = np.array([len(np.unique(np.concatenate(c))) for c in block])
        return [(f"polyhedron{s}", [block[i] for i in np.flatnonzero(nv == s)],
                 np.flatnonzero(nv == s)) for s in np.unique(nv)]
    return [(t, block, np.arange(len(block)))]


def to_meshio(mesh: Mesh, boundaries: bool = True):
    """Convert a Mesh to ``meshio.Mesh``.

    Parameters
    ----------
    mesh : Mesh
        Source mesh.
    boundaries : bool
        Append boundary groups Gmsh-style (cell blocks with ``gmsh:physical`` and
        ``gmsh:geometrical`` tags, names in ``field_data``); the domain cells get the tags of
        ``meta["regions"]``/``cell_data["region"]`` or tag 1 named ``"domain"``. Domain cell
        data is padded with NaN (floats) or 0 on boundary blocks.

    Returns
    -------
    meshio.Mesh
    """
    import meshio

    offsets = mesh.cell_offsets()
    out_blocks, rows = [], []
    for t, block in mesh.cells.items():
        for mtype, data, sel in _meshio_blocks(t, block):
            out_blocks.append(meshio.CellBlock(mtype, data))
            rows.append(offsets[t][0] + sel)
    cell_data = {k: [_flat_field(v)[r] for r in rows] for k, v in mesh.cell_data.items()
                 if k != "region" or not (boundaries and mesh.boundaries)}
    field_data: dict[str, Any] = {}
    if boundaries and mesh.boundaries:
        top = mesh.topological_dim
        if "region" in mesh.cell_data:
            region = np.asarray(mesh.cell_data["region"]).astype(np.int64)
        else:
            region = np.ones(mesh.num_cells, dtype=np.int64)
        names = mesh.meta.get("regions") or {"domain": 1}
        for name, tag in names.items():
            field_data[name] = np.array([int(tag), top])
        phys = [region[r] for r in rows]
        next_tag = int(region.max(initial=0)) + 1
        for name, group in mesh.boundaries.items():
            bdim = max((cell_dimension(t) for t in group.cells), default=0)
            field_data[name] = np.array([next_tag, bdim])
            for t, block in group.cells.items():
                for mtype, data, _ in _meshio_blocks(t, block):
                    n = len(data)
                    out_blocks.append(meshio.CellBlock(mtype, data))
                    phys.append(np.full(n, next_tag, dtype=np.int64))
                    for parts in cell_data.values():
                        like = parts[0] if parts else np.zeros(0)
                        fill = np.nan if like.dtype.kind == "f" else 0
                        parts.append(np.full((n, *like.shape[1:]), fill, dtype=like.dtype))
            next_tag += 1
        cell_data["gmsh:physical"] = phys
        cell_data["gmsh:geometrical"] = [p.copy() for p in phys]
    return meshio.Mesh(mesh.points, out_blocks, point_data=dict(mesh.point_data),
                       cell_data=cell_data, field_data=field_data)


# --------------------------------------------------------------------------- trimesh
def surface_triangles(mesh: Mesh) -> tuple[np.ndarray, np.ndarray]:
    """Triangles of every 2D cell: triangles, quads split along 0-2, polygons fanned.

    Returns
    -------
    faces : np.ndarray
        int64 array of shape [F, 3].
    parent : np.ndarray
        int64 array of shape [F]: the row in ``mesh.cell_data`` each triangle comes from.
    """
    offsets = mesh.cell_offsets()
    faces, parent = [], []
    for t, block in mesh.cells.items():
        start = offsets[t][0]
        if t == "triangle":
            faces.append(block)
            parent.append(start + np.arange(len(block)))
        elif t == "quad":
            faces.append(np.concatenate([block[:, [0, 1, 2]], block[:, [0, 2, 3]]]))
            parent.append(np.tile(start + np.arange(len(block)), 2))
        elif t == "polygon":
            for i, p in enumerate(block):
                if len(p) >= 3:
                    faces.append(np.stack([np.full(len(p) - 2, p[0]), p[1:-1], p[2:]], 1))
                    parent.append(np.full(len(p) - 2, start + i))
    if not faces:
        return np.zeros((0, 3), dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(faces).astype(np.int64), np.concatenate(parent).astype(np.int64)


def to_trimesh(mesh: Mesh):
    """Surface triangles as ``trimesh.Trimesh`` (a ``PointCloud`` for a point cloud).

    Vertices keep the mesh's order (``process=False``); point data becomes
    ``vertex_attributes``, cell data of the surface cells ``face_attributes`` (rows repeated
    for split quads). 2D points get z = 0.

    Raises
    ------
    InvalidMeshError
        If the mesh has cells but none of them is a surface cell (e.g. only tetrahedra).
    """
    import trimesh

    points = _pad3(mesh.points)
    if mesh.is_point_cloud:
        return trimesh.PointCloud(points)
    faces, parent = surface_triangles(mesh)
    if len(faces) == 0:
        raise InvalidMeshError(
            f"{mesh._where()}: no surface cells to convert to triangles (cells: "
            f"{list(mesh.cells)}); extract its boundary surface first"
        )
    out = trimesh.Trimesh(points, faces, process=False, validate=False)
    for k, v in mesh.point_data.items():
        out.vertex_attributes[k] = v
    for k, v in mesh.cell_data.items():
        out.face_attributes[k] = v[parent]
    return out


def from_trimesh(obj: Any) -> Mesh:
    """Convert ``trimesh.Trimesh``, ``PointCloud`` or ``Scene`` to a Mesh.

    A scene's meshes are concatenated with their transforms applied. Vertex/face attributes
    of the right length become point/cell data.
    """
    import trimesh

    if isinstance(obj, trimesh.Scene):
        geoms = [g for g in obj.dump(concatenate=False) if isinstance(g, trimesh.Trimesh)]
        if not geoms:
            clouds = [g for g in obj.dump(concatenate=False) if isinstance(g, trimesh.PointCloud)]
            if clouds:
                return Mesh(np.concatenate([np.asarray(c.vertices) for c in clouds]))
            return Mesh(np.zeros((0, 3)))
        obj = geoms[0] if len(geoms) == 1 else trimesh.util.concatenate(geoms)
    vertices = np.asarray(obj.vertices, dtype=np.float64).reshape(-1, 3)
    n = len(vertices)
    point_data = {k: np.asarray(v) for k, v in getattr(obj, "vertex_attributes", {}).items()
                  if np.ndim(v) >= 1 and len(v) == n and np.asarray(v).dtype.kind in "biuf"}
    if isinstance(obj, trimesh.PointCloud):
        return Mesh(vertices, point_data=point_data)
    if not isinstance(obj, trimesh.Trimesh):
        raise InvalidArgumentError(f"cannot convert {type(obj).__name__} to a geonop Mesh")
    faces = np.asarray(obj.faces, dtype=np.int64).reshape(-1, 3)
    cell_data = {k: np.asarray(v) for k, v in obj.face_attributes.items()
                 if np.ndim(v) >= 1 and len(v) == len(faces) and np.asarray(v).dtype.kind in "biuf"}
    cells = {"triangle": faces} if len(faces) else {}
    return Mesh(vertices, cells, point_data, cell_data if cells else {})


# --------------------------------------------------------------------------- any object
def as_mesh(obj: Any, source: str | None = None) -> Mesh:
    """Turn a Mesh, pyvista/meshio/trimesh object, ``Data`` or point array into a Mesh.

    Parameters
    ----------
    obj : Mesh | pyvista.DataSet | meshio.Mesh | trimesh.Trimesh | torch_geometric.data.Data
        | np.ndarray | torch.Tensor
        A point array must have shape [N, 2] or [N, 3].
    source : str, optional
        Name for error messages.
    """
    if isinstance(obj, Mesh):
        return obj
    module = type(obj).__module__.split(".")[0]
    if module == "pyvista" or module.startswith("vtkmodules"):
        return from_pyvista(obj)
    if module == "meshio":
        return from_meshio(obj)
    if module == "trimesh":
        return from_trimesh(obj)
    if module == "torch_geometric":
        return from_data(obj)
    if module == "torch":
        obj = obj.detach().cpu().numpy()
    if isinstance(obj, (np.ndarray, list, tuple)):
        points = np.asarray(obj)
        if points.ndim != 2 or points.shape[1] not in (2, 3):
            raise InvalidArgumentError(
                f"{source or 'points'}: a point array must have shape [N, 2] or [N, 3], "
                f"got {points.shape}"
            )
        return Mesh(points)
    raise InvalidArgumentError(
        f"{source or 'object'}: cannot convert {type(obj).__name__} to a geonop Mesh "
        "(expected Mesh, pyvista, meshio, trimesh, torch_geometric Data or a point array)"
    )


__all__ = [
    "POINT_DIM_KEY",
    "as_mesh",
    "from_data",
    "from_meshio",
    "from_pyvista",
    "from_trimesh",
    "surface_triangles",
    "to_data",
    "to_meshio",
    "to_pyvista",
    "to_trimesh",
]
