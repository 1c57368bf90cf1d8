"""Binary PLY writer that keeps float64 coordinates and every point/cell field.

trimesh's exporter writes float32 coordinates and drops custom attributes; this one writes
``double x, y, z``, one property per field column (see :mod:`geonop.io._columns`), and the
surface as triangles (quads split, polygons fanned, cell data rows repeated accordingly).
Reading goes through trimesh, which understands all of it.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from geonop.errors import UnsupportedFormatError
from geonop.io._columns import flatten_fields
from geonop.io.convert import surface_triangles
from geonop.io.mesh import Mesh

_PLY_TYPE = {"f8": "double", "f4": "float", "i4": "int", "u4": "uint", "i2": "short",
             "u2": "ushort", "i1": "char", "u1": "uchar"}


def _ply_column(values: np.ndarray) -> np.ndarray:
    """Cast a column to a dtype PLY can hold (no 64-bit ints, no bools)."""
    kind = values.dtype.kind
    if kind == "b":
        return values.astype("<u1")
    if kind in "iu" and values.dtype.itemsize == 8:
        info = np.iinfo(np.int32)
        if values.size == 0 or (values.min() >= info.min and values.max() <= info.max):
            return values.astype("<i4")
        return values.astype("<f8")
    if kind == "f" and values.dtype.itemsize not in (4, 8):
        return values.astype("<f8")
    if kind not in "iuf":
        raise UnsupportedFormatError(None, f"PLY cannot store a field of dtype {values.dtype}")
    return values.astype(values.dtype.newbyteorder("<"))


def _safe(name: str) -> str:
    return re.sub(r"\s+", "_", name) or "field"


def _table(columns: list[tuple[str, np.ndarray]], n: int) -> np.ndarray:
    cols, used = [], set()
    for k, v in columns:
        name = _safe(k)
        while name in used:  # e.g. a point field called "x"
            name += "_"
        used.add(name)
        cols.append((name, _ply_column(v)))
    table = np.empty(n, dtype=[(k, v.dtype.str, v.shape[1:]) for k, v in cols])
    for k, v in cols:
        table[k] = v
    return table


def _header_lines(element: str, table: np.ndarray) -> list[str]:
    lines = [f"element {element} {len(table)}"]
    for name in table.dtype.names or ():
        sub = table.dtype[name]
        if sub.shape:  # the triangle's vertex list
            lines.append(f"property list uchar {_PLY_TYPE[sub.base.str[1:]]} {name}")
        elif name != "_count":
            lines.append(f"property {_PLY_TYPE[sub.str[1:]]} {name}")
    return lines


def write_ply(mesh: Mesh, path: Path) -> None:
    """Write ``mesh`` as binary little-endian PLY to ``path``.

    Raises
    ------
    UnsupportedFormatError
        If the mesh has cells but no surface cells (PLY stores points and polygons).
    """
    faces, parent = surface_triangles(mesh)
    if len(faces) == 0 and not mesh.is_point_cloud:
        raise UnsupportedFormatError(
            path, f"PLY stores points and surface polygons; this mesh has only {list(mesh.cells)} "
            "cells (write .vtu instead)")
    points = mesh.points if mesh.dim == 3 else np.pad(mesh.points, ((0, 0), (0, 3 - mesh.dim)))
    vertex_cols = [("x", points[:, 0]), ("y", points[:, 1]), ("z", points[:, 2])]
    vertex_cols += flatten_fields(mesh.point_data)
    vertex = _table(vertex_cols, mesh.num_points)
    header = ["ply", "format binary_little_endian 1.0", "comment written by geonop"]
    header += _header_lines("vertex", vertex)
    face = None
    if len(faces):
        face_cols = [("_count", np.full(len(faces), 3, dtype="<u1")),
                     ("vertex_indices", faces.astype("<i4"))]
        face_cols += flatten_fields({k: v[parent] for k, v in mesh.cell_data.items()})
        face = _table(face_cols, len(faces))
        header += _header_lines("face", face)
    header.append("end_header")
    with open(path, "wb") as fh:
        fh.write(("\n".join(header) + "\n").encode("ascii"))
        fh.write(vertex.tobytes())
        if face is not None:
            fh.write(face.tobytes())
