"""The one mesh type of geonop: points, cells by type, boundary groups, point and cell data.

Every reader returns a :class:`Mesh`, every writer accepts one, and the geometry and graph
layers consume it. It is a plain numpy container (no VTK object inside), so it pickles, copies
and crosses process boundaries cheaply; converters to pyvista, meshio, trimesh and
torch_geometric live in :mod:`geonop.io.convert`.

Conventions
-----------
- Cell types are meshio's names: ``vertex, line, triangle, quad, tetra, hexahedron, wedge,
  pyramid`` (and higher-order variants such as ``triangle6``) are int64 arrays of shape
  ``[n, k]``; ``polygon`` is a list of int64 arrays; ``polyhedron`` is a list of cells, each a
  list of int64 face arrays. Node orders are VTK's (which meshio shares).
- ``cell_data[name]`` has one row per cell, in the order of iterating ``cells`` (all cells of
  the first type, then all of the second, ...). :meth:`Mesh.cell_data_by_type` splits it.
- Boundary groups (Gmsh physical groups of lower dimension, OpenFOAM patches) index the
  parent mesh's points.
"""

from __future__ import annotations

import copy as _copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from geonop.errors import InvalidMeshError
from geonop.io._celltypes import NUM_NODES, cell_dimension

if TYPE_CHECKING:  # heavy optional imports only for type checkers
    import meshio
    import pyvista
    import trimesh
    from torch_geometric.data import Data

CellBlock = Union[np.ndarray, list]  # noqa: UP007 - runtime alias, Python 3.10


def _as_index_array(value: Any, cell_type: str, where: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        if arr.size and not np.all(np.isfinite(arr) & (arr == np.round(arr))):
            raise InvalidMeshError(f"{where}: {cell_type} cell indices are not integers")
    elif arr.size and arr.dtype.kind not in "iu":
        raise InvalidMeshError(f"{where}: {cell_type} cell indices have dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _coerce_cells(cells: dict[str, Any], where: str) -> dict[str, CellBlock]:
    out: dict[str, CellBlock] = {}
    for cell_type, block in cells.items():
        if cell_type == "polygon":
            out[cell_type] = [_as_index_array(c, cell_type, where).ravel() for c in block]
        elif cell_type == "polyhedron":
            out[cell_type] = [
                [_as_index_array(f, cell_type, where).ravel() for f in cell] for cell in block
            ]
        else:
            try:
                raw = np.asarray(block)
            except ValueError as exc:  # ragged nested lists
                raise InvalidMeshError(
                    f"{where}: {cell_type} cells have rows of different lengths ({exc})"
                ) from exc
            arr = _as_index_array(raw, cell_type, where)
            k = NUM_NODES.get(cell_type)
            if arr.ndim == 1 and arr.size == 0:
                arr = arr.reshape(0, k or 0)
            if arr.ndim == 1 and k == 1:
                arr = arr.reshape(-1, 1)
            if arr.ndim != 2 or (k is not None and arr.shape[1] != k):
                raise InvalidMeshError(
                    f"{where}: {cell_type} cells must have shape [n, {k or 'k'}], "
                    f"got {arr.shape}"
                )
            out[cell_type] = arr
    return out


def _coerce_data(data: dict[str, Any]) -> dict[str, np.ndarray]:
    return {str(k): np.asarray(v) for k, v in data.items()}


def _block_len(block: CellBlock) -> int:
    return len(block)


@dataclass(eq=False)
class Boundary:
    """A named group of boundary cells: a Gmsh physical group or an OpenFOAM patch.

    Attributes
    ----------
    cells : dict[str, np.ndarray | list]
        Cell type -> int64 array of shape [n, k] (or a list for ``polygon``), indexing the
        points of the parent :class:`Mesh`.
    cell_data : dict[str, np.ndarray]
        Field name -> array of shape [n_cells, ...], rows in the order of iterating ``cells``
        (e.g. the patch values of an OpenFOAM field).
    """

    cells: dict[str, CellBlock]
    cell_data: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cells = _coerce_cells(dict(self.cells), "boundary")
        self.cell_data = _coerce_data(dict(self.cell_data))

    @property
    def num_cells(self) -> int:
        """Number of cells of every type in the group."""
        return sum(_block_len(b) for b in self.cells.values())

    def cell_counts(self) -> dict[str, int]:
        """Cell type -> number of cells."""
        return {t: _block_len(b) for t, b in self.cells.items()}

    def point_indices(self) -> np.ndarray:
        """Sorted unique parent-mesh point indices used by the group, int64 array [m]."""
        parts = [_flat_indices(t, b) for t, b in self.cells.items()]
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(parts))

    def copy(self) -> Boundary:
        """Deep copy."""
        return Boundary(_copy.deepcopy(self.cells), {k: v.copy() for k, v in self.cell_data.items()})

    def __repr__(self) -> str:
        counts = ", ".join(f"{t}: {n}" for t, n in self.cell_counts().items())
        data = f", cell_data={list(self.cell_data)}" if self.cell_data else ""
        return f"Boundary({{{counts}}}{data})"


def _flat_indices(cell_type: str, block: CellBlock) -> np.ndarray:
    """All point indices referenced by a block, int64 array (with repeats)."""
    if cell_type == "polygon":
        return np.concatenate(block) if len(block) else np.zeros(0, dtype=np.int64)
    if cell_type == "polyhedron":
        faces = [f for cell in block for f in cell]
        return np.concatenate(faces) if faces else np.zeros(0, dtype=np.int64)
    return np.asarray(block).ravel()


@dataclass(eq=False)
class Mesh:
    """A mesh or point cloud: points, cells by type, boundary groups, point and cell data.

    Attributes
    ----------
    points : np.ndarray
        float64 array of shape [N, d], d in {2, 3}.
    cells : dict[str, np.ndarray | list]
        meshio type name -> int64 array [n, k]; ``"polygon"`` -> list of int64 arrays;
        ``"polyhedron"`` -> list of cells, each a list of int64 face arrays. Empty for a
        point cloud.
    point_data : dict[str, np.ndarray]
        Field name -> array of shape [N] or [N, c].
    cell_data : dict[str, np.ndarray]
        Field name -> array of shape [num_cells, ...], rows in the order of iterating
        ``cells``.
    boundaries : dict[str, Boundary]
        Named boundary groups (Gmsh physical groups, OpenFOAM patches).
    meta : dict[str, Any]
        Free-form provenance, e.g. ``{"source": path, "format": "openfoam", "time": "0.5"}``.

    Examples
    --------
    >>> import numpy as np
    >>> m = Mesh(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), {"triangle": [[0, 1, 2]]})
    >>> m
    Mesh(points=3x2, cells={triangle: 1})
    """

    points: np.ndarray
    cells: dict[str, CellBlock] = field(default_factory=dict)
    point_data: dict[str, np.ndarray] = field(default_factory=dict)
    cell_data: dict[str, np.ndarray] = field(default_factory=dict)
    boundaries: dict[str, Boundary] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = str(self.meta.get("source", "mesh")) if isinstance(self.meta, dict) else "mesh"
        try:
            points = np.asarray(self.points, dtype=np.float64)
        except (ValueError, TypeError) as exc:
            raise InvalidMeshError(
                f"{where}: points are not a rectangular numeric array (mixed dimensions?): {exc}"
            ) from exc
        if points.ndim == 1 and points.size == 0:
            points = points.reshape(0, 3)
        if points.ndim != 2:
            raise InvalidMeshError(f"{where}: points must have shape [N, d], got {points.shape}")
        self.points = points
        self.cells = _coerce_cells(dict(self.cells), where)
        self.point_data = _coerce_data(dict(self.point_data))
        self.cell_data = _coerce_data(dict(self.cell_data))
        boundaries = {}
        for name, group in dict(self.boundaries).items():
            boundaries[str(name)] = group if isinstance(group, Boundary) else Boundary(group)
        self.boundaries = boundaries
        self.meta = dict(self.meta)

    # ------------------------------------------------------------------ sizes and shape
    @property
    def num_points(self) -> int:
        """Number of points N."""
        return int(self.points.shape[0])

    @property
    def num_cells(self) -> int:
        """Number of cells of every type (boundary groups not included)."""
        return sum(_block_len(b) for b in self.cells.values())

    @property
    def dim(self) -> int:
        """Number of coordinate columns d (2 or 3)."""
        return int(self.points.shape[1])

    @property
    def topological_dim(self) -> int:
        """Largest dimension of the cell types present (0 for a point cloud)."""
        dims = [cell_dimension(t) for t, b in self.cells.items() if _block_len(b)]
        return max(dims, default=0)

    @property
    def cell_types(self) -> tuple[str, ...]:
        """Cell type names, in iteration (and cell_data row) order."""
        return tuple(self.cells)

    @property
    def is_point_cloud(self) -> bool:
        """True when the mesh has no cells other than vertices."""
        return self.topological_dim == 0

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Axis-aligned bounding box: (min of shape [d], max of shape [d])."""
        if self.num_points == 0:
            raise InvalidMeshError(f"{self._where()}: empty mesh (no points) has no bounds")
        return self.points.min(axis=0), self.points.max(axis=0)

    def cell_counts(self) -> dict[str, int]:
        """Cell type -> number of cells."""
        return {t: _block_len(b) for t, b in self.cells.items()}

    def cell_offsets(self) -> dict[str, tuple[int, int]]:
        """Cell type -> (start, stop) rows of that type in ``cell_data`` arrays."""
        out, start = {}, 0
        for t, b in self.cells.items():
            out[t] = (start, start + _block_len(b))
            start += _block_len(b)
        return out

    def cell_data_by_type(self, name: str) -> dict[str, np.ndarray]:
        """Split ``cell_data[name]`` into cell type -> rows of that type."""
        values = self.cell_data[name]
        return {t: values[a:b] for t, (a, b) in self.cell_offsets().items()}

    # ------------------------------------------------------------------ checks and repair
    def validate(self, source: str | None = None) -> Mesh:
        """Check the mesh and raise if it is unusable.

        Checks: points present, 2 or 3 coordinate columns, finite coordinates, cell and
        boundary indices in range, field lengths, no repeated nodes or zero
        length/area/volume in lines, triangles, quads and tetrahedra, no duplicate points.
        Vectorised; about a second for a million points.

        Parameters
        ----------
        source : str, optional
            Name that leads the error message (file path); defaults to ``meta["source"]``.

        Returns
        -------
        Mesh
            ``self``, for chaining.

        Raises
        ------
        InvalidMeshError
            Naming the source, every problem, how many items are affected, the first
            offending indices, and ``clean=True`` where :meth:`clean` repairs it.
        """
        from geonop.io.validate import validate_mesh

        validate_mesh(self, source)
        return self

    def clean(self, tol: float = 0.0) -> Mesh:
        """Return a repaired copy: duplicate points merged, degenerate cells dropped.

        Parameters
        ----------
        tol : float
            Points closer than ``tol`` are merged; 0 merges exact duplicates only.

        Returns
        -------
        Mesh
            A new mesh; ``meta["cleaned"]`` records how many points were merged and how many
            cells dropped.
        """
        from geonop.io.clean import clean_mesh

        return clean_mesh(self, tol=tol)

    def copy(self) -> Mesh:
        """Deep copy (arrays copied)."""
        return Mesh(
            self.points.copy(),
            _copy.deepcopy(self.cells),
            {k: v.copy() for k, v in self.point_data.items()},
            {k: v.copy() for k, v in self.cell_data.items()},
            {k: b.copy() for k, b in self.boundaries.items()},
            _copy.deepcopy(self.meta),
        )

    def planar_to_2d(self, atol: float = 0.0) -> Mesh:
        """Drop a constant z column (Gmsh and VTK store 2D meshes with z = 0).

        Parameters
        ----------
        atol : float
            Largest allowed spread of z.

        Returns
        -------
        Mesh
            A copy with points of shape [N, 2] (``self`` unchanged if already 2D).

        Raises
        ------
        InvalidMeshError
            If z varies by more than ``atol``.
        """
        if self.dim == 2:
            return self
        out = self.copy()
        if self.num_points:
            z = self.points[:, 2]
            spread = float(z.max() - z.min())
            if spread > atol:
                raise InvalidMeshError(
                    f"{self._where()}: mesh is not planar: z spans {spread:g} (> atol={atol:g})"
                )
            out.meta["z"] = float(z[0])
        out.points = np.ascontiguousarray(self.points[:, :2])
        return out

    # ------------------------------------------------------------------ conversions
    def to_pyvista(self) -> pyvista.DataSet:
        """Convert to ``pyvista.UnstructuredGrid`` (or ``PolyData`` for surfaces/points).

        See :func:`geonop.io.convert.to_pyvista`.
        """
        from geonop.io.convert import to_pyvista

        return to_pyvista(self)

    @classmethod
    def from_pyvista(cls, dataset: pyvista.DataSet) -> Mesh:
        """Build from any pyvista dataset. See :func:`geonop.io.convert.from_pyvista`."""
        from geonop.io.convert import from_pyvista

        return from_pyvista(dataset)

    def to_meshio(self, boundaries: bool = True) -> meshio.Mesh:
        """Convert to ``meshio.Mesh``. See :func:`geonop.io.convert.to_meshio`."""
        from geonop.io.convert import to_meshio

        return to_meshio(self, boundaries=boundaries)

    @classmethod
    def from_meshio(cls, mesh: meshio.Mesh) -> Mesh:
        """Build from ``meshio.Mesh``. See :func:`geonop.io.convert.from_meshio`."""
        from geonop.io.convert import from_meshio

        return from_meshio(mesh)

    def to_trimesh(self) -> trimesh.Trimesh:
        """Surface triangles as ``trimesh.Trimesh`` (quads split, polygons fanned).

        See :func:`geonop.io.convert.to_trimesh`.
        """
        from geonop.io.convert import to_trimesh

        return to_trimesh(self)

    @classmethod
    def from_trimesh(cls, mesh: Any) -> Mesh:
        """Build from ``trimesh.Trimesh``/``PointCloud``/``Scene``.

        See :func:`geonop.io.convert.from_trimesh`.
        """
        from geonop.io.convert import from_trimesh

        return from_trimesh(mesh)

    def to_data(self, x: bool | Sequence[str] = False, **kwargs: Any) -> Data:
        """Convert to ``torch_geometric.data.Data``. See :func:`geonop.io.convert.to_data`."""
        from geonop.io.convert import to_data

        return to_data(self, x=x, **kwargs)

    @classmethod
    def from_data(cls, data: Data) -> Mesh:
        """Build from ``torch_geometric.data.Data``. See :func:`geonop.io.convert.from_data`."""
        from geonop.io.convert import from_data

        return from_data(data)

    # ------------------------------------------------------------------ display
    def _where(self) -> str:
        return str(self.meta.get("source", "mesh"))

    def __repr__(self) -> str:
        parts = [f"points={self.num_points}x{self.points.shape[1]}"]
        if self.cells:
            parts.append("cells={" + ", ".join(f"{t}: {n}" for t, n in self.cell_counts().items()) + "}")
        for label, data in (("point_data", self.point_data), ("cell_data", self.cell_data)):
            if data:
                parts.append(f"{label}=[{', '.join(data)}]")
        if self.boundaries:
            parts.append(f"boundaries=[{', '.join(self.boundaries)}]")
        return f"Mesh({', '.join(parts)})"


__all__ = ["Boundary", "Mesh"]
