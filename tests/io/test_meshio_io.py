"""Gmsh (v2, v4), XDMF and other meshio formats: physical groups, round trips, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import geonop
from geonop.errors import CorruptFileError, UnsupportedFormatError
from geonop.io import Mesh
from tests.io.iosamples import assert_same_mesh, cube_tets


@pytest.mark.parametrize("version", ["v2", "v4"])
def test_gmsh_physical_groups_become_boundaries(gmsh_files, version):
    m = geonop.read(gmsh_files[version])
    assert m.meta["format"] == "gmsh" and m.meta["regions"] == {"fluid": 1}
    assert m.cell_types == ("triangle",) and m.topological_dim == 2
    assert set(m.boundaries) == {"inlet", "walls"}
    inlet = m.boundaries["inlet"].cells["line"]
    walls = m.boundaries["walls"].cells["line"]
    assert len(walls) == 3 * len(inlet)  # the square's 4 sides are meshed alike
    # the inlet is one straight side of the unit square: its points share one coordinate
    pts = m.points[np.unique(inlet)]
    assert np.any(np.ptp(pts[:, :2], axis=0) == 0)
    assert not any(k.startswith("gmsh:") for k in (*m.cell_data, *m.point_data))
    assert m.planar_to_2d().points.shape[1] == 2


def test_gmsh_v2_and_v4_agree(gmsh_files):
    a, b = geonop.read(gmsh_files["v2"]), geonop.read(gmsh_files["v4"])
    np.testing.assert_array_equal(a.points, b.points)
    np.testing.assert_array_equal(a.cells["triangle"], b.cells["triangle"])


def test_gmsh_volume_mesh_with_surface_groups(gmsh_files):
    m = geonop.read(gmsh_files["box"])
    assert m.cell_types == ("tetra",)
    assert set(m.boundaries) == {"fixed", "free"}
    faces = np.concatenate([b.cells["triangle"] for b in m.boundaries.values()])
    # every boundary triangle is a face of some tetra: boundary faces close the box
    from geonop.io.describe import surface_checks

    closed = Mesh(m.points, {"triangle": faces})
    assert surface_checks(closed)["watertight"]
    assert m.to_pyvista().volume == pytest.approx(1.0)


@pytest.mark.parametrize("fmt", ["gmsh", "gmsh41"])
def test_msh_write_keeps_boundaries_and_gmsh_reads_it(tmp_path: Path, gmsh_files, fmt):
    gmsh = pytest.importorskip("gmsh")
    m = geonop.read(gmsh_files["box"])
    out = geonop.write(m, tmp_path / "box.msh", format=fmt)
    back = geonop.read(out)
    if fmt == "gmsh":
        assert_same_mesh(m, back)
    else:  # MSH 4.1 stores nodes grouped by entity: same mesh up to a point permutation
        assert back.cell_counts() == m.cell_counts() and back.num_points == m.num_points
        assert {k: b.cell_counts() for k, b in back.boundaries.items()} == \
            {k: b.cell_counts() for k, b in m.boundaries.items()}
        assert back.to_pyvista().volume == pytest.approx(1.0)
    gmsh.initialize(readConfigFiles=False, interruptible=False)
    try:
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.open(str(out))
        names = {gmsh.model.getPhysicalName(d, t) for d, t in gmsh.model.getPhysicalGroups()}
        _, node_coords, _ = gmsh.model.mesh.getNodes()
    finally:
        gmsh.finalize()
    assert {"fixed", "free", "solid"} <= names
    assert len(node_coords) == 3 * m.num_points


def test_msh_write_of_our_own_mesh_round_trips(tmp_path: Path):
    m = cube_tets()
    assert_same_mesh(m, geonop.read(geonop.write(m, tmp_path / "cube.msh")))


def test_xdmf_and_other_meshio_formats(tmp_path: Path):
    m = cube_tets()
    m.boundaries.clear()
    for name in ("cube.xdmf", "cube.inp", "cube.mesh", "cube.su2"):
        back = geonop.read(geonop.write(m, tmp_path / name))
        np.testing.assert_allclose(back.points, m.points)
        np.testing.assert_array_equal(back.cells["tetra"], m.cells["tetra"])
    back = geonop.read(tmp_path / "cube.xdmf")
    np.testing.assert_allclose(back.point_data["U"], m.point_data["U"])
    np.testing.assert_allclose(back.cell_data["rho"], m.cell_data["rho"])
    assert not list(tmp_path.glob("*.h5"))  # XML inline data: one file


def test_msh_refuses_polyhedra(tmp_path: Path):
    from tests.io.iosamples import two_polyhedra

    with pytest.raises(UnsupportedFormatError, match="Gmsh cannot store"):
        geonop.write(two_polyhedra(), tmp_path / "p.msh")
    assert not list(tmp_path.iterdir())


def test_corrupt_msh(tmp_path: Path, gmsh_files):
    data = gmsh_files["v4"].read_bytes()
    path = tmp_path / "cut.msh"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFileError, match="cut.msh: cannot parse gmsh file"):
        geonop.read(path)
    path.write_text("$MeshFormat\nnot a mesh\n")
    with pytest.raises(CorruptFileError, match="cut.msh"):
        geonop.read(path)
