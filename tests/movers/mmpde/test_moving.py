import numpy as np
import pytest

from geonop.errors import InvalidArgumentError
from geonop.movers import boundary_sides, tangled_cells
from geonop.movers.mmpde.moving import grid_mesh, move_grid


def _front(n: int) -> np.ndarray:
    p = grid_mesh(n)[0]
    return np.tanh((p[:, 0] - 0.45) / 0.02).reshape(n, n)


def test_moves_nodes_towards_a_front_without_tangling():
    n = 24
    pts, tri = grid_mesh(n)
    moved = move_grid(_front(n))
    assert moved.shape == (n * n, 2)
    assert tangled_cells(moved, tri) == 0
    # boundary nodes stay on their sides of the box
    sides = boundary_sides(pts)
    np.testing.assert_allclose(moved[sides[0], 0], 0.0, atol=1e-9)
    np.testing.assert_allclose(moved[sides[3], 1], pts[sides[3], 1], atol=1e-9)
    # more nodes near the front at x = 0.45 than on the uniform grid
    near = lambda x: (np.abs(x[:, 0] - 0.45) < 0.06).sum()
    assert near(moved) > 1.5 * near(pts)


def test_identity_and_flat_fields():
    pts = grid_mesh(8)[0]
    np.testing.assert_array_equal(move_grid(_front(8), mover="identity"), pts)
    np.testing.assert_array_equal(move_grid(np.ones((8, 8))), pts)
    with pytest.raises(InvalidArgumentError, match="mover"):
        move_grid(_front(8), mover="warp")
    with pytest.raises(InvalidArgumentError, match="shape"):
        move_grid(np.zeros((4, 5)))
