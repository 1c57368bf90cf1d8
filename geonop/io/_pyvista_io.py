"""VTK files through pyvista: VTU, VTP and legacy VTK.

pyvista reads every VTK cell type, including the polyhedra of newer VTU files (format 2.3)
that meshio cannot read; meshio is tried second for ``.vtu``/``.vtk`` files VTK rejects.
VTK reports a corrupt file on its error output instead of raising, so errors are collected
and turned into :class:`~geonop.errors.CorruptFileError`.
"""

from __future__ import annotations

from pathlib import Path

from geonop.errors import CorruptFileError, UnsupportedFormatError, WriteError
from geonop.io._guard import corrupt_file_guard, quiet_vtk
from geonop.io.convert import from_pyvista, to_pyvista
from geonop.io.mesh import Mesh


def read_pyvista(path: Path, fmt: str) -> Mesh:
    """Read a ``.vtu``, ``.vtp`` or ``.vtk`` file."""
    import pyvista as pv

    with corrupt_file_guard(path, fmt.upper()):
        with quiet_vtk() as errors:
            dataset = pv.read(str(path), force_ext=f".{fmt}")
        if errors or dataset is None:
            problem = errors[0] if errors else "VTK returned no data"
            if fmt in ("vtu", "vtk"):
                try:
                    from geonop.io._meshio_io import read_meshio

                    return read_meshio(path, fmt)
                except CorruptFileError:
                    pass
            raise CorruptFileError(path, f"cannot parse {fmt.upper()} file ({problem.strip()})")
        return from_pyvista(dataset)


def write_pyvista(mesh: Mesh, path: Path, fmt: str, binary: bool = True) -> None:
    """Write ``mesh`` as VTU (unstructured grid), VTP (surfaces, curves, points) or legacy VTK."""
    if fmt == "vtp":
        from geonop.errors import InvalidMeshError

        try:
            dataset = to_pyvista(mesh, kind="polydata")
        except InvalidMeshError as exc:
            raise UnsupportedFormatError(
                path, f"VTP stores points, lines and polygons; this mesh has "
                f"{list(mesh.cells)} cells (write .vtu instead)") from exc
    else:
        dataset = to_pyvista(mesh, kind="unstructured" if fmt == "vtu" else "auto")
    with quiet_vtk() as errors:
        dataset.save(str(path), binary=binary)
    if errors:
        raise WriteError(path, f"VTK could not write the file ({errors[0]})")
