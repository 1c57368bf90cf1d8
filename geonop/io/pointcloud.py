"""Point clouds (and whole meshes) in numpy and text files: ``.npz``, ``.npy``, ``.csv``, ``.xyz``.

Reading
-------
- ``.npz``: an array ``points`` or ``pos`` of shape [N, d]; every other array with N rows
  becomes point data. Files written by geonop (key ``geonop_layout``) also restore cells,
  cell data, boundary groups and meta.
- ``.npy``: one array of shape [N, 2] or [N, 3].
- ``.csv``: comma (or ``;``, or whitespace) separated, optional header. Coordinates are the
  columns named ``x, y(, z)`` (or ParaView's ``Points:0..2``), else the first 3 columns (2
  if there are only 2); ``dim=2`` or ``dim=3`` overrides. Other columns become point data by
  header name (``column<j>`` without a header); ``U_0, U_1, U_2`` regroup into one [N, 3]
  field.
- ``.xyz``: whitespace separated ``x y z`` (or ``x y``) per line, ``#`` comments, extra
  columns become point data ``column3``, ``column4``, ...

Rows with different numbers of columns raise :class:`~geonop.errors.InvalidMeshError`
("mixed dimensions", naming the first offending line); non-numeric values raise
:class:`~geonop.errors.CorruptFileError` naming the line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from geonop.errors import (
    CorruptFileError,
    InvalidArgumentError,
    InvalidMeshError,
    UnsupportedFormatError,
)
from geonop.io._columns import flatten_fields, group_columns
from geonop.io._guard import check_kwargs, corrupt_file_guard, describe_exception
from geonop.io.mesh import Boundary, Mesh

_LAYOUT_KEY = "geonop_layout"
_LAYOUT_VERSION = 1


# --------------------------------------------------------------------------- npz / npy
def _encode_block(prefix: str, cell_type: str, block) -> dict[str, np.ndarray]:
    if cell_type == "polygon":
        sizes = np.array([len(p) for p in block], dtype=np.int64)
        flat = np.concatenate(block) if len(block) else np.zeros(0, dtype=np.int64)
        return {f"{prefix}polygon/sizes": sizes, f"{prefix}polygon/indices": flat}
    if cell_type == "polyhedron":
        faces = [f for cell in block for f in cell]
        return {
            f"{prefix}polyhedron/faces_per_cell": np.array([len(c) for c in block], dtype=np.int64),
            f"{prefix}polyhedron/face_sizes": np.array([len(f) for f in faces], dtype=np.int64),
            f"{prefix}polyhedron/indices": np.concatenate(faces) if faces else np.zeros(0, np.int64),
        }
    return {f"{prefix}{cell_type}": np.asarray(block)}


def _decode_block(arrays: dict, prefix: str, cell_type: str):
    if cell_type == "polygon":
        sizes = arrays[f"{prefix}polygon/sizes"]
        return np.split(arrays[f"{prefix}polygon/indices"], np.cumsum(sizes)[:-1]) if len(sizes) else []
    if cell_type == "polyhedron":
        per_cell = arrays[f"{prefix}polyhedron/faces_per_cell"]
        sizes = arrays[f"{prefix}polyhedron/face_sizes"]
        faces = np.split(arrays[f"{prefix}polyhedron/indices"], np.cumsum(sizes)[:-1]) if len(sizes) else []
        bounds = np.concatenate([[0], np.cumsum(per_cell)])
        return [faces[bounds[i]: bounds[i + 1]] for i in range(len(per_cell))]
    return arrays[f"{prefix}{cell_type}"]


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def write_npz(mesh: Mesh, path: Path, compressed: bool = True) -> None:
    """Write the whole mesh (points, cells, fields, boundaries, meta) to ``.npz``."""
    arrays: dict[str, np.ndarray] = {_LAYOUT_KEY: np.array(_LAYOUT_VERSION), "points": mesh.points}
    arrays["cell_types"] = np.array(list(mesh.cells), dtype=str)
    for t, block in mesh.cells.items():
        arrays.update(_encode_block("cells/", t, block))
    arrays.update({f"point_data/{k}": v for k, v in mesh.point_data.items()})
    arrays.update({f"cell_data/{k}": v for k, v in mesh.cell_data.items()})
    arrays["boundary_names"] = np.array(list(mesh.boundaries), dtype=str)
    for i, group in enumerate(mesh.boundaries.values()):
        arrays[f"boundary/{i}/cell_types"] = np.array(list(group.cells), dtype=str)
        for t, block in group.cells.items():
            arrays.update(_encode_block(f"boundary/{i}/cells/", t, block))
        arrays.update({f"boundary/{i}/cell_data/{k}": v for k, v in group.cell_data.items()})
    arrays["meta"] = np.array(json.dumps(mesh.meta, default=_json_default))
    if any(v.dtype.kind == "O" for v in arrays.values()):
        raise UnsupportedFormatError(path, "npz: object arrays cannot be stored without pickle")
    with open(path, "wb") as fh:
        (np.savez_compressed if compressed else np.savez)(fh, **arrays)


def _read_layout(arrays: dict) -> Mesh:
    cells = {str(t): _decode_block(arrays, "cells/", str(t)) for t in arrays["cell_types"]}
    point_data = {k[len("point_data/"):]: v for k, v in arrays.items() if k.startswith("point_data/")}
    cell_data = {k[len("cell_data/"):]: v for k, v in arrays.items() if k.startswith("cell_data/")}
    boundaries = {}
    for i, name in enumerate(arrays["boundary_names"]):
        p = f"boundary/{i}/"
        b_cells = {str(t): _decode_block(arrays, p + "cells/", str(t)) for t in arrays[p + "cell_types"]}
        b_data = {k[len(p + "cell_data/"):]: v for k, v in arrays.items()
                  if k.startswith(p + "cell_data/")}
        boundaries[str(name)] = Boundary(b_cells, b_data)
    meta = json.loads(str(arrays["meta"])) if "meta" in arrays else {}
    return Mesh(arrays["points"], cells, point_data, cell_data, boundaries, meta)


def _points_array(path: Path, points: np.ndarray, what: str) -> np.ndarray:
    if points.dtype.kind not in "biuf":
        raise CorruptFileError(path, f"{what} has dtype {points.dtype}, expected numbers")
    if points.ndim != 2 or points.shape[1] not in (2, 3):
        raise InvalidMeshError(
            f"{path}: {what} must have shape [N, 2] or [N, 3] (2D or 3D points), "
            f"got {points.shape}")
    return points


def read_npz(path: Path) -> Mesh:
    """Read a ``.npz`` point cloud or a mesh written by :func:`write_npz`."""
    with corrupt_file_guard(path, "npz"), np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    if _LAYOUT_KEY in arrays:
        with corrupt_file_guard(path, "geonop npz"):
            return _read_layout(arrays)
    key = "points" if "points" in arrays else "pos" if "pos" in arrays else None
    if key is None:
        raise UnsupportedFormatError(
            path, f"npz has no 'points' or 'pos' array (found: {sorted(arrays)})")
    points = _points_array(path, arrays.pop(key), f"array '{key}'")
    point_data = {k: v for k, v in arrays.items() if v.ndim >= 1 and len(v) == len(points)}
    meta = {"ignored_arrays": sorted(set(arrays) - set(point_data))} if set(arrays) - set(point_data) else {}
    return Mesh(points, point_data=point_data, meta=meta)


def read_npy(path: Path) -> Mesh:
    """Read a ``.npy`` array of shape [N, 2] or [N, 3]."""
    with corrupt_file_guard(path, "npy"):
        points = np.load(path, allow_pickle=False)
    return Mesh(_points_array(path, points, "array"))


def _point_cloud_only(mesh: Mesh, path: Path, fmt: str) -> None:
    if mesh.cells:
        raise UnsupportedFormatError(
            path, f"{fmt} stores points only and this mesh has cells {list(mesh.cells)}; write "
            ".npz to keep them, or pass Mesh(mesh.points, point_data=mesh.point_data)")


def write_npy(mesh: Mesh, path: Path) -> None:
    """Write the points [N, d] of a point cloud to ``.npy`` (point data is not stored)."""
    _point_cloud_only(mesh, path, "npy")
    if mesh.point_data:
        raise UnsupportedFormatError(
            path, f"npy stores the point array only, not the fields {list(mesh.point_data)}; "
            "write .npz or .csv")
    with open(path, "wb") as fh:
        np.save(fh, mesh.points)


# --------------------------------------------------------------------------- csv / xyz
def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    return [t.strip().strip('"').strip("'") for t in line.split(delimiter)]


def _read_table(path: Path, delimiter: str | None, what: str):
    """(header or None, float array [rows, cols]) of a delimited text file."""
    try:
        text = path.read_text()
    except UnicodeDecodeError as exc:
        raise CorruptFileError(path, f"not a text {what} file ({describe_exception(exc)})") from exc
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines())
             if ln.strip() and not ln.lstrip().startswith("#")]
    if delimiter == "auto":
        first = lines[0][1] if lines else ""
        delimiter = "," if "," in first else ";" if ";" in first else None
    rows = [(i, _split(ln, delimiter)) for i, ln in lines]
    header = None
    if rows and not all(_is_number(t) for t in rows[0][1]):
        header = rows.pop(0)[1]
    width = len(header) if header is not None else (len(rows[0][1]) if rows else 0)
    counts = np.array([len(r) for _, r in rows], dtype=np.int64)
    bad = np.flatnonzero(counts != width)
    if len(bad):
        line_no, toks = rows[bad[0]]
        raise InvalidMeshError(
            f"{path}: mixed dimensions: {len(bad)} rows do not have {width} columns "
            f"(first: line {line_no} has {len(toks)})")
    try:
        values = np.array([r for _, r in rows], dtype=np.float64).reshape(len(rows), width)
    except ValueError:
        for line_no, toks in rows:
            for t in toks:
                if not _is_number(t):
                    raise CorruptFileError(path, f"line {line_no}: non-numeric value {t!r}") from None
        raise
    return header, values


def _columns_to_mesh(path: Path, header: list[str] | None, values: np.ndarray,
                     dim: int | None) -> Mesh:
    ncol = values.shape[1]
    if dim not in (None, 2, 3):
        raise InvalidArgumentError(f"dim must be 2 or 3, got {dim!r}")
    names = header if header is not None else [f"column{j}" for j in range(ncol)]
    lower = [n.strip().lower() for n in names]
    coords = None
    for labels in (("x", "y", "z"), ("points:0", "points:1", "points:2"), ("points_0", "points_1", "points_2")):
        if labels[0] in lower and labels[1] in lower:
            want = 3 if labels[2] in lower and dim != 2 else 2
            if dim == 3 and want == 2:
                raise InvalidMeshError(f"{path}: dim=3 asked but there is no '{labels[2]}' column")
            coords = [lower.index(label) for label in labels[:want]]
            break
    if coords is None:
        want = dim or (3 if ncol >= 3 else 2)
        if ncol < want:
            raise InvalidMeshError(
                f"{path}: {ncol} column(s) cannot hold {want}D point coordinates")
        coords = list(range(want))
    rest = [(names[j], values[:, j]) for j in range(ncol) if j not in coords]
    return Mesh(values[:, coords], point_data=group_columns(rest))


def read_csv(path: Path, delimiter: str | None = "auto", dim: int | None = None) -> Mesh:
    """Read a ``.csv`` point table (see module docstring for the column rules)."""
    header, values = _read_table(path, delimiter, "CSV")
    return _columns_to_mesh(path, header, values, dim)


def read_xyz(path: Path, dim: int | None = None) -> Mesh:
    """Read a whitespace-separated ``.xyz`` point file."""
    header, values = _read_table(path, None, "XYZ")
    return _columns_to_mesh(path, header, values, dim)


def write_csv(mesh: Mesh, path: Path) -> None:
    """Write a point cloud as CSV: header ``x,y[,z],fields...``, full float precision."""
    _point_cloud_only(mesh, path, "CSV")
    coords = [("x", mesh.points[:, 0]), ("y", mesh.points[:, 1])]
    if mesh.dim == 3:
        coords.append(("z", mesh.points[:, 2]))
    columns = coords + flatten_fields(mesh.point_data)
    bad = [k for k, v in columns if v.dtype.kind not in "biuf"]
    if bad:
        raise UnsupportedFormatError(path, f"CSV columns must be numeric, not {bad}")
    table = np.stack([v.astype(np.float64) for _, v in columns], axis=1)
    with open(path, "w") as fh:
        fh.write(",".join(k for k, _ in columns) + "\n")
        np.savetxt(fh, table, delimiter=",", fmt="%.17g")


# --------------------------------------------------------------------------- dispatch
def read_pointcloud(path: Path, fmt: str, **kwargs: Any) -> Mesh:
    """Read ``.npz``/``.npy``/``.csv``/``.xyz``; keyword arguments go to the format's reader."""
    reader = {"npz": read_npz, "npy": read_npy, "csv": read_csv, "xyz": read_xyz}[fmt]
    check_kwargs(reader, kwargs, f"reading {fmt}", skip=1)
    return reader(path, **kwargs)


def write_pointcloud(mesh: Mesh, path: Path, fmt: str, **kwargs: Any) -> None:
    """Write ``.npz``/``.npy``/``.csv``."""
    writer = {"npz": write_npz, "npy": write_npy, "csv": write_csv}[fmt]
    check_kwargs(writer, kwargs, f"writing {fmt}", skip=2)
    writer(mesh, path, **kwargs)


__all__ = [
    "read_csv",
    "read_npy",
    "read_npz",
    "read_pointcloud",
    "read_xyz",
    "write_csv",
    "write_npy",
    "write_npz",
    "write_pointcloud",
]
