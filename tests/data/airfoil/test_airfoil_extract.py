"""OpenFOAM ASCII parsing and force re-integration (no OpenFOAM needed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geonop.data.airfoil.extract import (
    integrate_coefficients,
    latest_time,
    read_boundary,
    read_faces,
    read_field,
    read_labels,
    read_points,
)
from geonop.errors import CorruptFileError, MissingFileError

HEADER = """/*---*\\
FoamFile
{{
    version     2.0;
    format      ascii;
    class       {cls};
    object      {obj};
}}
// * * //
"""


def _write(path, cls, obj, body):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER.format(cls=cls, obj=obj) + body)


def test_read_fields_internal_uniform_and_patch(tmp_path):
    _write(tmp_path / "p", "volScalarField", "p", """
dimensions [0 2 -2 0 0 0 0];
internalField   nonuniform List<scalar>
3
(
1.5
-2e-3
7
)
;
boundaryField
{
    farfield { type freestreamPressure; freestreamValue uniform 0; value uniform 0; }
    airfoil
    {
        type            calculated;
        value           nonuniform List<scalar> 2(0.25 -1e+01);
    }
}
""")
    np.testing.assert_allclose(read_field(tmp_path / "p"), [1.5, -2e-3, 7.0])
    np.testing.assert_allclose(read_field(tmp_path / "p", patch="airfoil"), [0.25, -10.0])
    np.testing.assert_allclose(read_field(tmp_path / "p", patch="farfield"), [0.0])
    _write(tmp_path / "U", "volVectorField", "U", """
internalField   nonuniform List<vector>
2
(
(1 2 0)
(-3.5 4e-2 0)
)
;
boundaryField
{
    airfoil { type noSlip; }
    wall2 { type calculated; value uniform (1 0 0); }
}
""")
    np.testing.assert_allclose(read_field(tmp_path / "U"), [[1, 2, 0], [-3.5, 0.04, 0]])
    np.testing.assert_allclose(read_field(tmp_path / "U", patch="wall2"), [[1, 0, 0]])
    with pytest.raises(CorruptFileError, match="no 'value'"):
        read_field(tmp_path / "U", patch="airfoil")
    with pytest.raises(CorruptFileError, match="no patch"):
        read_field(tmp_path / "U", patch="inlet")
    with pytest.raises(MissingFileError):
        read_field(tmp_path / "nut")


def test_truncated_list_is_reported(tmp_path):
    _write(tmp_path / "p", "volScalarField", "p", "internalField nonuniform List<scalar> 4(1 2 3);\n")
    with pytest.raises(CorruptFileError, match="expected 4 numbers"):
        read_field(tmp_path / "p")


def test_polymesh_parsers(tmp_path):
    mesh = tmp_path / "constant/polyMesh"
    _write(mesh / "points", "vectorField", "points", "3\n(\n(0 0 0)\n(1 0 0)\n(1 1 0.5)\n)\n")
    _write(mesh / "faces", "faceList", "faces", "3\n(\n3(0 1 2)\n4(2 1 0 1)\n3(2 0 1)\n)\n")
    _write(mesh / "owner", "labelList", "owner", "3\n(\n0\n0\n1\n)\n")
    _write(mesh / "boundary", "polyBoundaryMesh", "boundary", """
2
(
    airfoil { type wall; nFaces 2; startFace 1; }
    frontAndBack { type empty; nFaces 0; startFace 3; }
)
""")
    np.testing.assert_allclose(read_points(tmp_path)[2], [1, 1, 0.5])
    assert read_labels(tmp_path, "owner").tolist() == [0, 0, 1]
    faces = read_faces(tmp_path, 1, 2)
    assert [f.tolist() for f in faces] == [[2, 1, 0, 1], [2, 0, 1]]
    assert read_boundary(tmp_path) == {"airfoil": (1, 2), "frontAndBack": (3, 0)}
    with pytest.raises(MissingFileError, match="no solution time"):
        latest_time(tmp_path)
    (tmp_path / "0").mkdir()
    (tmp_path / "120").mkdir()
    (tmp_path / "35.5").mkdir()
    assert latest_time(tmp_path) == "120"


def _circle(n=400, r=0.5):
    """Wall faces of a circle: centres, outward normals, lengths."""
    t = (np.arange(n) + 0.5) * 2 * np.pi / n
    normal = np.c_[np.cos(t), np.sin(t)]
    return r * normal, normal, np.full(n, 2 * np.pi * r / n)


def test_uniform_pressure_on_closed_body_gives_no_force():
    pos, nrm, length = _circle()
    res = integrate_coefficients(pos, nrm, length, np.full(len(pos), 123.0),
                                 np.zeros((len(pos), 2)), 30.0, 7.0)
    for k in ("cl", "cd", "cm"):
        assert abs(res[k]) < 1e-9


def test_flat_plate_pressure_and_shear():
    # a plate of chord 1 along x: lower face pushed up by dp gives lift dp/q along y
    n = 50
    x = (np.arange(n) + 0.5) / n
    pos = np.r_[np.c_[x, np.zeros(n)], np.c_[x, np.zeros(n)]]
    nrm = np.r_[np.tile([0.0, 1.0], (n, 1)), np.tile([0.0, -1.0], (n, 1))]
    length = np.full(2 * n, 1.0 / n)
    u, aoa, dp = 20.0, 5.0, 40.0
    q = 0.5 * u * u
    p = np.r_[np.zeros(n), np.full(n, dp)]
    res = integrate_coefficients(pos, nrm, length, p, np.zeros((2 * n, 2)), u, aoa)
    a = math.radians(aoa)
    assert res["cl"] == pytest.approx(dp / q * math.cos(a), rel=1e-12)
    assert res["cd"] == pytest.approx(dp / q * math.sin(a), rel=1e-12)
    assert res["cd_pressure"] == pytest.approx(res["cd"], rel=1e-12)
    # uniform load on the plate acts at mid-chord: nose-down about the quarter chord
    assert res["cm"] == pytest.approx(-0.25 * dp / q, rel=1e-12)
    # OpenFOAM's wallShearStress is the stress on the fluid: it points upstream for a
    # stream along +x, and the body feels drag along +x
    tau = np.tile([-2.0, 0.0], (2 * n, 1))
    res = integrate_coefficients(pos, nrm, length, np.zeros(2 * n), tau, u, 0.0)
    assert res["cd"] == pytest.approx(2 * 2.0 / q, rel=1e-12)
    assert res["cd_pressure"] == pytest.approx(0.0, abs=1e-15)
    assert abs(res["cl"]) < 1e-15
