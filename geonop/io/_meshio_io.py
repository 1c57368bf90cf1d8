"""Volume and FE meshes through meshio: Gmsh .msh (v2 and v4), XDMF and meshio's other formats.

Gmsh physical groups become :class:`~geonop.io.Boundary` groups (see
:func:`geonop.io.convert.from_meshio`); writing a mesh with boundaries to ``.msh`` stores
them back as physical groups. ``.msh`` is written as binary MSH 2.2 by default: it keeps
the point order exactly and every Gmsh consumer (gmshToFoam, dolfin, ...) reads it; format
``"gmsh41"`` writes MSH 4.1. XDMF is written with inline XML data so that the output is a
single file (the HDF5 variant writes a side file, which cannot be replaced atomically).
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from pathlib import Path

from geonop.errors import UnsupportedFormatError
from geonop.io._guard import corrupt_file_guard
from geonop.io.convert import from_meshio, to_meshio
from geonop.io.mesh import Mesh

_GMSH_TYPES = {"vertex", "line", "line3", "triangle", "triangle6", "quad", "quad8", "quad9",
               "tetra", "tetra10", "hexahedron", "hexahedron20", "hexahedron27", "wedge",
               "wedge15", "wedge18", "pyramid", "pyramid13"}


def _msh_flavour(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(256).lstrip()
    return "ansys" if head.startswith(b"(") else "gmsh"


class _Quiet:
    """Silence meshio, which logs and prints warnings ("Experimental file format", "Couldn't
    read file") on top of raising."""

    def __enter__(self) -> None:
        self.logger = logging.getLogger("meshio")
        self.level = self.logger.level
        self.logger.setLevel(logging.CRITICAL)
        self.redirects = [contextlib.redirect_stdout(io.StringIO()),
                          contextlib.redirect_stderr(io.StringIO())]
        for r in self.redirects:
            r.__enter__()

    def __exit__(self, *exc: object) -> None:
        for r in reversed(self.redirects):
            r.__exit__(None, None, None)
        self.logger.setLevel(self.level)


@contextlib.contextmanager
def _gmsh22_cell_data_fix() -> Iterator[None]:
    """meshio 5.3's MSH 2.2 reader splits ``$ElementData`` by ``len((type, array)) == 2``
    instead of the block sizes, so any file with element data and two or more element
    blocks fails to read. Patch the split for the duration of a read."""
    try:
        from meshio.gmsh import _gmsh22
    except ImportError:  # a meshio without this module has a different reader
        yield
        return
    original = getattr(_gmsh22, "cell_data_from_raw", None)
    if original is None:
        yield
        return

    def fixed(cells, cell_data_raw):
        import numpy as np

        sizes = [len(c[1]) if isinstance(c, tuple) else len(c) for c in cells]
        cuts = np.cumsum(sizes)[:-1]
        return {name: np.split(d, cuts) for name, d in cell_data_raw.items()}

    _gmsh22.cell_data_from_raw = fixed
    try:
        yield
    finally:
        _gmsh22.cell_data_from_raw = original


def read_meshio(path: Path, fmt: str) -> Mesh:
    """Read any meshio format; ``fmt`` is geonop's format name (``"gmsh"``, ``"xdmf"``, ...)."""
    from meshio._helpers import reader_map

    file_format = _msh_flavour(path) if fmt == "gmsh" else fmt
    # call the format's reader directly: meshio.read prints and calls sys.exit on failure
    with corrupt_file_guard(path, file_format), _Quiet(), _gmsh22_cell_data_fix():
        return from_meshio(reader_map[file_format](str(path)))


def _gmsh_entities(m) -> None:
    """Give every cell block its own Gmsh entity and every entity at least one node.

    Gmsh 4.1 files list nodes per entity (``gmsh:dim_tags``) and meshio writes only the
    entities that own nodes, so an entity without nodes would be missing from the file.
    """
    import numpy as np

    n = len(m.points)
    geometrical, next_tag = [], {}
    for block in m.cells:
        dim = block.dim
        next_tag[dim] = next_tag.get(dim, 0) + 1
        geometrical.append(np.full(len(block.data), next_tag[dim], dtype=np.int64))
    m.cell_data["gmsh:geometrical"] = geometrical
    if "gmsh:physical" not in m.cell_data:
        m.cell_data["gmsh:physical"] = [np.ones(len(b.data), dtype=np.int64) for b in m.cells]
    owner = np.full(n, -1, dtype=np.int64)  # block owning each node: the last one using it
    for i, block in enumerate(m.cells):
        owner[np.asarray(block.data).ravel()] = i
    for i, block in enumerate(m.cells):
        if len(block.data) and not np.any(owner == i):
            counts = np.bincount(owner[owner >= 0], minlength=len(m.cells))
            for node in np.asarray(block.data[0]).ravel():
                if counts[owner[node]] > 1:
                    owner[node] = i
                    break
    owner[owner < 0] = 0  # nodes used by no cell join the first entity
    dims = np.array([b.dim for b in m.cells])
    tags = np.array([g[0] if len(g) else 0 for g in geometrical])
    m.point_data["gmsh:dim_tags"] = np.stack([dims[owner], tags[owner]], axis=1)


def write_meshio(mesh: Mesh, path: Path, fmt: str, binary: bool = True) -> None:
    """Write ``mesh`` with meshio.

    Parameters
    ----------
    fmt : str
        ``"gmsh"``/``"gmsh22"`` (MSH 2.2: keeps the point order, read by every Gmsh
        consumer), ``"gmsh41"`` (MSH 4.1: Gmsh groups nodes by entity, so the point order
        changes on reading), ``"xdmf"`` or another meshio format name.
    binary : bool
        Binary Gmsh output (default; meshio's ASCII writer mangles field values under numpy 2);
        ignored by other formats.
    """
    import meshio

    if fmt in ("gmsh", "gmsh22", "gmsh41"):
        bad = [t for t in mesh.cells if t not in _GMSH_TYPES]
        bad += [t for b in mesh.boundaries.values() for t in b.cells if t not in _GMSH_TYPES]
        if bad:
            raise UnsupportedFormatError(path, f"Gmsh cannot store {sorted(set(bad))} cells")
        m = to_meshio(mesh, boundaries=True)
        version = "4.1" if fmt == "gmsh41" else "2.2"
        if version == "4.1" and len(m.cells) > 1:
            _gmsh_entities(m)
        with _Quiet():
            meshio.gmsh.write(str(path), m, fmt_version=version, binary=binary)
        return
    m = to_meshio(mesh, boundaries=False)
    with _Quiet():
        if fmt == "xdmf":
            meshio.xdmf.write(str(path), m, data_format="XML")
        else:
            meshio.write(str(path), m, file_format=fmt)
