"""``geonop.read``: one entry point for every mesh, point-cloud and case format.

The format comes from the extension (or ``format=``), a folder is an OpenFOAM case. Every
failure is a :class:`~geonop.errors.GeonopError` naming the path: a missing path
(:class:`~geonop.errors.MissingFileError`), an unknown extension
(:class:`~geonop.errors.UnsupportedFormatError`, listing what is supported), a file that
cannot be parsed (:class:`~geonop.errors.CorruptFileError`) or a mesh that is unusable
(:class:`~geonop.errors.InvalidMeshError`, see :mod:`geonop.io.validate`).
"""

from __future__ import annotations

import os
from typing import Any

from geonop.errors import CorruptFileError, InvalidArgumentError, MissingFileError
from geonop.io._guard import check_kwargs
from geonop.io.formats import as_path, read_format
from geonop.io.mesh import Mesh

# family -> (module, function); looked up at call time so tests can patch a reader
_READERS: dict[str, tuple[str, str]] = {
    "trimesh": ("geonop.io._trimesh_io", "read_trimesh"),
    "pyvista": ("geonop.io._pyvista_io", "read_pyvista"),
    "meshio": ("geonop.io._meshio_io", "read_meshio"),
    "pointcloud": ("geonop.io.pointcloud", "read_pointcloud"),
    "openfoam": ("geonop.io.openfoam", "read_openfoam"),
    "airfoil": ("geonop.io.airfoil", "read_airfoil"),
}
# families whose reader takes (path, format name, **options); the others take (path, **options)
_TAKES_FORMAT = {"trimesh", "pyvista", "meshio", "pointcloud"}


def _reader(family: str):
    import importlib

    module, name = _READERS[family]
    return getattr(importlib.import_module(module), name)


def read(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    time: None | str | float = None,
    clean: bool = False,
    validate: bool = True,
    **kwargs: Any,
) -> Mesh:
    """Read a mesh, point cloud, airfoil or OpenFOAM case into a :class:`Mesh`.

    Parameters
    ----------
    path : str or os.PathLike
        A file (STL, OBJ, PLY, OFF, GLB, VTU, VTP, VTK, Gmsh MSH v2/v4, XDMF and meshio's
        other formats, airfoil ``.dat``, ``.npz``, ``.npy``, ``.csv``, ``.xyz``), an
        OpenFOAM case folder or its ``.foam`` file.
    format : str, optional
        Force a format (a key of :data:`~geonop.io.SUPPORTED_READ_FORMATS`).
    time : str or float, optional
        OpenFOAM only: the time to load; default the latest.
    clean : bool
        Merge duplicate points and drop degenerate cells (:meth:`Mesh.clean`) before
        validating.
    validate : bool
        Check the mesh (:meth:`Mesh.validate`) and raise on problems.
    **kwargs
        Format options: ``delimiter``/``dim`` (CSV), ``dim`` (XYZ), ``point_fields``
        (OpenFOAM).

    Returns
    -------
    Mesh
        ``meta["source"]`` is the path and ``meta["format"]`` the format name.

    Examples
    --------
    >>> mesh = geonop.read("meshes/part.stl")            # doctest: +SKIP
    >>> case = geonop.read("meshes/airfoil_case", time="0.5")  # doctest: +SKIP
    """
    p = as_path(path)
    if not p.exists():
        raise MissingFileError(p, "no such file or folder")
    fmt, family = read_format(p, format)
    if time is not None and family != "openfoam":
        raise InvalidArgumentError(f"time={time!r} applies to OpenFOAM cases only; {p} is {fmt}")
    if p.is_file() and family != "openfoam" and p.stat().st_size == 0:
        raise CorruptFileError(p, f"empty file (0 bytes), expected {fmt}")
    reader = _reader(family)
    if family == "openfoam":
        check_kwargs(reader, {"time": time, **kwargs}, f"reading {fmt}", skip=1)
        mesh = reader(p, time=time, **kwargs)
    elif family in _TAKES_FORMAT:
        if family != "pointcloud":
            check_kwargs(reader, kwargs, f"reading {fmt}", skip=2)
        mesh = reader(p, fmt, **kwargs)
    else:
        check_kwargs(reader, kwargs, f"reading {fmt}", skip=1)
        mesh = reader(p, **kwargs)
    mesh.meta["source"] = str(p)
    mesh.meta.setdefault("format", fmt)
    if clean:
        mesh = mesh.clean()
    if validate:
        mesh.validate(str(p))
    return mesh


__all__ = ["read"]
