"""Input checking and numpy/torch conversion shared by the geometry modules.

Every public geometry function computes in float64 numpy and hands its result back
in the caller's array type: a ``torch.Tensor`` input gives tensors on the same
device (floating results in the input's floating dtype, indices as ``torch.long``),
anything else gives numpy arrays (floating results in the input's floating dtype,
float64 when the input was an integer array, indices as int64).

Meshes are recognised by duck typing so that this layer does not depend on the
concrete :class:`geonop.io.Mesh` class: an object with ``points`` and a ``cells``
mapping (``{"triangle": [n, 3], "quad": [n, 4], "line": [n, 2], ...}``; a list of
meshio-style blocks with ``.type`` and ``.data`` also works), or a trimesh-like
object with ``vertices`` and ``faces``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch

from geonop.errors import InvalidArgumentError, InvalidMeshError

ArrayLike = np.ndarray | torch.Tensor | Sequence[Any]


def is_tensor(x: Any) -> bool:
    return isinstance(x, torch.Tensor)


def _raw(x: Any, name: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        if x.is_floating_point() and x.dtype not in (torch.float32, torch.float64):
            x = x.double()  # float16/bfloat16 have no numpy view
        return x.numpy()
    try:
        return np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"{name}: cannot be read as an array ({exc})") from exc


def as_points(
    x: Any,
    name: str,
    *,
    dims: Sequence[int] | None = (2, 3),
    error: type = InvalidMeshError,
    allow_empty: bool = False,
) -> np.ndarray:
    """Return ``x`` as a finite float64 array of shape [N, d] with d in ``dims``
    (any d >= 1 when ``dims`` is None)."""
    arr = _raw(x, name)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise InvalidArgumentError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise InvalidArgumentError(f"{name}: expected real coordinates, got complex values")
    if arr.ndim != 2 or arr.shape[1] < 1 or (dims is not None and arr.shape[1] not in dims):
        want = "[N, d]" if dims is None else " or ".join(f"[N, {d}]" for d in dims)
        raise InvalidArgumentError(f"{name}: expected shape {want}, got shape {tuple(arr.shape)}")
    if arr.shape[0] == 0 and not allow_empty:
        raise error(f"{name}: is empty (0 points)")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise error(
            f"{name}: {int(bad.sum())} row(s) with NaN or Inf coordinates (first at row {first})"
        )
    return arr


def as_cells(x: Any, name: str, n_points: int, widths: Sequence[int]) -> np.ndarray:
    """Return ``x`` as an int64 array [F, k] (k in ``widths``) of valid point indices."""
    arr = _raw(x, name)
    if arr.ndim != 2 or arr.shape[1] not in widths:
        want = " or ".join(f"[F, {w}]" for w in widths)
        raise InvalidArgumentError(f"{name}: expected shape {want}, got shape {tuple(arr.shape)}")
    if arr.shape[0] == 0:
        raise InvalidMeshError(f"{name}: is empty (0 cells)")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.isfinite(arr).all() or not np.array_equal(arr, np.round(arr)):
            raise InvalidArgumentError(f"{name}: indices must be integers")
    elif not np.issubdtype(arr.dtype, np.integer):
        raise InvalidArgumentError(f"{name}: expected integer indices, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.int64)
    lo, hi = int(arr.min()), int(arr.max())
    if lo < 0 or hi >= n_points:
        bad = lo if lo < 0 else hi
        raise InvalidMeshError(
            f"{name}: index {bad} out of range for {n_points} vertices (valid: 0..{n_points - 1})"
        )
    return arr


def as_count(n: Any, name: str) -> int:
    """Return ``n`` as a positive Python int."""
    if isinstance(n, torch.Tensor) and n.numel() == 1:
        n = n.item()
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise InvalidArgumentError(f"{name}: expected a positive integer, got {n!r}")
    if n <= 0:
        raise InvalidArgumentError(f"{name}: must be > 0, got {int(n)}")
    return int(n)


def like(result: np.ndarray, template: Any) -> Any:
    """Return ``result`` in the array type, float dtype and device of ``template``."""
    floating = np.issubdtype(result.dtype, np.floating)
    if isinstance(template, torch.Tensor):
        t = torch.from_numpy(np.ascontiguousarray(result))
        if floating:
            dtype = template.dtype if template.is_floating_point() else torch.float64
            return t.to(device=template.device, dtype=dtype)
        if result.dtype == np.bool_:
            return t.to(device=template.device)
        return t.to(device=template.device, dtype=torch.long)
    if floating:
        tdtype = getattr(template, "dtype", None)
        if tdtype is not None and np.issubdtype(tdtype, np.floating):
            return result.astype(tdtype, copy=False)
        return result
    if result.dtype == np.bool_:
        return result
    return result.astype(np.int64, copy=False)


# --------------------------------------------------------------------------- meshes


def _is_mesh(obj: Any) -> bool:
    return getattr(obj, "cells", None) is not None and getattr(obj, "points", None) is not None


def _is_trimesh(obj: Any) -> bool:
    return (
        not isinstance(obj, (np.ndarray, torch.Tensor))
        and getattr(obj, "vertices", None) is not None
        and getattr(obj, "faces", None) is not None
    )


def _cell_blocks(cells: Any) -> list[tuple[str, Any]]:
    """(type, block) pairs of a cells mapping or meshio-style block list, unconverted
    (blocks of types we do not use, e.g. ragged polyhedra, are never touched)."""
    if isinstance(cells, dict):
        items = list(cells.items())
    else:  # meshio-style list of CellBlock(type, data)
        items = [(getattr(b, "type", None), getattr(b, "data", None)) for b in cells]
    return [(str(k), v) for k, v in items if v is not None and len(v)]


def _template(points: Any) -> Any:
    return points if is_tensor(points) else _raw(points, "mesh.points")


@dataclass
class Surface:
    """A triangulated surface: quads are split into two triangles.

    ``tri_face[t]`` is the index of the input face that triangle ``t`` came from.
    """

    points: np.ndarray  # [V, 3] float64
    tris: np.ndarray  # [T, 3] int64
    tri_face: np.ndarray  # [T] int64
    n_faces: int
    template: Any  # what results are converted back to


def _split_faces(faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    idx = np.arange(len(faces), dtype=np.int64)
    if faces.shape[1] == 3:
        return faces, idx
    # quad (0,1,2,3) -> (0,1,2) + (0,2,3); the two halves stay adjacent in memory
    tris = np.stack([faces[:, [0, 1, 2]], faces[:, [0, 2, 3]]], axis=1).reshape(-1, 3)
    return tris, np.repeat(idx, 2)


def _no_cells_argument(cells: Any, name: str) -> None:
    if cells is not None:
        raise InvalidArgumentError(
            f"{name}: must be omitted when a mesh object is given "
            "(pass keyword arguments for the rest, e.g. n=...)"
        )


def surface(vertices: Any, faces: Any, *, vertices_name: str = "vertices") -> Surface:
    """Resolve ``(vertices, faces)`` or a mesh object into a :class:`Surface`.

    ``faces`` may be [F, 3] triangles or [F, 4] quads. With a mesh object the
    faces are its ``triangle`` cells followed by its ``quad`` cells.
    """
    if _is_trimesh(vertices) and not _is_mesh(vertices):
        _no_cells_argument(faces, "faces")
        pts = as_points(vertices.vertices, "mesh.vertices", dims=(3,))
        f = as_cells(vertices.faces, "mesh.faces", len(pts), (3,))
        tris, tri_face = _split_faces(f)
        return Surface(pts, tris, tri_face, len(f), _template(vertices.vertices))
    if _is_mesh(vertices):
        _no_cells_argument(faces, "faces")
        mesh = vertices
        pts = as_points(mesh.points, "mesh.points", dims=(3,))
        blocks = _cell_blocks(mesh.cells)
        tri_parts, face_parts, offset = [], [], 0
        for kind, width in (("triangle", 3), ("quad", 4)):
            for k, v in blocks:
                if k != kind:
                    continue
                c = as_cells(v, f"mesh.cells[{k!r}]", len(pts), (width,))
                t, tf = _split_faces(c)
                tri_parts.append(t)
                face_parts.append(tf + offset)
                offset += len(c)
        if offset == 0:
            raise InvalidMeshError(
                f"mesh: has no 'triangle' or 'quad' cells (has {sorted(k for k, _ in blocks)}); "
                "extract its boundary surface first"
            )
        tris, tri_face = np.concatenate(tri_parts), np.concatenate(face_parts)
        return Surface(pts, tris, tri_face, offset, _template(mesh.points))
    if faces is None:
        raise InvalidArgumentError("faces: required when vertices is an array")
    pts = as_points(vertices, vertices_name, dims=(3,))
    f = as_cells(faces, "faces", len(pts), (3, 4))
    tris, tri_face = _split_faces(f)
    return Surface(pts, tris, tri_face, len(f), vertices)


@dataclass
class Curve:
    """A 2D polyline set given by segments [S, 2] into points [V, 2].

    ``planar_z`` is the constant z of 3D input points that were reduced to 2D
    (``None`` for 2D input)."""

    points: np.ndarray  # [V, 2] float64
    segments: np.ndarray  # [S, 2] int64
    template: Any
    planar_z: float | None = None


def _planar(pts: np.ndarray, name: str) -> tuple[np.ndarray, float | None]:
    """Drop a constant z column (2D data stored in 3D, as Gmsh writes it)."""
    if pts.shape[1] == 2:
        return pts, None
    if np.ptp(pts[:, 2]) != 0.0:
        raise InvalidMeshError(
            f"{name}: a 2D curve needs 2D points or 3D points with constant z; "
            f"z spans {np.ptp(pts[:, 2]):.3g}"
        )
    return np.ascontiguousarray(pts[:, :2]), float(pts[0, 2])


def curve(vertices: Any, segments: Any, *, vertices_name: str = "vertices") -> Curve:
    """Resolve ``(vertices, segments)`` or a mesh object with ``line`` cells into a
    :class:`Curve`. Points [N, 3] are accepted when their z column is constant."""
    if _is_mesh(vertices):
        _no_cells_argument(segments, "segments")
        mesh = vertices
        pts, z = _planar(as_points(mesh.points, "mesh.points", dims=(2, 3)), "mesh.points")
        blocks = _cell_blocks(mesh.cells)
        lines = [v for k, v in blocks if k == "line"]
        if not lines:
            raise InvalidMeshError(
                f"mesh: has no 'line' cells (has {sorted(k for k, _ in blocks)})"
            )
        seg = np.concatenate([as_cells(v, "mesh.cells['line']", len(pts), (2,)) for v in lines])
        return Curve(pts, seg, _template(mesh.points), z)
    if segments is None:
        raise InvalidArgumentError("segments: required when vertices is an array")
    pts, z = _planar(as_points(vertices, vertices_name, dims=(2, 3)), vertices_name)
    seg = as_cells(segments, "segments", len(pts), (2,))
    return Curve(pts, seg, vertices, z)


def _is_group(obj: Any) -> bool:
    """A boundary group (e.g. ``geonop.io.Boundary``): a ``cells`` mapping, no points."""
    return not isinstance(obj, (np.ndarray, torch.Tensor, list, tuple)) and isinstance(
        getattr(obj, "cells", None), dict
    )


def lift(values: np.ndarray, crv: Curve, fill: float | None = None) -> np.ndarray:
    """Give 2D results of a curve read from planar 3D points their z column back:
    ``fill`` (default: the curve's z) for every row."""
    if crv.planar_z is None:
        return values
    z = crv.planar_z if fill is None else fill
    return np.concatenate([values, np.full((len(values), 1), z)], axis=1)


def geometry(vertices: Any, cells: Any) -> Surface | Curve:
    """Resolve a surface (3D) or a curve (2D) from arrays, a mesh object, or points with
    a boundary-group object (anything with a ``cells`` mapping) as ``cells``.

    With arrays, ``cells`` of width 2 are segments, else faces. With a mesh, 2D
    points use its ``line`` cells; 3D points use its triangle and quad cells, or its
    line cells when it has none and is planar.
    """
    if _is_group(cells):
        if _is_mesh(vertices):
            raise InvalidArgumentError("cells: must be omitted when a mesh object is given")
        return geometry(SimpleNamespace(points=vertices, cells=cells.cells), None)
    if _is_mesh(vertices):
        kinds = {k for k, _ in _cell_blocks(vertices.cells)}
        ncol = _raw(vertices.points, "mesh.points").shape[-1]
        if ncol == 3 and kinds & {"triangle", "quad"}:
            return surface(vertices, cells)
        if "line" in kinds:
            return curve(vertices, cells)
        raise InvalidMeshError(
            "mesh: needs 'triangle'/'quad' cells (3D points) or 'line' cells (2D or planar "
            f"points); has {sorted(kinds)}"
        )
    if _is_trimesh(vertices):
        return surface(vertices, cells)
    if cells is not None and _raw(cells, "cells").ndim == 2 and _raw(cells, "cells").shape[1] == 2:
        return curve(vertices, cells)
    return surface(vertices, cells)


def rng_from(seed: Any) -> np.random.Generator:
    """A numpy Generator from ``None``, an int, a numpy Generator or a torch Generator."""
    if seed is None or isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        if seed is not None and seed < 0:
            raise InvalidArgumentError(f"seed: must be >= 0, got {seed}")
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, torch.Generator):
        draw = torch.randint(0, 2**62, (1,), generator=seed, device=seed.device)
        return np.random.default_rng(int(draw.item()))
    raise InvalidArgumentError(
        f"seed: expected None, an int, numpy.random.Generator or torch.Generator, got {seed!r}"
    )


def unit_rows(v: np.ndarray, tiny: np.ndarray | None = None) -> np.ndarray:
    """Normalise the rows of ``v``; rows with norm <= ``tiny`` (default 0) become zero."""
    norm = np.sqrt((v * v).sum(axis=1))
    ok = norm > (0.0 if tiny is None else tiny)
    out = np.zeros_like(v)
    out[ok] = v[ok] / norm[ok, None]
    return out
