"""Which file formats geonop reads and writes, and how a path's format is recognised.

A format has a name (``"stl"``, ``"gmsh"``, ``"openfoam"``, ``"airfoil"``, ...) and file
extensions. Paths are matched on their lower-cased suffix, compound ones (``.vol.gz``)
first. A folder is an OpenFOAM case when it holds ``system/controlDict`` or
``constant/polyMesh``; a ``.dat`` file is an airfoil coordinate file unless it starts like a
Tecplot file (``TITLE``/``VARIABLES``/``ZONE``).
"""

from __future__ import annotations

import os
from pathlib import Path

from geonop.errors import UnsupportedFormatError

# name -> extensions; the family (which module reads it) is in _READ_FAMILY
_OWN_READ: dict[str, tuple[str, ...]] = {
    "stl": (".stl",),
    "obj": (".obj",),
    "ply": (".ply",),
    "off": (".off",),
    "glb": (".glb", ".gltf"),
    "vtu": (".vtu",),
    "vtp": (".vtp",),
    "vtk": (".vtk",),
    "gmsh": (".msh",),
    "xdmf": (".xdmf", ".xmf"),
    "openfoam": (".foam", ".openfoam"),
    "airfoil": (".dat",),
    "npz": (".npz",),
    "npy": (".npy",),
    "csv": (".csv",),
    "xyz": (".xyz",),
}
_READ_FAMILY: dict[str, str] = {
    **{k: "trimesh" for k in ("stl", "obj", "ply", "off", "glb")},
    **{k: "pyvista" for k in ("vtu", "vtp", "vtk")},
    "gmsh": "meshio",
    "xdmf": "meshio",
    "openfoam": "openfoam",
    "airfoil": "airfoil",
    **{k: "pointcloud" for k in ("npz", "npy", "csv", "xyz")},
}
# meshio formats not covered above; multi-file ones (tetgen node/ele pairs) are read-only
_MESHIO_READ: dict[str, tuple[str, ...]] = {
    "abaqus": (".inp",),
    "ansys": (),
    "avsucd": (".avs",),
    "cgns": (".cgns",),
    "dolfin-xml": (".xml",),
    "exodus": (".e", ".exo", ".ex2"),
    "flac3d": (".f3grid",),
    "h5m": (".h5m",),
    "hmf": (".hmf",),
    "mdpa": (".mdpa",),
    "med": (".med",),
    "medit": (".mesh", ".meshb"),
    "nastran": (".bdf", ".fem", ".nas"),
    "netgen": (".vol", ".vol.gz"),
    "permas": (".post", ".post.gz", ".dato", ".dato.gz"),
    "su2": (".su2",),
    "tecplot": (".tec",),
    "tetgen": (".node", ".ele"),
    "ugrid": (".ugrid",),
    "wkt": (".wkt",),
}

#: format name -> file extensions geonop reads (``"openfoam"`` also takes a case folder)
SUPPORTED_READ_FORMATS: dict[str, tuple[str, ...]] = {**_OWN_READ, **_MESHIO_READ}

_OWN_WRITE: dict[str, tuple[str, ...]] = {
    "vtu": (".vtu",),
    "vtp": (".vtp",),
    "vtk": (".vtk",),
    "ply": (".ply",),
    "stl": (".stl",),
    "obj": (".obj",),
    "off": (".off",),
    "glb": (".glb",),
    "gmsh": (".msh",),
    "gmsh22": (),
    "gmsh41": (),
    "xdmf": (".xdmf", ".xmf"),
    "npz": (".npz",),
    "npy": (".npy",),
    "csv": (".csv",),
}
_WRITE_FAMILY: dict[str, str] = {
    **{k: "pyvista" for k in ("vtu", "vtp", "vtk")},
    "ply": "ply",
    **{k: "trimesh" for k in ("stl", "obj", "off", "glb")},
    **{k: "meshio" for k in ("gmsh", "gmsh22", "gmsh41", "xdmf")},
    **{k: "pointcloud" for k in ("npz", "npy", "csv")},
}
# single-file meshio writers (tetgen and dolfin-xml write several files, not atomic)
_MESHIO_WRITE: dict[str, tuple[str, ...]] = {
    k: v for k, v in _MESHIO_READ.items()
    if k not in ("ansys", "tetgen", "dolfin-xml", "wkt", "cgns", "h5m", "med", "exodus")
}

#: format name -> file extensions geonop writes
SUPPORTED_WRITE_FORMATS: dict[str, tuple[str, ...]] = {**_OWN_WRITE, **_MESHIO_WRITE}

_TECPLOT_WORDS = (b"TITLE", b"VARIABLES", b"ZONE", b"#!MC")


def _suffix_match(path: Path, table: dict[str, tuple[str, ...]]) -> tuple[str, str] | None:
    name = path.name.lower()
    best = None
    for fmt, exts in table.items():
        for ext in exts:
            if name.endswith(ext) and (best is None or len(ext) > len(best[1])):
                best = (fmt, ext)
    return best


def _listing(table: dict[str, tuple[str, ...]]) -> str:
    return ", ".join(sorted({e for exts in table.values() for e in exts}))


def is_openfoam_case(path: Path) -> bool:
    """Whether ``path`` is a folder holding an OpenFOAM case."""
    return path.is_dir() and (
        (path / "system" / "controlDict").is_file() or (path / "constant" / "polyMesh").is_dir()
    )


def _normalise(fmt: str) -> str:
    return fmt.lower().lstrip(".")


def read_format(path: Path, format: str | None = None) -> tuple[str, str]:
    """Resolve the format of an existing ``path``.

    Parameters
    ----------
    path : Path
        File or folder.
    format : str, optional
        Explicit format name (a key of :data:`SUPPORTED_READ_FORMATS` or an extension).

    Returns
    -------
    (name, family) : tuple[str, str]
        Family is the reading module: ``trimesh``, ``pyvista``, ``meshio``, ``openfoam``,
        ``airfoil`` or ``pointcloud``.
    """
    if format is not None:
        fmt = _normalise(format)
        if fmt not in SUPPORTED_READ_FORMATS:
            by_ext = _suffix_match(Path("x." + fmt), SUPPORTED_READ_FORMATS)
            if by_ext is None:
                raise UnsupportedFormatError(
                    path, f"unknown format {format!r}; supported: "
                    f"{', '.join(sorted(SUPPORTED_READ_FORMATS))}")
            fmt = by_ext[0]
        return fmt, _READ_FAMILY.get(fmt, "meshio")
    if path.is_dir():
        if is_openfoam_case(path):
            return "openfoam", "openfoam"
        raise UnsupportedFormatError(
            path, "folder is not an OpenFOAM case (no system/controlDict or constant/polyMesh)")
    match = _suffix_match(path, SUPPORTED_READ_FORMATS)
    if match is None:
        raise UnsupportedFormatError(
            path, f"unknown file extension {path.suffix or '(none)'!r}; geonop reads "
            f"{_listing(SUPPORTED_READ_FORMATS)} and OpenFOAM case folders")
    fmt = match[0]
    if fmt == "airfoil" and _looks_like_tecplot(path):
        fmt = "tecplot"
    return fmt, _READ_FAMILY.get(fmt, "meshio")


def _looks_like_tecplot(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096).lstrip().upper()
    except OSError:
        return False
    return head.startswith(_TECPLOT_WORDS)


def write_format(path: Path, format: str | None = None) -> tuple[str, str, str]:
    """Resolve the output format of ``path``.

    Returns
    -------
    (name, family, extension) : tuple[str, str, str]
        ``extension`` is the suffix a temporary file needs for extension-driven writers.
    """
    if format is not None:
        fmt = _normalise(format)
        if fmt not in SUPPORTED_WRITE_FORMATS:
            by_ext = _suffix_match(Path("x." + fmt), SUPPORTED_WRITE_FORMATS)
            if by_ext is None:
                raise UnsupportedFormatError(
                    path, f"cannot write format {format!r}; supported: "
                    f"{', '.join(sorted(SUPPORTED_WRITE_FORMATS))}")
            fmt = by_ext[0]
        exts = SUPPORTED_WRITE_FORMATS[fmt] or (".msh",)
        match = _suffix_match(path, {fmt: exts})
        ext = match[1] if match else exts[0]
        return fmt, _WRITE_FAMILY.get(fmt, "meshio"), ext
    match = _suffix_match(path, SUPPORTED_WRITE_FORMATS)
    if match is None:
        raise UnsupportedFormatError(
            path, f"cannot write extension {path.suffix or '(none)'!r}; geonop writes "
            f"{_listing(SUPPORTED_WRITE_FORMATS)}")
    return match[0], _WRITE_FAMILY.get(match[0], "meshio"), match[1]


def as_path(path: os.PathLike[str] | str) -> Path:
    """``Path`` with ``~`` expanded."""
    return Path(os.fspath(path)).expanduser()


__all__ = [
    "SUPPORTED_READ_FORMATS",
    "SUPPORTED_WRITE_FORMATS",
    "as_path",
    "is_openfoam_case",
    "read_format",
    "write_format",
]
