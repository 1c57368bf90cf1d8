"""Format registry and detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from geonop.errors import UnsupportedFormatError
from geonop.io import SUPPORTED_READ_FORMATS, SUPPORTED_WRITE_FORMATS
from geonop.io.formats import read_format, write_format


def test_registries_cover_the_required_formats():
    for fmt in ("stl", "obj", "ply", "off", "glb", "vtu", "vtk", "vtp", "gmsh", "xdmf",
                "openfoam", "airfoil", "npz", "npy", "csv", "xyz", "abaqus", "medit"):
        assert fmt in SUPPORTED_READ_FORMATS
    for fmt in ("vtu", "vtp", "ply", "stl", "npz", "gmsh", "xdmf"):
        assert fmt in SUPPORTED_WRITE_FORMATS


@pytest.mark.parametrize("name, fmt, family", [
    ("a.STL", "stl", "trimesh"), ("a.msh", "gmsh", "meshio"), ("a.vtu", "vtu", "pyvista"),
    ("a.vol.gz", "netgen", "meshio"), ("a.inp", "abaqus", "meshio"), ("a.xyz", "xyz", "pointcloud"),
    ("a.foam", "openfoam", "openfoam"), ("a.dat", "airfoil", "airfoil"),
])
def test_read_format_by_extension(tmp_path: Path, name, fmt, family):
    path = tmp_path / name
    path.write_text("x")
    assert read_format(path) == (fmt, family)


def test_dat_file_in_tecplot_layout(tmp_path: Path):
    path = tmp_path / "flow.dat"
    path.write_text('TITLE = "x"\nVARIABLES = "X" "Y"\n')
    assert read_format(path) == ("tecplot", "meshio")


def test_folders(tmp_path: Path):
    (tmp_path / "case" / "system").mkdir(parents=True)
    (tmp_path / "case" / "system" / "controlDict").write_text("")
    assert read_format(tmp_path / "case") == ("openfoam", "openfoam")
    with pytest.raises(UnsupportedFormatError, match="not an OpenFOAM case"):
        read_format(tmp_path)


def test_unknown_extension_lists_supported(tmp_path: Path):
    with pytest.raises(UnsupportedFormatError) as info:
        read_format(tmp_path / "model.step")
    msg = str(info.value)
    assert "model.step" in msg and "'.step'" in msg and ".stl" in msg and ".vtu" in msg
    with pytest.raises(UnsupportedFormatError, match="cannot write extension '.step'"):
        write_format(tmp_path / "model.step")


def test_explicit_format(tmp_path: Path):
    assert read_format(tmp_path / "x.txt", "csv") == ("csv", "pointcloud")
    assert read_format(tmp_path / "x.txt", ".stl") == ("stl", "trimesh")
    assert write_format(tmp_path / "x.msh", "gmsh22") == ("gmsh22", "meshio", ".msh")
    with pytest.raises(UnsupportedFormatError, match="unknown format 'step'"):
        read_format(tmp_path / "x", "step")
