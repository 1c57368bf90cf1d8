"""Gmsh airfoil meshes: groups, far-field distance, wall cell height, extrusion."""

from __future__ import annotations

import numpy as np
import pytest

import geonop.optional
from geonop.data.airfoil.mesher import MeshOptions, first_cell_height, write_airfoil_mesh
from geonop.data.airfoil.naca import naca
from geonop.errors import InvalidArgumentError, MissingDependencyError

# coarse but structurally identical to the production mesh, so the test takes ~1 s
COARSE = MeshOptions(first_cell=2e-4, growth=1.3, bl_thickness=0.01, wall_nodes=30,
                     far_nodes=5, near_size=0.08, size_growth=0.3, le_size=0.04, le_growth=0.3)


def test_first_cell_height_targets_y_plus():
    h2, h6 = first_cell_height(2e6), first_cell_height(6e6)
    # flat-plate estimate: ~1.2e-5 m at Re 2e6 and ~4.5e-6 m at Re 6e6 for y+ = 1
    assert 1.0e-5 < h2 < 1.4e-5 and 3.8e-6 < h6 < 5.2e-6
    assert first_cell_height(6e6, y_plus=2.0) == pytest.approx(2 * h6)
    # the default mesh is wall-resolved over the whole Reynolds range
    assert MeshOptions().first_cell <= h6 * 1.01


@pytest.mark.parametrize("bad", [{"far_field_radius": 10.0}, {"first_cell": 0.0},
                                 {"growth": 1.0}, {"wall_nodes": 5}, {"span": -1.0}])
def test_options_are_validated(bad):
    with pytest.raises(InvalidArgumentError):
        MeshOptions(**bad)


def test_missing_gmsh_is_a_clear_error(no_optional, tmp_path):
    with pytest.raises(MissingDependencyError, match="meshing an airfoil.*gmsh"):
        write_airfoil_mesh(naca("0012"), tmp_path / "m.msh", COARSE)


def test_mesh_groups_far_field_and_wall_layer(tmp_path):
    if not geonop.optional.WITH_GMSH:  # read at call time: the no_optional fixture
        pytest.skip("gmsh is not installed")
    import meshio

    path = tmp_path / "m.msh"
    counts = write_airfoil_mesh(naca("4412"), path, COARSE)
    assert counts["wall_faces"] == 2 * (COARSE.wall_nodes - 1)
    assert counts["quads"] > 0 and counts["triangles"] > 0
    m = meshio.read(path)
    assert {"airfoil", "farfield", "frontAndBack", "fluid"} <= set(m.field_data)
    pts = m.points
    np.testing.assert_allclose(np.unique(np.round(pts[:, 2], 12)), [-0.5 * COARSE.span, 0.5 * COARSE.span])
    r = np.hypot(pts[:, 0] - 0.5, pts[:, 1])
    assert r.max() == pytest.approx(COARSE.far_field_radius, rel=1e-9)
    # one cell thick: only hexahedra (boundary layer) and prisms (the rest)
    kinds = {c.type for c in m.cells if c.dim == 3}
    assert kinds == {"hexahedron", "wedge"}
    # the first layer of points off the wall sits at the requested height
    tag = m.field_data["airfoil"][0]
    wall = np.unique(np.concatenate([c.data[t == tag].ravel() for c, t in
                                     zip(m.cells, m.cell_data["gmsh:physical"]) if c.dim == 2]))
    wall_xy = pts[wall][:, :2]
    others = np.setdiff1d(np.arange(len(pts)), wall)
    from scipy.spatial import cKDTree

    d, _ = cKDTree(wall_xy).query(pts[others][:, :2])
    near = np.sort(d)[: 4 * len(wall_xy) // 2]  # the first off-wall layer, both z planes
    assert np.median(near) == pytest.approx(COARSE.first_cell, rel=0.25)
