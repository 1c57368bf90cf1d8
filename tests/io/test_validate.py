"""Mesh validation: every kind of unusable mesh gives one InvalidMeshError naming it."""

from __future__ import annotations

import time

import numpy as np
import pytest

from geonop.errors import GeonopError, InvalidMeshError
from geonop.io import Boundary, Mesh
from geonop.io.validate import cell_measures, degenerate_cells, duplicate_point_map, mesh_problems
from tests.io.iosamples import cube_tets, mixed_surface, two_polyhedra


def test_valid_meshes_pass():
    for m in (cube_tets(), mixed_surface(), two_polyhedra(), Mesh(np.random.default_rng(0).random((50, 3)))):
        assert m.validate() is m
        assert mesh_problems(m) == []


def _error(mesh: Mesh, source: str = "part.stl") -> str:
    with pytest.raises(InvalidMeshError) as info:
        mesh.validate(source)
    assert isinstance(info.value, GeonopError) and isinstance(info.value, ValueError)
    msg = str(info.value)
    assert msg.startswith(f"{source}: invalid mesh")
    return msg


def test_empty_mesh():
    assert "no points" in _error(Mesh(np.zeros((0, 3))))


def test_wrong_number_of_coordinates():
    assert "4 coordinate columns" in _error(Mesh(np.zeros((3, 4))))


def test_nan_and_inf_points_are_named():
    pts = np.random.default_rng(0).random((10, 3))
    pts[3, 1] = np.nan
    pts[7, 0] = np.inf
    msg = _error(Mesh(pts))
    assert "2 points with NaN/Inf" in msg and "[3, 7]" in msg
    assert "clean=True" not in msg  # not repairable by clean


def test_out_of_range_indices_name_count_rows_and_index():
    m = cube_tets()
    m.cells["tetra"][2, 1] = 8
    m.cells["tetra"][4, 0] = -1
    msg = _error(m)
    assert "2 tetra cells reference points outside [0, 8)" in msg and "rows [2, 4]" in msg
    assert "index 8" in msg


def test_out_of_range_boundary_and_polyhedron_indices():
    m = cube_tets()
    m.boundaries["bottom"] = Boundary({"triangle": [[0, 1, 20]]})
    assert "boundary 'bottom' triangle cells" in _error(m)
    p = two_polyhedra()
    p.cells["polyhedron"][1][2] = np.array([1, 2, 99, 7])
    assert "1 polyhedron cells" in _error(p) and "index 99" in _error(p)


def test_zero_area_faces_suggest_clean():
    pts = np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0], [0, 1, 0]], float)
    m = Mesh(pts, {"triangle": [[0, 1, 3], [0, 1, 2], [1, 1, 3]]})
    msg = _error(m)
    assert "2 degenerate (zero-area or repeated-node) triangle cells (rows [1, 2])" in msg
    assert "clean=True" in msg


def test_degenerate_is_scale_invariant():
    # a thin but valid boundary-layer triangle (aspect ratio 1e6) at two scales
    for s in (1e-6, 1.0, 1e6):
        pts = s * np.array([[0, 0], [1, 0], [0.5, 1e-6]])
        assert not degenerate_cells("triangle", np.array([[0, 1, 2]]), pts)[0]
        assert degenerate_cells("triangle", np.array([[0, 1, 2]]), pts * [1, 0])[0]


def test_zero_volume_tetra_and_zero_length_line():
    pts = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]], float)
    mask = degenerate_cells("tetra", np.array([[0, 1, 2, 4], [0, 1, 2, 3]]), pts)
    np.testing.assert_array_equal(mask, [False, True])
    assert "zero-length" in _error(Mesh(pts, {"line": [[0, 1], [2, 2]]}))


def test_measures():
    pts = np.array([[0, 0, 0], [2, 0, 0], [2, 3, 0], [0, 3, 0], [0, 0, 4]], float)
    np.testing.assert_allclose(cell_measures("line", np.array([[0, 1]]), pts), [2])
    np.testing.assert_allclose(cell_measures("triangle", np.array([[0, 1, 2]]), pts), [3])
    np.testing.assert_allclose(cell_measures("quad", np.array([[0, 1, 2, 3]]), pts), [6])
    np.testing.assert_allclose(cell_measures("tetra", np.array([[0, 1, 3, 4]]), pts), [4])


def test_duplicate_points_name_pairs_and_suggest_clean():
    pts = np.random.default_rng(1).random((10, 3))
    pts[6] = pts[2]
    pts[9] = pts[2]
    msg = _error(Mesh(pts))
    assert "2 duplicate points" in msg and "6=2" in msg and "9=2" in msg and "clean=True" in msg


def test_duplicate_point_map_exact_and_tolerance():
    pts = np.array([[0, 0], [1, 1], [0, 0], [1, 1 + 1e-9], [-0.0, 0]], float)
    np.testing.assert_array_equal(duplicate_point_map(pts), [0, 1, 0, 3, 0])
    np.testing.assert_array_equal(duplicate_point_map(pts, tol=1e-6), [0, 1, 0, 1, 0])


def test_field_length_mismatch():
    m = cube_tets()
    m.point_data["bad"] = np.zeros(5)
    m.cell_data["worse"] = np.zeros(2)
    msg = _error(m)
    assert "point_data 'bad' has shape (5,)" in msg and "cell_data 'worse' has shape (2,)" in msg


def test_all_problems_reported_together():
    pts = np.array([[0, 0], [1, 0], [0, 1], [0, 1]], float)
    msg = _error(Mesh(pts, {"triangle": [[0, 1, 1]]}))
    assert "degenerate" in msg and "duplicate" in msg


def test_validation_is_fast_on_a_million_points():
    rng = np.random.default_rng(0)
    pts = rng.random((1_000_000, 3))
    tris = rng.integers(0, len(pts), size=(200_000, 3))
    tris = tris[(tris[:, 0] != tris[:, 1]) & (tris[:, 1] != tris[:, 2]) & (tris[:, 0] != tris[:, 2])]
    m = Mesh(pts, {"triangle": tris})
    start = time.perf_counter()
    m.validate()
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, f"validate took {elapsed:.2f} s"
