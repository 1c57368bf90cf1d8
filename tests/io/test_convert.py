"""Conversions to and from pyvista, meshio and trimesh keep points, cells and fields."""

from __future__ import annotations

import numpy as np
import pytest

from geonop.errors import InvalidArgumentError, InvalidMeshError
from geonop.io import Mesh, as_mesh
from geonop.io.convert import (
    from_meshio,
    from_pyvista,
    from_trimesh,
    surface_triangles,
    to_meshio,
    to_pyvista,
    to_trimesh,
)
from tests.io.iosamples import (
    assert_same_mesh,
    cube_tets,
    mixed_surface,
    random_surface,
    two_polyhedra,
)


# --------------------------------------------------------------------------- pyvista
@pytest.mark.parametrize("make", [cube_tets, mixed_surface, random_surface, two_polyhedra])
def test_pyvista_round_trip(make):
    m = make()
    assert_same_mesh(m, Mesh.from_pyvista(m.to_pyvista()), boundaries=False)


def test_pyvista_kinds():
    import pyvista as pv

    assert isinstance(to_pyvista(mixed_surface()), pv.PolyData)
    assert isinstance(to_pyvista(cube_tets()), pv.UnstructuredGrid)
    assert isinstance(to_pyvista(mixed_surface(), kind="unstructured"), pv.UnstructuredGrid)
    with pytest.raises(InvalidMeshError, match="PolyData"):
        to_pyvista(cube_tets(), kind="polydata")


def test_pyvista_polydata_reorders_cell_data_consistently():
    # VTK stores PolyData lines before polygons; geonop must permute cell data with them
    pts = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]], float)
    m = Mesh(pts, {"triangle": [[0, 1, 2]], "line": [[1, 3], [3, 2]]},
             cell_data={"c": np.array([7.0, 8.0, 9.0])})
    back = from_pyvista(to_pyvista(m))
    assert back.cell_types == ("line", "triangle")
    np.testing.assert_array_equal(back.cell_data_by_type("c")["line"], [8.0, 9.0])
    np.testing.assert_array_equal(back.cell_data_by_type("c")["triangle"], [7.0])


def test_pyvista_2d_points_come_back_2d():
    m = mixed_surface()
    ds = to_pyvista(m)
    assert ds.points.shape[1] == 3
    assert from_pyvista(ds).points.shape == (7, 2)


def test_from_pyvista_structured_and_voxels():
    import pyvista as pv

    img = pv.ImageData(dimensions=(3, 3, 2))
    img.cell_data["k"] = np.arange(img.n_cells, dtype=float)
    m = from_pyvista(img)
    assert m.cell_counts() == {"hexahedron": 4}
    assert not np.any(np.isnan(m.cell_data["k"]))
    m.validate()  # voxel -> hexahedron reordering gives valid cells
    from geonop.io.validate import degenerate_cells  # noqa: F401
    vol = to_pyvista(m).volume
    assert vol == pytest.approx(4.0)


def test_from_pyvista_splits_polylines_and_strips():
    import pyvista as pv

    pts = np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0], [0, 1, 0], [1, 1, 0]], float)
    poly = pv.PolyData(pts, lines=np.array([3, 0, 1, 2]), strips=np.array([4, 0, 3, 1, 4]))
    poly.cell_data["c"] = np.array([1.0, 2.0])
    m = from_pyvista(poly)
    assert m.cell_counts() == {"line": 2, "triangle": 2}
    np.testing.assert_array_equal(m.cell_data["c"], [1, 1, 2, 2])
    # strip triangles alternate their order so both face the same way
    tri = m.cells["triangle"]
    n = [np.cross(pts[t[1]] - pts[t[0]], pts[t[2]] - pts[t[0]])[2] for t in tri]
    assert np.sign(n[0]) == np.sign(n[1])


def test_from_pyvista_multiblock_combines():
    import pyvista as pv

    mb = pv.MultiBlock([pv.Sphere(theta_resolution=6, phi_resolution=6), pv.Cube()])
    m = from_pyvista(mb)
    assert m.num_points == mb[0].n_points + mb[1].n_points


# --------------------------------------------------------------------------- meshio
@pytest.mark.parametrize("make", [cube_tets, mixed_surface, random_surface, two_polyhedra])
def test_meshio_round_trip(make):
    m = make()
    assert_same_mesh(m, Mesh.from_meshio(m.to_meshio()))


def test_meshio_boundaries_travel_as_gmsh_physical_groups():
    m = cube_tets()
    mm = to_meshio(m)
    assert [b.type for b in mm.cells] == ["tetra", "triangle"]
    assert set(mm.field_data) == {"domain", "bottom"}
    back = from_meshio(mm)
    np.testing.assert_array_equal(back.boundaries["bottom"].cells["triangle"],
                                  m.boundaries["bottom"].cells["triangle"])
    assert "gmsh:physical" not in back.cell_data
    assert back.meta["regions"] == {"domain": 1}
    assert len(to_meshio(m, boundaries=False).cells) == 1


def test_meshio_mixed_polygon_sizes():
    pts = np.array([[0, 0], [1, 0], [2, 0], [2, 1], [1, 1], [0, 1], [1, 2]], float)
    m = Mesh(pts, {"polygon": [[0, 1, 4, 6, 5], [1, 2, 3, 4]]}, cell_data={"c": np.array([5, 4])})
    back = from_meshio(to_meshio(m))
    got = {len(p): (list(p), c) for p, c in zip(back.cells["polygon"], back.cell_data["c"])}
    assert got == {5: ([0, 1, 4, 6, 5], 5), 4: ([1, 2, 3, 4], 4)}


# --------------------------------------------------------------------------- trimesh
def test_trimesh_round_trip_triangles():
    m = random_surface()
    t = m.to_trimesh()
    assert t.vertices.shape == (m.num_points, 3) and len(t.faces) == m.num_cells
    assert_same_mesh(m, Mesh.from_trimesh(t))


def test_trimesh_splits_quads_and_repeats_cell_data():
    m = mixed_surface()
    t = to_trimesh(m)
    assert len(t.faces) == 4  # 2 triangles + 1 quad split in two
    np.testing.assert_array_equal(t.face_attributes["id"], [10, 11, 12, 12])
    assert t.area == pytest.approx(1.0 + 1.0)  # two unit-area halves + unit quad
    _, parent = surface_triangles(m)
    np.testing.assert_array_equal(parent, [0, 1, 2, 2])


def test_trimesh_point_cloud_and_scene():
    import trimesh

    assert isinstance(to_trimesh(Mesh(np.random.default_rng(0).random((5, 3)))), trimesh.PointCloud)
    scene = trimesh.Scene([trimesh.creation.box(), trimesh.creation.icosphere(subdivisions=0)])
    m = from_trimesh(scene)
    assert m.num_points == 8 + 12 and m.cell_counts() == {"triangle": 12 + 20}


def test_trimesh_refuses_volume_only_meshes():
    m = cube_tets()
    m.boundaries.clear()
    with pytest.raises(InvalidMeshError, match="no surface cells"):
        to_trimesh(m)


# --------------------------------------------------------------------------- as_mesh
def test_as_mesh_accepts_every_kind_of_object():
    import torch

    m = cube_tets()
    assert as_mesh(m) is m
    assert as_mesh(m.to_pyvista()).num_cells == 6
    assert as_mesh(m.to_meshio()).num_cells == 6
    assert as_mesh(random_surface().to_trimesh()).num_cells == 80
    assert as_mesh(np.zeros((4, 2))).points.shape == (4, 2)
    assert as_mesh(torch.zeros(4, 3)).points.shape == (4, 3)
    with pytest.raises(InvalidArgumentError, match=r"shape \[N, 2\] or \[N, 3\]"):
        as_mesh(np.zeros((4, 5)))
    with pytest.raises(InvalidArgumentError, match="cannot convert dict"):
        as_mesh({"points": 1})
