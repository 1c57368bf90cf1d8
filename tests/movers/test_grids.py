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


def test_punched_mesh_and_its_boundary_segments():
    from geonop.movers.grids import boundary_segments, punched_mesh

    pts, tri = punched_mesh(9)  # L-shape: 3/4 of the square
    assert np.isclose(signed_areas(pts, tri).sum(), 0.75) and (signed_areas(pts, tri) > 0).all()
    b = boundary_segments(pts, tri)
    corners = {tuple(p) for p in pts[b.corner]}
    assert corners == {(0.0, 0.0), (1.0, 0.0), (1.0, 0.5), (0.5, 0.5), (0.5, 1.0), (0.0, 1.0)}
    assert b.sliding.sum() == 2 * 7 + 4 * 3 and not (b.sliding & b.corner).any()
    # clamp keeps a sliding node within its side; restrict removes the normal component
    i = np.nonzero(b.sliding & (pts[:, 1] == 0.0))[0][0]
    d = np.zeros_like(pts)
    d[i] = [5.0, 1.0]
    moved = b.clamp(pts + b.restrict(d))
    np.testing.assert_allclose(moved[i], [1.0, 0.0])
    hole_pts, hole_tri = punched_mesh(9, hole=(0.25, 0.25, 0.75, 0.75))
    assert boundary_segments(hole_pts, hole_tri).corner.sum() == 8
    with pytest.raises(InvalidArgumentError, match="whole mesh"):
        punched_mesh(5, hole=(-1.0, -1.0, 2.0, 2.0))
