from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
import trimesh
from hypothesis import given, settings
from hypothesis import strategies as st

import geonop.geometry.sdf as sdf_module
from geonop.errors import InvalidArgumentError, InvalidMeshError
from geonop.geometry import DistanceIndex, closest_point, distance, signed_distance

from .conftest import (
    naca4,
    random_queries,
    ref_distance_2d,
    ref_distance_3d,
    ref_inside_2d,
    ref_winding_3d,
)

SHAPES_3D = ["sphere", "cube", "torus", "blob", "zero_area_face"]
SHAPES_2D = ["naca2412", "star", "square_hole"]


def _near_surface(v: np.ndarray, f: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Points within a few percent of the surface: where signs are hardest."""
    rng = np.random.default_rng(seed)
    tri = v[f[rng.integers(0, len(f), n)]]
    w = rng.dirichlet(np.ones(3), n)
    p = (w[:, :, None] * tri).sum(1)
    scale = np.ptp(v, axis=0).max()
    return p + rng.normal(scale=0.02 * scale, size=p.shape)


@pytest.mark.parametrize("name", SHAPES_3D)
def test_3d_matches_brute_force_exactly(shapes3d, name):
    v, f = shapes3d[name]
    q = np.concatenate([random_queries(v, 200, seed=1), _near_surface(v, f, 200, seed=2)])
    index = DistanceIndex(v, f)
    d2, _, cp, _ = index._nearest(q)
    d2_ref, _, _, _ = index._nearest_brute(q)
    # same kernel on a provably complete candidate set: bit-identical minimum
    assert np.array_equal(d2, d2_ref)
    # independent algorithm (projection + barycentric, torch)
    np.testing.assert_allclose(np.sqrt(d2), ref_distance_3d(q, v, f), rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(q - cp, axis=1), np.sqrt(d2), atol=1e-12)


@pytest.mark.parametrize("name", SHAPES_3D)
def test_3d_sign_matches_winding_number(shapes3d, name):
    v, f = shapes3d[name]
    q = np.concatenate([random_queries(v, 250, seed=3), _near_surface(v, f, 250, seed=4)])
    sd = signed_distance(q, v, f)
    inside = ref_winding_3d(q, v, f) > 0.5
    assert np.array_equal(sd < 0, inside)
    np.testing.assert_allclose(np.abs(sd), distance(q, v, f), rtol=0, atol=0)


def test_sphere_against_analytic_within_discretisation_error():
    mesh = trimesh.creation.icosphere(subdivisions=3, radius=2.0)
    v, f = np.asarray(mesh.vertices), np.asarray(mesh.faces)
    n = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    inradius = np.min(np.abs((v[f[:, 0]] * n).sum(1)) / np.linalg.norm(n, axis=1))
    hausdorff = 2.0 - inradius  # polyhedron vs sphere
    q = np.random.default_rng(0).uniform(-3, 3, size=(4000, 3))
    sd = signed_distance(q, v, f)
    err = np.abs(sd - (np.linalg.norm(q, axis=1) - 2.0))
    assert err.max() <= hausdorff + 1e-12
    assert hausdorff < 0.01  # the bound is meaningful


@pytest.mark.parametrize("name", SHAPES_2D)
def test_2d_matches_brute_force(shapes2d, name):
    v, s = shapes2d[name]
    q = random_queries(v, 2000, seed=5, pad=0.2)
    index = DistanceIndex(v, s)
    d2, _, _cp, _ = index._nearest(q)
    assert np.array_equal(d2, index._nearest_brute(q)[0])
    np.testing.assert_allclose(np.sqrt(d2), ref_distance_2d(q, v, s), rtol=0, atol=1e-13)
    sd = index.signed_distance(q)
    assert np.array_equal(sd < 0, ref_inside_2d(q, v, s))
    np.testing.assert_allclose(np.abs(sd), np.sqrt(d2), rtol=0, atol=0)


def test_2d_sign_ignores_segment_direction():
    v, s = naca4("0012", 60)
    q = random_queries(v, 1000, seed=6, pad=0.1)
    flipped = s.copy()
    flipped[::3] = flipped[::3, ::-1]
    a, b = signed_distance(q, v, s), signed_distance(q, v, flipped)
    assert np.array_equal(a < 0, b < 0)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)


def test_circle_polygon_against_analytic():
    k = 400
    ang = np.linspace(0, 2 * np.pi, k, endpoint=False)
    v = np.stack([np.cos(ang), np.sin(ang)], 1)
    s = np.stack([np.arange(k), (np.arange(k) + 1) % k], 1)
    q = np.random.default_rng(7).uniform(-2, 2, (3000, 2))
    sd = signed_distance(q, v, s)
    sag = 1 - np.cos(np.pi / k)
    assert np.abs(sd - (np.linalg.norm(q, axis=1) - 1)).max() <= sag + 1e-12


def test_closest_point_lies_on_its_face(shapes3d):
    v, f = shapes3d["blob"]
    q = random_queries(v, 500, seed=8)
    cp, face = closest_point(q, v, f)
    assert face.dtype == np.int64 and cp.shape == q.shape
    # the closest point is on the reported face: its distance to that face is ~0
    for i in range(0, 500, 25):
        d = ref_distance_3d(cp[i : i + 1], v, f[face[i] : face[i] + 1])
        assert d[0] < 1e-12
    np.testing.assert_allclose(np.linalg.norm(q - cp, axis=1), distance(q, v, f), atol=1e-12)


def test_quads_give_same_distance_as_their_triangles():
    box = trimesh.creation.box()
    v = np.asarray(box.vertices)
    # quads of the unit box from its 6 faces: pair up the triangles sharing a diagonal
    quads = np.array(
        [[0, 1, 3, 2], [4, 6, 7, 5], [0, 4, 5, 1], [2, 3, 7, 6], [0, 2, 6, 4], [1, 5, 7, 3]]
    )
    tris = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])
    q = np.random.default_rng(9).uniform(-1, 1, (2000, 3))
    sd_q = signed_distance(q, v, quads)
    np.testing.assert_allclose(sd_q, signed_distance(q, v, tris), atol=1e-15)
    inside = np.all(np.abs(q) < 0.5, axis=1)
    assert np.array_equal(sd_q < 0, inside)
    _, face = closest_point(q, v, quads)
    assert face.max() < 6


def test_points_on_vertices_have_zero_distance(shapes3d):
    v, f = shapes3d["torus"]
    assert np.all(signed_distance(v, v, f) == 0)


def test_inward_oriented_surface_gives_same_signs(shapes3d):
    v, f = shapes3d["blob"]
    q = random_queries(v, 500, seed=10)
    a, b = signed_distance(q, v, f), signed_distance(q, v, f[:, ::-1])
    assert np.array_equal(a < 0, b < 0)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)


def test_triangle_soup_is_welded(shapes3d):
    v, f = shapes3d["sphere"]
    soup_v = v[f].reshape(-1, 3)
    soup_f = np.arange(len(soup_v)).reshape(-1, 3)
    q = random_queries(v, 300, seed=11)
    np.testing.assert_array_equal(signed_distance(q, soup_v, soup_f), signed_distance(q, v, f))


def test_far_and_central_queries_stay_exact():
    # the centre of a sphere is equidistant from everything: nothing can be pruned
    mesh = trimesh.creation.icosphere(subdivisions=2)
    v, f = np.asarray(mesh.vertices), np.asarray(mesh.faces)
    q = np.concatenate([np.zeros((3, 3)), [[1e3, -2e3, 5e2]], 1e-3 * np.ones((1, 3))])
    index = DistanceIndex(v, f)
    assert np.array_equal(index._nearest(q)[0], index._nearest_brute(q)[0])
    assert np.all(index.signed_distance(q)[[0, 1, 2, 4]] < 0)


def test_small_chunks_and_budgets_give_identical_results(shapes3d, monkeypatch):
    v, f = shapes3d["blob"]
    q = random_queries(v, 700, seed=12)
    expected = signed_distance(q, v, f)
    monkeypatch.setattr(sdf_module, "_QUERY_CHUNK", 37)
    monkeypatch.setattr(sdf_module, "_PAIR_BUDGET", 50)
    monkeypatch.setattr(sdf_module._bvh, "_BUDGET", 64)
    np.testing.assert_array_equal(signed_distance(q, v, f), expected)
    monkeypatch.setattr(sdf_module, "_MAX_THREADS", 1)
    np.testing.assert_array_equal(signed_distance(q, v, f), expected)


def test_large_triangles_next_to_small_ones():
    # a big flat quad (2 triangles) with a finely tessellated bump cannot fool the bounds
    g = np.linspace(-0.05, 0.05, 11)
    x, y = np.meshgrid(g, g)
    fine = np.stack([x.ravel(), y.ravel(), 0.01 * np.cos(30 * x.ravel())], 1)
    big = np.array([[-50, -50, 0], [50, -50, 0], [50, 50, 0], [-50, 50, 0.0]])
    v = np.concatenate([fine, big])
    idx = np.arange(121).reshape(11, 11)
    a, b, c, d = (
        idx[:-1, :-1].ravel(),
        idx[:-1, 1:].ravel(),
        idx[1:, 1:].ravel(),
        idx[1:, :-1].ravel(),
    )
    f = np.concatenate(
        [np.stack([a, b, c], 1), np.stack([a, c, d], 1), [[121, 122, 123], [121, 123, 124]]]
    )
    q = np.random.default_rng(13).uniform([-1, -1, -0.2], [1, 1, 0.2], (1000, 3))
    index = DistanceIndex(v, f)
    assert np.array_equal(index._nearest(q)[0], index._nearest_brute(q)[0])


def test_torch_in_torch_out(shapes3d):
    v, f = shapes3d["sphere"]
    q = torch.as_tensor(random_queries(v, 100, seed=14), dtype=torch.float32)
    sd = signed_distance(q, torch.as_tensor(v), torch.as_tensor(f))
    assert isinstance(sd, torch.Tensor) and sd.dtype == torch.float32 and sd.shape == (100,)
    np.testing.assert_allclose(sd.numpy(), signed_distance(q.double().numpy(), v, f), rtol=1e-6)
    cp, face = closest_point(q, v, f)
    assert cp.dtype == torch.float32 and face.dtype == torch.long


def test_mesh_object_duck_typing(shapes3d, shapes2d):
    v, f = shapes3d["sphere"]
    mesh = SimpleNamespace(points=v, cells={"triangle": f, "vertex": np.zeros((1, 1), int)})
    q = random_queries(v, 50, seed=15)
    np.testing.assert_array_equal(signed_distance(q, mesh), signed_distance(q, v, f))
    v2, s2 = shapes2d["star"]
    mesh2 = SimpleNamespace(points=np.c_[v2, np.zeros(len(v2))], cells={"line": s2})
    q2 = random_queries(v2, 50, seed=16)
    np.testing.assert_array_equal(signed_distance(q2, mesh2), signed_distance(q2, v2, s2))


def test_planar_3d_points_and_boundary_groups():
    # a 2D domain stored with z = 0, its airfoil wall as a boundary group of lines
    v, s = naca4("2412", 60)
    v3 = np.c_[v, np.zeros(len(v))]
    wall = SimpleNamespace(cells={"line": s})
    q2 = random_queries(v, 300, seed=19)
    q3 = np.c_[q2, np.zeros(len(q2))]
    expected = signed_distance(q2, v, s)
    np.testing.assert_array_equal(signed_distance(q3, v3, wall), expected)
    np.testing.assert_array_equal(signed_distance(q2, v3, s), expected)
    cp, seg = closest_point(q3, v3, s)
    assert seg.max() < len(s)
    assert cp.shape == (300, 3) and np.all(cp[:, 2] == 0)
    mesh = SimpleNamespace(points=v3, cells={"line": s, "vertex": np.zeros((1, 1), int)})
    np.testing.assert_array_equal(distance(q3, mesh), np.abs(expected))
    with pytest.raises(InvalidArgumentError, match="plane z = 0"):
        signed_distance(q3 + [0, 0, 1.0], v3, s)


def test_empty_query_gives_empty_result(shapes3d):
    v, f = shapes3d["sphere"]
    assert signed_distance(np.zeros((0, 3)), v, f).shape == (0,)


def test_open_surface_signed_raises_but_unsigned_works(shapes3d):
    v, f = shapes3d["sphere"]
    q = random_queries(v, 20, seed=17)
    with pytest.raises(InvalidMeshError, match="not closed"):
        signed_distance(q, v, f[1:])
    assert np.all(np.isfinite(distance(q, v, f[1:])))


def test_open_curve_signed_raises(shapes2d):
    v, s = shapes2d["star"]
    with pytest.raises(InvalidMeshError, match="not closed"):
        signed_distance(np.zeros((1, 2)), v, s[1:])
    assert distance(np.zeros((1, 2)), v, s[1:]).shape == (1,)


def test_inconsistent_orientation_raises(shapes3d):
    v, f = shapes3d["sphere"]
    bad = f.copy()
    bad[0] = bad[0, ::-1]
    with pytest.raises(InvalidMeshError, match="oriented"):
        signed_distance(np.zeros((1, 3)), v, bad)


@pytest.mark.parametrize(
    "query, vertices, cells, error, match",
    [
        (np.zeros((4, 2)), "sphere", None, InvalidArgumentError, "query"),
        (np.full((4, 3), np.nan), "sphere", None, InvalidArgumentError, "query"),
        (np.zeros(3), "sphere", None, InvalidArgumentError, "query"),
        (np.zeros((1, 3)), np.zeros((0, 3)), np.zeros((0, 3), int), InvalidMeshError, "vertices"),
        (np.zeros((1, 3)), "sphere", np.array([[0, 1, 10**6]]), InvalidMeshError, "out of range"),
        (np.zeros((1, 3)), "sphere", np.array([[0, 1]]), InvalidMeshError, "2D curve"),
        (np.zeros((1, 3)), "sphere", np.array([[0, 1, 2, 3, 4]]), InvalidArgumentError, "faces"),
        (np.zeros((1, 3)), "sphere", None, InvalidMeshError, "NaN or Inf"),
    ],
)
def test_bad_input(shapes3d, query, vertices, cells, error, match):
    v, f = shapes3d["sphere"]
    if isinstance(vertices, str):
        vertices = v.copy()
        if match == "NaN or Inf":
            vertices[3, 1] = np.inf
    cells = f if cells is None else cells
    with pytest.raises(error, match=match):
        signed_distance(query, vertices, cells)


def test_sign_around_sharp_apex_needs_vertex_pseudonormals():
    # Around the tip of a thin spike, the query's closest point is the apex and the
    # normals of the faces meeting there point almost opposite ways: any single face
    # normal gives wrong signs; the angle-weighted pseudonormal does not.
    k = 6
    ang = 2 * np.pi * np.arange(k) / k
    base = np.stack([0.3 * np.cos(ang), 0.3 * np.sin(ang), np.zeros(k)], 1)
    v = np.concatenate([base, [[0, 0, 5.0]], [[0, 0, 0.0]]])
    side = np.stack([np.arange(k), (np.arange(k) + 1) % k, np.full(k, k)], 1)
    bottom = np.stack([(np.arange(k) + 1) % k, np.arange(k), np.full(k, k + 1)], 1)
    f = np.concatenate([side, bottom])
    rng = np.random.default_rng(18)
    u = rng.normal(size=(600, 3))
    q = v[k] + 0.05 * u / np.linalg.norm(u, axis=1, keepdims=True)
    sd = signed_distance(q, v, f)
    assert np.array_equal(sd < 0, ref_winding_3d(q, v, f) > 0.5)
    _, _, _, region = DistanceIndex(v, f)._nearest(q)
    assert np.mean(region >= 4) > 0.3  # many queries are in the apex's vertex region


@settings(max_examples=10, deadline=None, derandomize=True)
@given(
    n_points=st.integers(5, 60),
    seed=st.integers(0, 2**31 - 1),
    scale=st.sampled_from([1e-3, 1.0, 1e3]),
    offset=st.sampled_from([0.0, 1e4]),
)
def test_random_convex_hulls_match_brute_force(n_points, seed, scale, offset):
    rng = np.random.default_rng(seed)
    pts = rng.normal(size=(n_points, 3)) * rng.uniform(0.2, 2.0, 3)
    hull = trimesh.convex.convex_hull(pts)
    v = np.asarray(hull.vertices) * scale + offset
    f = np.asarray(hull.faces)
    q = random_queries(v, 150, seed=seed % 1000)
    index = DistanceIndex(v, f)
    d2 = index._nearest(q)[0]
    assert np.array_equal(d2, index._nearest_brute(q)[0])
    inside = ref_winding_3d((q - offset) / scale, (v - offset) / scale, f) > 0.5
    assert np.array_equal(index.signed_distance(q) < 0, inside)


def test_geonop_mesh_and_boundary_objects():
    from geonop.io import Boundary, Mesh

    v, s = naca4("2412", 60)
    far = 3 * np.array([[-1, -1], [2, -1], [2, 1], [-1, 1.0]])
    pts = np.c_[np.concatenate([v, far]), np.zeros(len(v) + 4)]
    mesh = Mesh(pts, {"line": s}, boundaries={"airfoil": Boundary({"line": s})})
    q = np.c_[random_queries(v, 200, seed=20), np.zeros(200)]
    expected = signed_distance(q[:, :2], v, s)
    np.testing.assert_array_equal(signed_distance(q, pts, mesh.boundaries["airfoil"]), expected)
    np.testing.assert_array_equal(signed_distance(q, mesh), expected)
    box = trimesh.creation.box()
    surf = Mesh(np.asarray(box.vertices), {"triangle": np.asarray(box.faces)})
    q3 = np.random.default_rng(21).uniform(-1, 1, (200, 3))
    assert np.array_equal(signed_distance(q3, surf) < 0, np.all(np.abs(q3) < 0.5, axis=1))
