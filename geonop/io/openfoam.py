"""OpenFOAM cases through pyvista's (VTK's) OpenFOAM reader.

A case is a folder with ``system/controlDict`` (or ``constant/polyMesh``), or a ``.foam``
file inside one. The reader returns

- the internal mesh as the Mesh's points and cells (hexahedra, wedges, pyramids, tetrahedra
  and, for general polyhedral meshes, ``polyhedron`` cells: one geonop cell per OpenFOAM
  cell, so cell fields keep one row per cell);
- every boundary patch as a :class:`~geonop.io.Boundary` whose faces index the internal
  mesh's points (VTK gives each patch its own copy of the points; they are mapped back by
  exact coordinate match with a KD-tree) and whose ``cell_data`` holds the patch values of
  the fields;
- the cell fields of the chosen time (``time=``, default the latest) as cell data, and the
  point fields VTK interpolates from them as point data.

``meta`` records ``time`` (the time folder's name), ``times`` (all times found) and
``case`` (the folder). Nothing is written into the case folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from geonop.errors import CorruptFileError, InvalidArgumentError
from geonop.io._guard import corrupt_file_guard, quiet_vtk
from geonop.io.convert import from_pyvista
from geonop.io.mesh import Boundary, Mesh

# points of a patch and of the internal mesh are copies of the same numbers; allow only
# rounding-level differences relative to the mesh size
_MATCH_RTOL = 1e-9


def _case_and_file(path: Path) -> tuple[Path, Path]:
    if path.is_dir():
        return path, path / "system" / "controlDict"
    return path.parent, path


def _time_folders(case: Path) -> dict[float, str]:
    """Time value -> folder name of every numeric folder in the case."""
    out = {}
    for child in case.iterdir():
        if child.is_dir():
            try:
                out[float(child.name)] = child.name
            except ValueError:
                continue
    return out


def _pick_time(reader: Any, time: None | str | float, case: Path) -> float | None:
    values = [float(t) for t in reader.time_values]
    if not values:
        if time is not None:
            raise InvalidArgumentError(f"time={time!r}: case {case} has no time folders")
        return None
    if time is None:
        return max(values)
    try:
        wanted = float(time)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"time must be a number or a time folder name, got {time!r}") from exc
    for v in values:
        if np.isclose(v, wanted, rtol=1e-9, atol=1e-12):
            return v
    raise InvalidArgumentError(f"time={time!r} is not in case {case}; available times: {values}")


def _patch_names(reader: Any) -> list[str]:
    names = []
    for name in reader.patch_array_names:
        if name.startswith("patch/") or name != "internalMesh" and "/" not in name:
            names.append(name)
    return names


def _map_patch(case: Path, name: str, patch: Any, tree: Any, scale: float) -> Boundary:
    local = from_pyvista(patch)
    if local.num_points == 0:
        return Boundary({})
    dist, idx = tree.query(local.points)
    if np.max(dist) > _MATCH_RTOL * scale:
        worst = int(np.argmax(dist))
        raise CorruptFileError(
            case, f"patch '{name}': point {worst} at {local.points[worst].tolist()} is not a "
            "point of the internal mesh")
    cells: dict[str, Any] = {}
    for t, block in local.cells.items():
        if t == "polygon":
            cells[t] = [idx[p] for p in block]
        elif t == "polyhedron":
            cells[t] = [[idx[f] for f in c] for c in block]
        else:
            cells[t] = idx[block]
    return Boundary(cells, local.cell_data)


def read_openfoam(path: Path, time: None | str | float = None,
                  point_fields: bool = True) -> Mesh:
    """Read an OpenFOAM case (folder or ``.foam`` file).

    Parameters
    ----------
    path : Path
        Case folder, or a ``.foam``/``.OpenFOAM`` file in it.
    time : str or float, optional
        Time to load (``"0.5"`` or ``0.5``); default the latest time folder.
    point_fields : bool
        Also return VTK's cell-to-point interpolation of the fields as point data.
    """
    import pyvista as pv
    from scipy.spatial import cKDTree

    case, file = _case_and_file(path)
    if not (case / "constant" / "polyMesh").is_dir() and not any(case.glob("processor*")):
        raise CorruptFileError(case, "OpenFOAM case has no constant/polyMesh (run blockMesh first?)")
    with corrupt_file_guard(case, "OpenFOAM"):
        with quiet_vtk() as errors:
            reader = pv.POpenFOAMReader(str(file))
            if not (case / "constant" / "polyMesh").is_dir():
                reader.case_type = "decomposed"
            chosen = _pick_time(reader, time, case)
            if chosen is not None:
                reader.set_active_time_value(chosen)
            reader.disable_all_patch_arrays()
            reader.enable_patch_array("internalMesh")
            for name in _patch_names(reader):
                reader.enable_patch_array(name)
            reader.enable_all_cell_arrays()
            reader.cell_to_point_creation = bool(point_fields)
            blocks = reader.read()
        internal = blocks.get("internalMesh") if blocks is not None else None
        if internal is None or internal.n_points == 0 or internal.n_cells == 0:
            detail = errors[0] if errors else "no internal mesh"
            raise CorruptFileError(case, f"cannot read OpenFOAM mesh ({detail})")
        mesh = from_pyvista(internal)
        if not point_fields:
            mesh.point_data.clear()
        scale = float(np.linalg.norm(np.ptp(mesh.points, axis=0))) or 1.0
        tree = cKDTree(mesh.points)
        patches = blocks.get("boundary")
        if patches is not None:
            for name in patches.keys():  # noqa: SIM118 - MultiBlock iterates blocks, not names
                patch = patches[name]
                if patch is not None:
                    mesh.boundaries[name] = _map_patch(case, name, patch, tree, scale)
    folders = _time_folders(case)
    mesh.meta.update({
        "case": str(case),
        "times": [folders.get(float(t), f"{float(t):g}") for t in reader.time_values],
        "time": None if chosen is None else folders.get(chosen, f"{chosen:g}"),
    })
    return mesh


__all__ = ["read_openfoam"]
