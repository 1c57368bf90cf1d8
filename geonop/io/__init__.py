"""Mesh and point-cloud input/output: the :class:`Mesh` type, :func:`read`, :func:`write`.

>>> import geonop
>>> mesh = geonop.read("meshes/part.stl")          # doctest: +SKIP
>>> geonop.write(mesh, "out/part.vtu")             # doctest: +SKIP
>>> data = mesh.to_data()                          # torch_geometric Data  # doctest: +SKIP

Modules: :mod:`~geonop.io.mesh` (the type), :mod:`~geonop.io.read`/:mod:`~geonop.io.write`
(entry points), :mod:`~geonop.io.formats` (what is supported), :mod:`~geonop.io.convert`
and :mod:`~geonop.io.pyg` (pyvista, meshio, trimesh, torch_geometric),
:mod:`~geonop.io.validate`/:mod:`~geonop.io.clean` (checks and repair),
:mod:`~geonop.io.openfoam`, :mod:`~geonop.io.airfoil`, :mod:`~geonop.io.pointcloud`
(format readers), :mod:`~geonop.io.describe` (summary for ``geonop info``).
"""

from geonop.io.convert import as_mesh
from geonop.io.describe import describe
from geonop.io.formats import SUPPORTED_READ_FORMATS, SUPPORTED_WRITE_FORMATS
from geonop.io.mesh import Boundary, Mesh
from geonop.io.read import read
from geonop.io.write import atomic_write, atomic_write_bytes, atomic_write_text, write

__all__ = [
    "SUPPORTED_READ_FORMATS",
    "SUPPORTED_WRITE_FORMATS",
    "Boundary",
    "Mesh",
    "as_mesh",
    "describe",
    "read",
    "write",
    "atomic_write",
    "atomic_write_text",
    "atomic_write_bytes",
]
