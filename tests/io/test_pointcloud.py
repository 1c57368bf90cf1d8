"""Point clouds in .npz/.npy/.csv/.xyz: layouts, round trips and bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import geonop
from geonop.errors import (
    CorruptFileError,
    InvalidArgumentError,
    InvalidMeshError,
    UnsupportedFormatError,
)
from geonop.io import Mesh
from tests.io.iosamples import assert_same_mesh, cube_tets, mixed_surface, two_polyhedra


def _cloud(d: int = 3) -> Mesh:
    rng = np.random.default_rng(7)
    return Mesh(rng.random((25, d)), point_data={"s": rng.random(25), "v": rng.random((25, 3)),
                                                 "k": np.arange(25)})


# --------------------------------------------------------------------------- npz / npy
@pytest.mark.parametrize("make", [cube_tets, mixed_surface, two_polyhedra, _cloud])
def test_npz_round_trip_keeps_everything(tmp_path: Path, make):
    m = make()
    back = geonop.read(geonop.write(m, tmp_path / "m.npz"))
    assert_same_mesh(m, back)
    assert back.cell_types == m.cell_types
    if m.boundaries:
        assert back.boundaries.keys() == m.boundaries.keys()


def test_plain_npz_with_points_or_pos(tmp_path: Path):
    pts = np.random.default_rng(0).random((10, 2))
    np.savez(tmp_path / "a.npz", pos=pts, temperature=np.arange(10.0), other=np.zeros(3))
    m = geonop.read(tmp_path / "a.npz")
    np.testing.assert_array_equal(m.points, pts)
    assert set(m.point_data) == {"temperature"} and m.meta["ignored_arrays"] == ["other"]
    np.savez(tmp_path / "b.npz", coords=pts)
    with pytest.raises(UnsupportedFormatError, match=r"no 'points' or 'pos' array \(found: \['coords'\]\)"):
        geonop.read(tmp_path / "b.npz")


def test_npy(tmp_path: Path):
    pts = np.random.default_rng(0).random((10, 3))
    np.save(tmp_path / "p.npy", pts)
    np.testing.assert_array_equal(geonop.read(tmp_path / "p.npy").points, pts)
    assert_same_mesh(Mesh(pts), geonop.read(geonop.write(pts, tmp_path / "q.npy")))
    np.save(tmp_path / "bad.npy", np.zeros((10, 4)))
    with pytest.raises(InvalidMeshError, match=r"bad.npy: array must have shape \[N, 2\] or \[N, 3\]"):
        geonop.read(tmp_path / "bad.npy")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object))
    with pytest.raises(CorruptFileError, match="obj.npy"):
        geonop.read(tmp_path / "obj.npy")


def test_empty_point_arrays(tmp_path: Path):
    np.savez(tmp_path / "e.npz", points=np.zeros((0, 3)))
    with pytest.raises(InvalidMeshError, match="e.npz: invalid mesh: empty mesh: no points"):
        geonop.read(tmp_path / "e.npz")


# --------------------------------------------------------------------------- csv / xyz
@pytest.mark.parametrize("d", [2, 3])
def test_csv_round_trip(tmp_path: Path, d):
    m = _cloud(d)
    back = geonop.read(geonop.write(m, tmp_path / "c.csv"))
    assert_same_mesh(m, back)


def test_csv_header_rules(tmp_path: Path):
    path = tmp_path / "p.csv"
    path.write_text("p,X,Y,Z,U:0,U:1,U:2\n1,0,0,0,1,2,3\n2,1,0,0,4,5,6\n3,0,1,0.5,7,8,9\n")
    m = geonop.read(path)
    np.testing.assert_array_equal(m.points, [[0, 0, 0], [1, 0, 0], [0, 1, 0.5]])
    np.testing.assert_array_equal(m.point_data["p"], [1, 2, 3])
    assert m.point_data["U"].shape == (3, 3)
    path.write_text('"Points:0","Points:1","T"\n0,0,1\n1,0,2\n')
    m = geonop.read(path)
    assert m.points.shape == (2, 2) and list(m.point_data) == ["T"]


def test_csv_without_header_and_dim(tmp_path: Path):
    path = tmp_path / "n.csv"
    path.write_text("0;0;5\n1;0;6\n0;1;7\n")
    m = geonop.read(path)
    assert m.points.shape == (3, 3) and not m.point_data
    m2 = geonop.read(path, dim=2)
    assert m2.points.shape == (3, 2)
    np.testing.assert_array_equal(m2.point_data["column2"], [5, 6, 7])
    with pytest.raises(InvalidArgumentError, match="dim must be 2 or 3"):
        geonop.read(path, dim=4)
    with pytest.raises(InvalidArgumentError, match=r"unknown option\(s\) \['colour'\]"):
        geonop.read(path, colour=1)


def test_xyz(tmp_path: Path):
    path = tmp_path / "p.xyz"
    path.write_text("# scan\n0 0 0 0.5\n1 0 0 0.25\n\n0 1 0 1.0\n")
    m = geonop.read(path)
    assert m.points.shape == (3, 3)
    np.testing.assert_array_equal(m.point_data["column3"], [0.5, 0.25, 1.0])
    path.write_text("0 0\n1 0\n0 1\n")
    assert geonop.read(path).points.shape == (3, 2)


@pytest.mark.parametrize("name, text", [
    ("mixed.xyz", "0 0 0\n1 0 0\n0 1\n"),
    ("mixed.csv", "x,y,z\n0,0,0\n1,0\n"),
    ("mixed2d3d.csv", "0,0\n1,0,0\n"),
])
def test_mixed_dimensions(tmp_path: Path, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InvalidMeshError, match=rf"{name}: mixed dimensions: 1 rows .* \(first: line \d has \d\)"):
        geonop.read(path)


@pytest.mark.parametrize("name, text, line", [
    ("bad.xyz", "0 0 0\n1 zero 0\n", 2),
    ("bad.csv", "x,y\n0,0\n1,\n", 3),
])
def test_non_numeric_values(tmp_path: Path, name, text, line):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(CorruptFileError, match=rf"{name}: line {line}: non-numeric value"):
        geonop.read(path)


def test_header_only_csv_is_empty(tmp_path: Path):
    path = tmp_path / "h.csv"
    path.write_text("x,y,z\n")
    with pytest.raises(InvalidMeshError, match="empty mesh"):
        geonop.read(path)


def test_nan_in_text_points(tmp_path: Path):
    path = tmp_path / "n.xyz"
    path.write_text("0 0 0\nnan 1 0\n0 1 inf\n")
    with pytest.raises(InvalidMeshError, match=r"n.xyz: invalid mesh: 2 points with NaN/Inf coordinates \(points \[1, 2\]\)"):
        geonop.read(path)


def test_binary_garbage_csv(tmp_path: Path):
    path = tmp_path / "g.csv"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(CorruptFileError, match="g.csv: not a text CSV file"):
        geonop.read(path)


def test_writers_refuse_cells(tmp_path: Path):
    for name in ("m.csv", "m.npy"):
        with pytest.raises(UnsupportedFormatError, match="stores points only"):
            geonop.write(cube_tets(), tmp_path / name)
    with pytest.raises(UnsupportedFormatError, match="not the fields"):
        geonop.write(_cloud(), tmp_path / "c.npy")
