"""VTU/VTP/VTK files through pyvista: every cell type, polyhedra, 2D meshes, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import geonop
from geonop.errors import CorruptFileError, UnsupportedFormatError
from geonop.io import Mesh
from tests.io.iosamples import (
    assert_same_mesh,
    cube_tets,
    mixed_surface,
    random_surface,
    two_polyhedra,
)


@pytest.mark.parametrize("ext", ["vtu", "vtk"])
@pytest.mark.parametrize("make", [cube_tets, mixed_surface, two_polyhedra])
def test_unstructured_round_trip(tmp_path: Path, ext, make):
    m = make()
    back = geonop.read(geonop.write(m, tmp_path / f"m.{ext}"))
    assert_same_mesh(m, back, boundaries=False)
    assert back.meta["format"] == ext


@pytest.mark.parametrize("make", [mixed_surface, random_surface])
def test_vtp_round_trip(tmp_path: Path, make):
    m = make()
    assert_same_mesh(m, geonop.read(geonop.write(m, tmp_path / "m.vtp")))


def test_vtp_refuses_volume_cells(tmp_path: Path):
    with pytest.raises(UnsupportedFormatError, match="VTP stores points, lines and polygons"):
        geonop.write(cube_tets(), tmp_path / "m.vtp")


def test_mixed_volume_cells(tmp_path: Path):
    pts = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1],
                    [0, 1, 1], [0.5, 0.5, 2], [2, 0, 0], [2, 1, 0], [2, 0, 1]], float)
    m = Mesh(pts, {"hexahedron": [[0, 1, 2, 3, 4, 5, 6, 7]], "pyramid": [[4, 5, 6, 7, 8]],
                   "wedge": [[1, 9, 2, 5, 11, 6]], "tetra": [[9, 10, 2, 11]]},
             cell_data={"id": np.arange(4)})
    m.validate()
    back = geonop.read(geonop.write(m, tmp_path / "mixed.vtu"))
    assert_same_mesh(m, back)
    assert back.to_pyvista().volume == pytest.approx(1 + 1 / 3 + 0.5 + 1 / 6)


def test_meshio_written_vtu_is_read(tmp_path: Path):
    import meshio

    m = cube_tets()
    meshio.write(tmp_path / "old.vtu", m.to_meshio(boundaries=False))
    assert_same_mesh(m, geonop.read(tmp_path / "old.vtu"), boundaries=False)


def test_pyvista_point_cloud(tmp_path: Path):
    import pyvista as pv

    pts = np.random.default_rng(0).random((20, 3))
    cloud = pv.PolyData(pts)
    cloud.point_data["s"] = np.arange(20.0)
    cloud.save(tmp_path / "cloud.vtp")
    m = geonop.read(tmp_path / "cloud.vtp")
    np.testing.assert_array_equal(m.points, pts)
    assert not m.cells and m.point_data["s"][5] == 5  # its vertex cells carry nothing


@pytest.mark.parametrize("ext", ["vtu", "vtp", "vtk"])
def test_truncated_files(tmp_path: Path, ext):
    m = random_surface()
    path = geonop.write(m, tmp_path / f"m.{ext}")
    data = path.read_bytes()
    for frac in (0.5, 0.9):
        path.write_bytes(data[: int(len(data) * frac)])
        with pytest.raises(CorruptFileError, match=rf"m.{ext}: cannot parse {ext.upper()} file"):
            geonop.read(path)


def test_garbage_vtu_does_not_print_vtk_errors(tmp_path: Path, capfd):
    path = tmp_path / "junk.vtu"
    path.write_text("<VTKFile type='UnstructuredGrid'><oops")
    with pytest.raises(CorruptFileError, match="junk.vtu"):
        geonop.read(path)
    _, err = capfd.readouterr()
    assert "ERR" not in err and "vtk" not in err.lower()


@pytest.mark.parametrize("ext", ["vtu", "vtp", "vtk"])
def test_point_cloud_round_trip_adds_no_vertex_cells(tmp_path: Path, ext):
    m = Mesh(np.random.default_rng(3).random((12, 3)), point_data={"a": np.arange(12.0)})
    back = geonop.read(geonop.write(m, tmp_path / f"pc.{ext}"))
    assert_same_mesh(m, back)
    assert not back.cells
