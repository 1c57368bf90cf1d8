"""``geonop.write``: atomic output of a mesh to VTU/VTP/VTK/PLY/STL/OBJ/OFF/GLB/MSH/XDMF/NPZ/CSV.

Writing is atomic: the data goes to a temporary file in the destination folder, which then
replaces the destination with :func:`os.replace` (atomic on POSIX and Windows within one
file system). If anything fails, the previous file is untouched and the temporary file is
removed; the failure is raised as :class:`~geonop.errors.WriteError` (an ``OSError``), or
as :class:`~geonop.errors.UnsupportedFormatError` when the format cannot hold the mesh (a
volume mesh to STL, cells to CSV).
"""

from __future__ import annotations

import importlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from geonop.errors import GeonopError, WriteError
from geonop.io._guard import check_kwargs, describe_exception
from geonop.io.convert import as_mesh
from geonop.io.formats import as_path, write_format

# family -> (module, function, passes the format name); looked up at call time so that a
# test can patch the inner writer
_WRITERS: dict[str, tuple[str, str, bool]] = {
    "pyvista": ("geonop.io._pyvista_io", "write_pyvista", True),
    "ply": ("geonop.io._ply", "write_ply", False),
    "trimesh": ("geonop.io._trimesh_io", "write_trimesh", True),
    "meshio": ("geonop.io._meshio_io", "write_meshio", True),
    "pointcloud": ("geonop.io.pointcloud", "write_pointcloud", True),
}


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write_to: Callable[[Path], None], suffix: str = "") -> None:
    """Call ``write_to(tmp)`` on a temporary file next to ``path``, then move it into place.

    Parameters
    ----------
    path : Path
        Destination; its folder is created if needed.
    write_to : callable
        Writes the whole output to the path it is given.
    suffix : str
        Extension the temporary file needs (writers that pick a format by extension).

    Raises
    ------
    WriteError
        On any failure (``OSError`` or a writer's exception); ``path`` is left as it was.
    """
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{suffix}", dir=path.parent)
        os.close(fd)
        write_to(Path(tmp))
        # mkstemp creates 0600 files; give the result the mode a normal open() would
        mode = (path.stat().st_mode & 0o7777) if path.exists() else (0o666 & ~_umask())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        tmp = None
    except GeonopError:
        raise
    except OSError as exc:
        raise WriteError(path, f"cannot write ({describe_exception(exc)})") from exc
    except Exception as exc:
        raise WriteError(path, f"writing failed ({describe_exception(exc)})") from exc
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    path = Path(path)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    path = Path(path)
    atomic_write(path, lambda tmp: tmp.write_bytes(data))
    return path


def write(obj: Any, path: str | os.PathLike[str], *, format: str | None = None,
          **kwargs: Any) -> Path:
    """Write a mesh (or anything :func:`~geonop.io.convert.as_mesh` accepts) to ``path``.

    Parameters
    ----------
    obj : Mesh | pyvista.DataSet | meshio.Mesh | trimesh.Trimesh | Data | np.ndarray
        What to write; a point array [N, d] is a point cloud.
    path : str or os.PathLike
        Destination; the extension picks the format unless ``format`` is given.
    format : str, optional
        A key of :data:`~geonop.io.SUPPORTED_WRITE_FORMATS` (e.g. ``"gmsh22"`` for Gmsh 2.2).
    **kwargs
        Writer options: ``binary`` (VTU/VTP/VTK, Gmsh), ``compressed`` (npz).

    Returns
    -------
    Path
        The written path.

    Notes
    -----
    What each format keeps: VTU/VTK everything but boundary groups; VTP surfaces, curves and
    points; PLY float64 points, surface triangles (quads split) and fields; STL/OBJ/OFF/GLB
    surface triangles only; MSH cells and boundary groups (as physical groups) and fields;
    NPZ everything; CSV/NPY points (and fields, CSV).
    """
    p = as_path(path)
    fmt, family, ext = write_format(p, format)
    mesh = as_mesh(obj, source=str(p))
    module, name, takes_format = _WRITERS[family]
    writer = getattr(importlib.import_module(module), name)
    check_kwargs(writer, kwargs, f"writing {fmt}", skip=3 if takes_format else 2)
    if takes_format:
        atomic_write(p, lambda tmp: writer(mesh, tmp, fmt, **kwargs), ext)
    else:
        atomic_write(p, lambda tmp: writer(mesh, tmp, **kwargs), ext)
    return p


__all__ = ["atomic_write", "write"]
