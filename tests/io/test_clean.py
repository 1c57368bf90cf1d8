"""Mesh.clean: merge duplicates, drop degenerate cells, keep fields consistent."""

from __future__ import annotations

import numpy as np
import pytest

from geonop.errors import InvalidMeshError
from geonop.io import Boundary, Mesh
from tests.io.iosamples import cube_tets


def _with_duplicates() -> Mesh:
    # square split in 2 triangles, but the shared diagonal's points are duplicated
    pts = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0], [1, 1]], float)
    return Mesh(
        pts,
        {"triangle": np.array([[0, 1, 2], [4, 5, 3], [0, 0, 1]])},
        point_data={"id": np.arange(6.0)},
        cell_data={"c": np.array([1.0, 2.0, 3.0])},
        boundaries={"edge": Boundary({"line": [[4, 1], [1, 5], [5, 2]]}, {"v": np.array([5.0, 6.0, 7.0])})},
    )


def test_clean_merges_duplicates_and_drops_degenerate_cells():
    m = _with_duplicates()
    c = m.clean()
    np.testing.assert_array_equal(c.points, [[0, 0], [1, 0], [1, 1], [0, 1]])
    np.testing.assert_array_equal(c.cells["triangle"], [[0, 1, 2], [0, 2, 3]])
    np.testing.assert_array_equal(c.cell_data["c"], [1.0, 2.0])
    np.testing.assert_array_equal(c.point_data["id"], [0, 1, 2, 3])
    # the boundary line (5, 2) collapses to one point and is dropped with its data row
    np.testing.assert_array_equal(c.boundaries["edge"].cells["line"], [[0, 1], [1, 2]])
    np.testing.assert_array_equal(c.boundaries["edge"].cell_data["v"], [5.0, 6.0])
    assert c.meta["cleaned"] == {"merged_points": 2, "dropped_cells": 2}
    c.validate()
    with pytest.raises(InvalidMeshError):
        m.validate()
    assert m.num_points == 6  # the original is untouched


def test_clean_with_tolerance_merges_near_points():
    pts = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1e-9, 0, 0]])
    c = Mesh(pts, {"triangle": [[0, 1, 2], [3, 1, 2]]}).clean(tol=1e-6)
    assert c.num_points == 3 and len(c.cells["triangle"]) == 2


def test_clean_keeps_a_valid_mesh_unchanged():
    m = cube_tets()
    c = m.clean()
    np.testing.assert_array_equal(c.points, m.points)
    np.testing.assert_array_equal(c.cells["tetra"], m.cells["tetra"])
    assert c.meta["cleaned"] == {"merged_points": 0, "dropped_cells": 0}


def test_clean_polygons_collapse():
    pts = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [1, 0]], float)
    c = Mesh(pts, {"polygon": [[0, 1, 2, 3], [0, 1, 4]]}, cell_data={"k": np.array([1, 2])}).clean()
    assert len(c.cells["polygon"]) == 1
    np.testing.assert_array_equal(c.cell_data["k"], [1])


def test_clean_refuses_out_of_range_indices():
    m = cube_tets()
    m.cells["tetra"][0, 0] = 100
    with pytest.raises(InvalidMeshError, match="outside"):
        m.clean()
