"""Surface meshes through trimesh: STL, OBJ, PLY, OFF, GLB/glTF.

Reading keeps the file's vertices in file order (``process=False``), except for STL: an STL
stores three separate vertices per triangle, so trimesh's processing merges the copies into
shared vertices (vertex order then follows first use). PLY vertex and face properties become
point and cell data. A glTF scene's meshes are concatenated with their transforms applied.

STL files are checked before parsing because trimesh returns an empty mesh, not an error,
for a truncated one.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from geonop.errors import CorruptFileError, UnsupportedFormatError
from geonop.io._columns import group_columns
from geonop.io._guard import corrupt_file_guard
from geonop.io.convert import from_trimesh, surface_triangles, to_trimesh
from geonop.io.mesh import Mesh

_PLY_SKIP = {"x", "y", "z", "vertex_indices", "vertex_index"}


def _check_stl(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(84)
    if len(head) == 84:
        (count,) = struct.unpack("<I", head[80:84])
        if size == 84 + 50 * count:
            return  # a consistent binary STL (its header may well start with "solid")
    if head.lstrip().lower().startswith(b"solid"):
        with open(path, "rb") as fh:
            fh.seek(max(0, size - 4096))
            tail = fh.read().lower()
        if b"endsolid" not in tail:
            raise CorruptFileError(path, "truncated ASCII STL (no closing 'endsolid')")
        return
    if len(head) < 84:
        raise CorruptFileError(path, f"truncated binary STL ({size} bytes, header needs 84)")
    raise CorruptFileError(
        path, f"truncated or corrupt binary STL (header announces {count} triangles = "
        f"{84 + 50 * count} bytes, file has {size})")


def _ply_fields(obj, n: int) -> tuple[dict, dict]:
    """Point and cell data from the PLY properties trimesh keeps in ``metadata['_ply_raw']``."""
    raw = getattr(obj, "metadata", {}).get("_ply_raw") or {}
    out = []
    for element, length in (("vertex", n), ("face", len(getattr(obj, "faces", [])))):
        data = (raw.get(element) or {}).get("data")
        if data is None:
            out.append({})
            continue
        names = data.dtype.names if isinstance(data, np.ndarray) else list(data)
        columns = []
        for k in names or ():
            if k in _PLY_SKIP:
                continue
            v = np.asarray(data[k])
            if v.dtype.kind in "biuf" and v.ndim >= 1 and len(v) == length and v.size == length:
                columns.append((k, v.reshape(length)))
        out.append(group_columns(columns))
    return out[0], out[1]


def _check_off(path: Path, mesh: Mesh) -> None:
    """trimesh reads a truncated OFF file without complaint; compare with its header counts."""
    with open(path, "rb") as fh:
        head = fh.read(4096).decode("ascii", "replace")
    tokens = [t for line in head.splitlines() if not line.lstrip().startswith("#")
              for t in line.split()]
    if tokens and tokens[0].upper().endswith("OFF"):
        tokens = tokens[1:]
    try:
        n_vertices, n_faces = int(tokens[0]), int(tokens[1])
    except (IndexError, ValueError):
        raise CorruptFileError(path, "OFF header has no vertex and face counts") from None
    n_tris = mesh.num_cells
    if mesh.num_points != n_vertices or n_tris < n_faces:
        raise CorruptFileError(
            path, f"truncated OFF file (header announces {n_vertices} vertices and {n_faces} "
            f"faces, found {mesh.num_points} and {n_tris} triangles)")


def _check_obj_tail(path: Path) -> None:
    """A file cut mid-line leaves a short last ``v``/``f`` record that trimesh skips silently.

    (A file cut exactly at a line break cannot be told from a smaller model.)
    """
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(0, size - 1024))
        lines = fh.read().decode("ascii", "replace").strip().splitlines()
    tokens = lines[-1].split() if lines else []
    need = {"v": 4, "f": 4, "vn": 4, "vt": 3}
    if tokens and tokens[0] in need and len(tokens) < need[tokens[0]]:
        raise CorruptFileError(path, f"truncated OBJ file (last line incomplete: {lines[-1].strip()!r})")


def read_trimesh(path: Path, fmt: str) -> Mesh:
    """Read an STL/OBJ/PLY/OFF/GLB file (``fmt`` is the format name)."""
    import trimesh

    if fmt == "stl":
        _check_stl(path)
    file_type = {"glb": path.suffix.lower().lstrip(".") or "glb"}.get(fmt, fmt)
    with corrupt_file_guard(path, fmt.upper()):
        obj = trimesh.load(str(path), file_type=file_type, process=(fmt == "stl"),
                           maintain_order=True)
        mesh = from_trimesh(obj)
        if fmt == "off":
            _check_off(path, mesh)
        if fmt == "obj":
            _check_obj_tail(path)
        if fmt == "glb":  # glTF requires custom attribute names to start with "_"
            mesh.point_data = {k[1:] if k.startswith("_") and len(k) > 1 else k: v
                               for k, v in mesh.point_data.items()}
        if fmt == "stl":  # the 2-byte attribute field of binary STL, almost always zero
            stl = mesh.cell_data.pop("stl", None)
            if stl is not None and np.any(stl):
                mesh.cell_data["stl_attribute"] = stl
        if fmt == "ply":
            point_data, cell_data = _ply_fields(obj, mesh.num_points)
            mesh.point_data.update(point_data)
            if cell_data and mesh.cells:
                mesh.cell_data.update(cell_data)
    return mesh


def write_trimesh(mesh: Mesh, path: Path, fmt: str) -> None:
    """Write the surface triangles of ``mesh`` as STL/OBJ/OFF/GLB (binary STL)."""
    if mesh.is_point_cloud:
        raise UnsupportedFormatError(
            path, f"{fmt.upper()} stores triangle surfaces, not a point cloud "
            "(write .ply, .vtp or .npz instead)")
    if not len(surface_triangles(mesh)[0]):
        raise UnsupportedFormatError(
            path, f"{fmt.upper()} stores triangle surfaces; this mesh has only "
            f"{list(mesh.cells)} cells (write .vtu instead)")
    obj = to_trimesh(mesh)
    if fmt == "obj":  # default precision is 8 digits; keep float64 round trips exact
        from trimesh.exchange.obj import export_obj

        text = export_obj(obj, digits=17, include_normals=False, include_color=False,
                          include_texture=False)
        path.write_text(text)
        return
    obj.export(str(path), file_type=fmt)
