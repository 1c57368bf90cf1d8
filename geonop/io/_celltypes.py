"""Cell type names (meshio's), their dimensions, node counts and VTK type ids.

geonop names cell types as meshio does (``"triangle"``, ``"tetra"``, ``"hexahedron"``, ...)
so that meshio meshes convert without a translation table on the user's side. VTK ids are
the ``VTK_*`` constants of ``vtkCellType.h``.
"""

from __future__ import annotations

import re

#: cell types whose cells are lists of variable length rather than rows of a 2-D array
RAGGED_TYPES: frozenset[str] = frozenset({"polygon", "polyhedron"})

#: nodes per cell of the fixed-size types
NUM_NODES: dict[str, int] = {
    "vertex": 1,
    "line": 2,
    "line3": 3,
    "triangle": 3,
    "triangle6": 6,
    "quad": 4,
    "quad8": 8,
    "quad9": 9,
    "tetra": 4,
    "tetra10": 10,
    "hexahedron": 8,
    "hexahedron20": 20,
    "hexahedron27": 27,
    "wedge": 6,
    "wedge15": 15,
    "wedge18": 18,
    "pyramid": 5,
    "pyramid13": 13,
}

_DIMENSION: dict[str, int] = {
    "vertex": 0,
    "line": 1,
    "polygon": 2,
    "triangle": 2,
    "quad": 2,
    "tetra": 3,
    "hexahedron": 3,
    "wedge": 3,
    "pyramid": 3,
    "polyhedron": 3,
}

VTK_TYPE: dict[str, int] = {
    "vertex": 1,
    "line": 3,
    "triangle": 5,
    "polygon": 7,
    "quad": 9,
    "tetra": 10,
    "hexahedron": 12,
    "wedge": 13,
    "pyramid": 14,
    "line3": 21,
    "triangle6": 22,
    "quad8": 23,
    "tetra10": 24,
    "hexahedron20": 25,
    "wedge15": 26,
    "pyramid13": 27,
    "quad9": 28,
    "hexahedron27": 29,
    "wedge18": 32,
    "polyhedron": 42,
}
VTK_TO_NAME: dict[int, str] = {v: k for k, v in VTK_TYPE.items()}

# VTK types geonop translates on reading: poly-vertex, poly-line, triangle strip, pixel, voxel
VTK_POLY_VERTEX, VTK_POLY_LINE, VTK_TRIANGLE_STRIP, VTK_PIXEL, VTK_VOXEL = 2, 4, 6, 8, 11

#: cell types whose degenerate cells (repeated nodes, zero length/area/volume) geonop detects
SIMPLE_TYPES: tuple[str, ...] = ("line", "triangle", "quad", "tetra")

_PREFIX = re.compile(r"^([a-z]+?)(\d*)$")


def cell_dimension(cell_type: str) -> int:
    """Topological dimension of a cell type (0 vertex, 1 line, 2 surface, 3 volume).

    Higher-order variants (``"triangle6"``, ``"tetra10"``) take their base type's dimension.
    Unknown names fall back to 3 if they mention a volume element, else 2.
    """
    if cell_type in _DIMENSION:
        return _DIMENSION[cell_type]
    match = _PREFIX.match(cell_type)
    base = match.group(1) if match else cell_type
    if base in _DIMENSION:
        return _DIMENSION[base]
    return 3 if any(w in cell_type for w in ("tetra", "hexa", "wedge", "pyramid", "poly")) else 2


def is_ragged(cell_type: str) -> bool:
    """Whether cells of this type are stored as a list (polygons, polyhedra)."""
    return cell_type in RAGGED_TYPES
