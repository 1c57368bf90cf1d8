"""The Mesh and Boundary containers: coercion, sizes, repr, copies, helpers."""

from __future__ import annotations

import numpy as np
import pytest

from geonop.errors import InvalidMeshError
from geonop.io import Boundary, Mesh
from tests.io.iosamples import cube_tets, mixed_surface, two_polyhedra


def test_coerces_lists_to_typed_arrays():
    m = Mesh([[0, 0], [1, 0], [0, 1]], {"triangle": [[0, 1, 2]], "vertex": [0, 1]})
    assert m.points.dtype == np.float64 and m.points.shape == (3, 2)
    assert m.cells["triangle"].dtype == np.int64 and m.cells["triangle"].shape == (1, 3)
    assert m.cells["vertex"].shape == (2, 1)


def test_sizes_and_dimensions():
    m = cube_tets()
    assert (m.num_points, m.num_cells, m.dim, m.topological_dim) == (8, 6, 3, 3)
    assert m.cell_types == ("tetra",) and m.cell_counts() == {"tetra": 6}
    lo, hi = m.bounds
    np.testing.assert_array_equal(lo, [0, 0, 0])
    np.testing.assert_array_equal(hi, [1, 1, 1])
    assert not m.is_point_cloud
    assert Mesh(np.zeros((4, 3))).is_point_cloud
    assert Mesh(np.zeros((4, 3))).topological_dim == 0
    assert two_polyhedra().topological_dim == 3
    assert mixed_surface().topological_dim == 2


def test_cell_data_by_type_splits_rows_in_cell_order():
    m = mixed_surface()
    parts = m.cell_data_by_type("id")
    np.testing.assert_array_equal(parts["triangle"], [10, 11])
    np.testing.assert_array_equal(parts["quad"], [12])
    assert m.cell_offsets() == {"triangle": (0, 2), "quad": (2, 3)}


def test_repr_is_compact_and_exact():
    m = cube_tets()
    assert repr(m) == ("Mesh(points=8x3, cells={tetra: 6}, point_data=[T, U], "
                       "cell_data=[rho], boundaries=[bottom])")
    assert repr(m.boundaries["bottom"]) == "Boundary({triangle: 2})"


def test_copy_is_deep():
    m = cube_tets()
    c = m.copy()
    c.points[0, 0] = 99
    c.cells["tetra"][0, 0] = 5
    c.point_data["T"][0] = -1
    c.boundaries["bottom"].cells["triangle"][0, 0] = 7
    assert m.points[0, 0] == 0 and m.cells["tetra"][0, 0] == 0 and m.point_data["T"][0] == 0
    assert m.boundaries["bottom"].cells["triangle"][0, 0] == 0


def test_boundary_point_indices_and_counts():
    b = Boundary({"triangle": [[0, 2, 1], [0, 3, 2]], "polygon": [[4, 5, 6, 7]]})
    np.testing.assert_array_equal(b.point_indices(), np.arange(8))
    assert b.num_cells == 3 and b.cell_counts() == {"triangle": 2, "polygon": 1}


def test_planar_to_2d_drops_constant_z():
    m = Mesh([[0, 0, 2.0], [1, 0, 2.0], [0, 1, 2.0]], {"triangle": [[0, 1, 2]]})
    flat = m.planar_to_2d()
    assert flat.points.shape == (3, 2) and flat.meta["z"] == 2.0
    with pytest.raises(InvalidMeshError, match="not planar"):
        cube_tets().planar_to_2d()


@pytest.mark.parametrize("points", [[[0, 0, 0], [1, 2]], np.zeros(5), np.zeros((2, 2, 2))])
def test_bad_point_arrays_raise(points):
    with pytest.raises(InvalidMeshError, match="points"):
        Mesh(points)


def test_bad_cell_arrays_raise():
    with pytest.raises(InvalidMeshError, match="rows of different lengths"):
        Mesh(np.zeros((3, 2)), {"triangle": [[0, 1, 2], [0, 1]]})
    with pytest.raises(InvalidMeshError, match=r"shape \[n, 3\]"):
        Mesh(np.zeros((3, 2)), {"triangle": [[0, 1, 2, 0]]})
    with pytest.raises(InvalidMeshError, match="not integers"):
        Mesh(np.zeros((3, 2)), {"triangle": [[0, 1, 1.5]]})


def test_empty_mesh_has_no_bounds():
    with pytest.raises(InvalidMeshError, match="no points"):
        _ = Mesh(np.zeros((0, 3))).bounds
