import numpy as np
import pytest

from geonop.errors import InvalidArgumentError
from geonop.movers.grids import boundary_sides, jittered_delaunay_mesh, structured_triangle_mesh
from geonop.movers.quality import signed_areas


def test_structured_mesh_covers_the_rectangle_counter_clockwise():
    pts, tri = structured_triangle_mesh(5, 4, bounds=(0.0, 1.0, 2.0, 4.0))
    assert pts.shape == (20, 2) and tri.shape == (2 * 4 * 3, 3)
    a = signed_areas(pts, tri)
    assert (a > 0).all()
    assert a.sum() == pytest.approx(2.0 * 3.0)


def test_jittered_mesh_keeps_boundary_nodes_on_their_side():
    pts, tri = jittered_delaunay_mesh(9, seed=3)
    assert (signed_areas(pts, tri) > 0).all()
    assert signed_areas(pts, tri).sum() == pytest.approx(1.0)
    sides = boundary_sides(pts, (0, 0, 1, 1))
    assert sides.sum(1).tolist() == [9, 9, 9, 9]
    grid, _ = structured_triangle_mesh(9)
    assert not np.allclose(pts, grid)  # it did move


def test_bad_arguments_raise():
    with pytest.raises(InvalidArgumentError, match="nx, ny >= 2"):
        structured_triangle_mesh(1)
    with pytest.raises(InvalidArgumentError, match="bounds"):
        structured_triangle_mesh(3, bounds=(0, 0, 0, 1))
    with pytest.raises(InvalidArgumentError, match="jitter"):
        jittered_delaunay_mesh(5, jitter=0.6)
