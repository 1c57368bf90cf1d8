import numpy as np
import pytest

from geonop.errors import InvalidArgumentError, InvalidMeshError
from geonop.movers.grids import structured_triangle_mesh
from geonop.movers.quality import signed_areas, tangled_cells
from geonop.movers.untangle import untangle_scale


def test_valid_displacement_is_kept():
    pts, tri = structured_triangle_mesh(5)
    assert untangle_scale(pts, tri, 0.01 * np.sin(pts * 7)) == 1.0


@pytest.mark.parametrize("seed", range(5))
def test_folding_displacement_is_scaled_back_to_a_valid_mesh(seed):
    pts, tri = structured_triangle_mesh(9)
    d = np.random.default_rng(seed).normal(0.0, 0.3, pts.shape)  # folds many cells
    assert tangled_cells(pts + d, tri) > 0
    s = untangle_scale(pts, tri, d, min_area_fraction=0.0)
    assert 0 <= s < 1
    assert tangled_cells(pts + s * d, tri) == 0
    # and it is the largest such factor, to bisection precision
    assert tangled_cells(pts + min(1.0, s + 1e-6) * d, tri) > 0
    s_margin = untangle_scale(pts, tri, d, min_area_fraction=0.1)
    ratio = signed_areas(pts + s_margin * d, tri) / signed_areas(pts, tri)
    assert s_margin <= s and ratio.min() > 0.1


def test_bad_inputs():
    pts, tri = structured_triangle_mesh(3)
    with pytest.raises(InvalidArgumentError, match="displacement"):
        untangle_scale(pts, tri, np.zeros((4, 2)))
    with pytest.raises(InvalidMeshError, match="reference"):
        untangle_scale(pts, tri[:, ::-1], np.zeros_like(pts))
