from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
import trimesh
from scipy.spatial.transform import Rotation

from geonop.errors import InvalidArgumentError, InvalidMeshError
from geonop.geometry import curve_normals, face_normals, vertex_normals

from .conftest import naca4, square_with_hole, star


def _sphere(sub: int = 3):
    m = trimesh.creation.icosphere(subdivisions=sub)
    return np.asarray(m.vertices), np.asarray(m.faces)


def test_face_normals_of_a_known_triangle():
    v = np.array([[0, 0, 0], [2, 0, 0], [0, 3, 0.0]])
    f = np.array([[0, 1, 2], [0, 2, 1]])
    np.testing.assert_allclose(face_normals(v, f), [[0, 0, 1], [0, 0, -1]])
    # unnormalised: length is the area
    np.testing.assert_allclose(face_normals(v, f, normalized=False), [[0, 0, 3], [0, 0, -3]])


def test_sphere_normals_are_unit_and_outward():
    v, f = _sphere()
    fn = face_normals(v, f)
    np.testing.assert_allclose(np.linalg.norm(fn, axis=1), 1.0, atol=1e-12)
    centroid = v[f].mean(1)
    cos_f = (fn * centroid).sum(1) / np.linalg.norm(centroid, axis=1)
    assert cos_f.min() > 0.99
    for weighting in ("angle", "area"):
        vn = vertex_normals(v, f, weighting=weighting)
        np.testing.assert_allclose(np.linalg.norm(vn, axis=1), 1.0, atol=1e-12)
        assert (vn * v).sum(1).min() > 0.999  # unit sphere: the normal is the position


def test_vertex_normals_weightings_differ_as_documented():
    # a vertex with one large and two small incident triangles in different planes
    v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 0.1], [-0.1, 0, 0.0]])
    f = np.array([[0, 1, 2], [0, 3, 1], [0, 2, 4]])
    angle = vertex_normals(v, f, weighting="angle")[0]
    area = vertex_normals(v, f, weighting="area")[0]
    fn = face_normals(v, f)
    a = face_normals(v, f, normalized=False)
    expected_area = a.sum(0) / np.linalg.norm(a.sum(0))
    np.testing.assert_allclose(area, expected_area, atol=1e-12)
    ang = np.array([np.pi / 2, np.pi / 2, np.pi / 2])  # all corners at vertex 0 are right angles
    expected_angle = (ang[:, None] * fn).sum(0)
    np.testing.assert_allclose(angle, expected_angle / np.linalg.norm(expected_angle), atol=1e-12)


def test_vertex_normals_rotate_with_the_mesh():
    v, f = _sphere(2)
    v = v * [1.0, 2.0, 0.5]
    rot = Rotation.random(random_state=0).as_matrix()
    np.testing.assert_allclose(
        vertex_normals(v @ rot.T, f), vertex_normals(v, f) @ rot.T, atol=1e-12
    )


def test_zero_area_faces_give_zero_normals_not_nan():
    v = np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0], [0, 1, 0.0]])
    f = np.array([[0, 1, 2], [0, 0, 3], [0, 1, 3]])  # collinear, repeated index, fine
    fn = face_normals(v, f)
    assert np.all(np.isfinite(fn))
    np.testing.assert_array_equal(fn[:2], 0.0)
    np.testing.assert_allclose(fn[2], [0, 0, 1])
    vn = vertex_normals(v, f)
    assert np.all(np.isfinite(vn))
    np.testing.assert_array_equal(vn[2], 0.0)  # touched only by the zero-area face
    np.testing.assert_allclose(vn[0], [0, 0, 1])


def test_quad_normals_are_newell_area_vectors():
    v = np.array([[0, 0, 0], [2, 0, 0], [2, 1, 0], [0, 1, 0.0]])
    np.testing.assert_allclose(
        face_normals(v, np.array([[0, 1, 2, 3]]), normalized=False), [[0, 0, 2]]
    )
    # non-planar quad: half the cross product of the diagonals
    w = v.copy()
    w[2, 2] = 0.5
    d1, d2 = w[2] - w[0], w[3] - w[1]
    np.testing.assert_allclose(
        face_normals(w, np.array([[0, 1, 2, 3]]), normalized=False),
        [0.5 * np.cross(d1, d2)],
        atol=1e-15,
    )
    assert vertex_normals(w, np.array([[0, 1, 2, 3]])).shape == (4, 3)


def test_torch_in_torch_out():
    v, f = _sphere(1)
    vt = torch.as_tensor(v, dtype=torch.float32)
    fn = face_normals(vt, torch.as_tensor(f))
    assert isinstance(fn, torch.Tensor) and fn.dtype == torch.float32
    np.testing.assert_allclose(fn.numpy(), face_normals(v, f), atol=1e-6)
    vn = vertex_normals(vt, f)
    assert isinstance(vn, torch.Tensor) and vn.shape == (len(v), 3)


def test_mesh_object_with_triangles_and_quads():
    v = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [2, 0, 0.0]])
    mesh = SimpleNamespace(
        points=v, cells={"quad": np.array([[0, 1, 2, 3]]), "triangle": np.array([[1, 4, 2]])}
    )
    fn = face_normals(mesh)
    # triangles first, then quads
    np.testing.assert_allclose(fn, [[0, 0, 1], [0, 0, 1]])


def test_curve_normals_ccw_circle_point_outward():
    k = 50
    ang = np.linspace(0, 2 * np.pi, k, endpoint=False)
    v = np.stack([np.cos(ang), np.sin(ang)], 1)
    s = np.stack([np.arange(k), (np.arange(k) + 1) % k], 1)
    seg_n, vert_n = curve_normals(v, s)
    mid = 0.5 * (v[s[:, 0]] + v[s[:, 1]])
    np.testing.assert_allclose(seg_n, mid / np.linalg.norm(mid, axis=1, keepdims=True), atol=1e-12)
    np.testing.assert_allclose(vert_n, v, atol=1e-12)
    # clockwise: right-hand normals point inward unless orient=True
    seg_cw, _ = curve_normals(v, s[:, ::-1])
    np.testing.assert_allclose(seg_cw, -seg_n, atol=1e-12)
    seg_or, vert_or = curve_normals(v, s[:, ::-1], orient=True)
    np.testing.assert_allclose(seg_or, seg_n, atol=1e-12)
    np.testing.assert_allclose(vert_or, vert_n, atol=1e-12)


def test_curve_normals_orient_handles_holes_and_mixed_directions():
    v, s = square_with_hole()
    seg_n, _ = curve_normals(v, s, orient=True)
    mid = 0.5 * (v[s[:, 0]] + v[s[:, 1]])
    centre_in = np.array([0.1, 0.0])
    # outer square: away from the origin; hole: towards its own centre (out of the region)
    assert np.all((seg_n[:4] * mid[:4]).sum(1) > 0)
    assert np.all((seg_n[4:] * (centre_in - mid[4:])).sum(1) > 0)


def test_curve_vertex_normal_at_corner_is_the_bisector():
    v = np.array([[0, 0], [1, 0], [1, 1], [0, 1.0]])
    s = np.array([[0, 1], [1, 2], [2, 3], [3, 0]])
    _, vn = curve_normals(v, s)
    np.testing.assert_allclose(
        vn, (v - 0.5) / np.linalg.norm(v - 0.5, axis=1, keepdims=True), atol=1e-12
    )


def test_airfoil_and_star_oriented_normals_point_out():
    for v, s in (naca4("4412", 60), star()):
        seg_n, _ = curve_normals(v, s[:, ::-1], orient=True)
        ref, _ = curve_normals(v, s)  # both curves are counter-clockwise
        np.testing.assert_allclose(seg_n, ref, atol=1e-12)


def test_orient_requires_a_closed_curve():
    v, s = star()
    with pytest.raises(InvalidMeshError, match="not closed"):
        curve_normals(v, s[:-1], orient=True)
    assert curve_normals(v, s[:-1])[0].shape == (len(s) - 1, 2)


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((np.zeros((3, 2)), np.array([[0, 1, 2]])), InvalidArgumentError, "vertices"),
        ((np.eye(3), np.array([[0, 1, 3]])), InvalidMeshError, "out of range"),
        ((np.eye(3), np.array([[0, 1, -1]])), InvalidMeshError, "out of range"),
        ((np.eye(3), np.zeros((0, 3), int)), InvalidMeshError, "empty"),
        ((np.eye(3), np.array([[0.5, 1, 2]])), InvalidArgumentError, "integers"),
        ((np.full((3, 3), np.nan), np.array([[0, 1, 2]])), InvalidMeshError, "NaN"),
        ((np.eye(3), np.array([[0, 1, 2, 0, 1]])), InvalidArgumentError, "faces"),
        ((np.eye(3), None), InvalidArgumentError, "faces"),
    ],
)
def test_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        face_normals(*args)


def test_bad_weighting_and_bad_curve():
    v, f = _sphere(0)
    with pytest.raises(InvalidArgumentError, match="weighting"):
        vertex_normals(v, f, weighting="uniform")
    with pytest.raises(InvalidArgumentError, match="segments"):
        curve_normals(np.zeros((3, 2)), np.array([[0, 1, 2]]))
