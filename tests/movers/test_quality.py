import numpy as np
import pytest

from geonop.errors import InvalidMeshError
from geonop.movers.grids import structured_triangle_mesh
from geonop.movers.quality import (
    equidistribution,
    interpolate_linear,
    interpolation_error,
    minimum_angle,
    signed_areas,
    tangled_cells,
)

SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
TWO = np.array([[0, 1, 2], [0, 2, 3]])


def test_hand_checked_areas_angles_and_tangling():
    np.testing.assert_allclose(signed_areas(SQUARE, TWO), [0.5, 0.5])
    assert minimum_angle(SQUARE, TWO) == pytest.approx(45.0)
    eq = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
    assert minimum_angle(eq, [[0, 1, 2]]) == pytest.approx(60.0)
    assert tangled_cells(SQUARE, TWO) == 0
    folded = SQUARE.copy()
    folded[2] = [-0.2, -0.2]  # node 2 pushed through the diagonal: both cells invert
    assert tangled_cells(folded, TWO) == 2
    flat = SQUARE.copy()
    flat[2] = [2.0, 0.0]  # collinear with nodes 0 and 1: zero area counts as tangled
    assert tangled_cells(flat, TWO) == 1


def test_equidistribution_of_two_cells():
    # m = 1 on cell 0's nodes except node 1 (m = 4): cell means 2 and 1, areas equal
    m = np.array([1.0, 4.0, 1.0, 1.0])
    q = equidistribution(SQUARE, TWO, m)
    assert q["ratio"] == pytest.approx(2.0)
    assert q["cv"] == pytest.approx(np.std([1.0, 0.5]) / 0.75)
    assert equidistribution(SQUARE, TWO, lambda x: np.ones(len(x)))["cv"] == 0.0


def test_interpolation_error_is_zero_for_linear_fields_and_second_order():
    pts, tri = structured_triangle_mesh(5)
    assert interpolation_error(pts, tri, lambda x: 2 * x[:, 0] - x[:, 1], 50)["max"] < 1e-12

    def quad(x):
        return np.sin(3 * x[:, 0]) * np.cos(2 * x[:, 1])

    e = [interpolation_error(*structured_triangle_mesh(n), quad, 200)["l2"] for n in (9, 17)]
    assert 3.5 < e[0] / e[1] < 4.5
    np.testing.assert_allclose(interpolate_linear(SQUARE, TWO, np.array([0, 1, 2, 1.0]),
                                                  np.array([[0.5, 0.25]])), [0.75])


def test_tangled_meshes_are_refused_for_interpolation():
    folded = SQUARE.copy()
    folded[2] = [-0.2, -0.2]
    with pytest.raises(InvalidMeshError, match="tangled"):
        interpolation_error(folded, TWO, lambda x: x[:, 0])
