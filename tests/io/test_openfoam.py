"""OpenFOAM cases: internal mesh, patches mapped onto internal points, fields, times."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import geonop
from geonop.errors import CorruptFileError, InvalidArgumentError
from tests.io.iosamples import two_polyhedra


def _faces(block) -> set:
    return {frozenset(int(i) for i in f) for f in block}


def test_reads_internal_mesh_patches_and_latest_time(foam_case):
    case, expected = foam_case
    m = geonop.read(case)
    assert m.meta["format"] == "openfoam" and m.meta["time"] == "0.5"
    assert m.meta["times"] == ["0", "0.5"]
    np.testing.assert_array_equal(m.points, expected["points"])
    assert m.cell_counts() == {"hexahedron": expected["ncell"]}
    np.testing.assert_array_equal(m.cell_data["p"], expected["values"]["0.5"]["p"])
    np.testing.assert_array_equal(m.cell_data["U"][:, 0], expected["values"]["0.5"]["p"])
    assert m.point_data["p"].shape == (m.num_points,)  # VTK's cell-to-point interpolation
    assert set(m.boundaries) == {"xmin", "xmax", "walls"}
    for name, faces in expected["patch_faces"].items():
        assert _faces(m.boundaries[name].cells["quad"]) == _faces(f for _, f in faces)
    np.testing.assert_array_equal(m.boundaries["xmin"].cell_data["p"], expected["values"]["0.5"]["xmin"])
    np.testing.assert_array_equal(m.boundaries["xmax"].cell_data["p"], 7.0)
    assert m.to_pyvista().volume == pytest.approx(expected["ncell"])


@pytest.mark.parametrize("time", [0, "0", 0.0])
def test_chosen_time(foam_case, time):
    case, expected = foam_case
    m = geonop.read(case, time=time)
    assert m.meta["time"] == "0"
    np.testing.assert_array_equal(m.cell_data["p"], expected["values"]["0"]["p"])
    np.testing.assert_array_equal(m.boundaries["xmin"].cell_data["p"], expected["values"]["0"]["xmin"])


def test_foam_file_and_options(foam_case):
    case, _ = foam_case
    (case / "case.foam").write_text("")
    m = geonop.read(case / "case.foam", point_fields=False)
    assert m.meta["time"] == "0.5" and not m.point_data and "p" in m.cell_data
    assert not (case / "constant" / "polyMesh" / "case.foam").exists()


def test_bad_time_and_options(foam_case):
    case, _ = foam_case
    with pytest.raises(InvalidArgumentError, match=r"time=3 is not in case .*available times: \[0.0, 0.5\]"):
        geonop.read(case, time=3)
    with pytest.raises(InvalidArgumentError, match="time must be a number"):
        geonop.read(case, time="latest")
    with pytest.raises(InvalidArgumentError, match="unknown option"):
        geonop.read(case, decompose=True)


def test_polyhedral_cells_keep_one_row_per_openfoam_cell(poly_case):
    m = geonop.read(poly_case)
    assert m.cell_counts() == {"polyhedron": 2}
    expected = two_polyhedra().cells["polyhedron"]
    for got, want in zip(m.cells["polyhedron"], expected):
        assert _faces(got) == _faces(want)
    assert m.boundaries["outside"].cell_counts() == {"quad": 10}
    assert m.to_pyvista().volume == pytest.approx(2.0)


def test_case_without_mesh(tmp_path: Path):
    (tmp_path / "system").mkdir()
    (tmp_path / "system" / "controlDict").write_text("FoamFile{}\n")
    with pytest.raises(CorruptFileError, match="no constant/polyMesh"):
        geonop.read(tmp_path)


def test_corrupt_points_file(foam_case):
    case, _ = foam_case
    points = case / "constant" / "polyMesh" / "points"
    points.write_text(points.read_text()[:300])
    with pytest.raises(CorruptFileError, match="case"):
        geonop.read(case)


_BASHRC = Path("/usr/share/openfoam/etc/bashrc")
_CAVITY = Path("/usr/share/doc/openfoam-examples/examples/incompressible/icoFoam/cavity/cavity")


@pytest.mark.solver
@pytest.mark.skipif(shutil.which("blockMesh") is None or not _BASHRC.exists() or not _CAVITY.exists(),
                    reason="OpenFOAM blockMesh not installed")
def test_blockmesh_cavity(tmp_path: Path):
    case = tmp_path / "cavity"
    shutil.copytree(_CAVITY, case)
    subprocess.run(["bash", "-c", f"source {_BASHRC} 2>/dev/null; blockMesh"], cwd=case, check=True,
                   capture_output=True, timeout=120, env={**os.environ})
    m = geonop.read(case)
    assert m.cell_counts() == {"hexahedron": 400}
    assert set(m.boundaries) == {"movingWall", "fixedWalls", "frontAndBack"}
    assert m.boundaries["movingWall"].num_cells == 20
    m.validate()
