from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
import trimesh

from geonop.errors import InvalidArgumentError, InvalidMeshError
from geonop.geometry import face_normals, sample_curve, sample_surface

from .conftest import naca4, ref_distance_2d, square_with_hole

# chi-square critical values at p = 0.001 (the seeds are fixed; this only guards
# against a real bias, never against bad luck)
CHI2_999 = {1: 10.83, 3: 16.27}


def _chi2(counts: np.ndarray, probs: np.ndarray) -> float:
    expected = probs * counts.sum()
    return float(((counts - expected) ** 2 / expected).sum())


def _barycentric(p: np.ndarray, tri: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Barycentric coordinates [n, 3] of p [n, 3] in triangles tri [n, 3, 3], and the
    distance of p from each triangle's plane."""
    a, e1, e2 = tri[:, 0], tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    r = p - a
    g11, g12, g22 = (e1 * e1).sum(1), (e1 * e2).sum(1), (e2 * e2).sum(1)
    b1, b2 = (r * e1).sum(1), (r * e2).sum(1)
    det = g11 * g22 - g12 * g12
    u = (g22 * b1 - g12 * b2) / det
    w = (g11 * b2 - g12 * b1) / det
    off_plane = np.linalg.norm(r - u[:, None] * e1 - w[:, None] * e2, axis=1)
    return np.column_stack([1 - u - w, u, w]), off_plane


def test_points_lie_on_their_faces_with_face_normals():
    mesh = trimesh.creation.torus(major_radius=1.0, minor_radius=0.3)
    v, f = np.asarray(mesh.vertices), np.asarray(mesh.faces)
    p, n, idx = sample_surface(v, f, 2000, seed=0)
    assert p.shape == (2000, 3) and n.shape == (2000, 3) and idx.shape == (2000,)
    assert idx.dtype == np.int64 and idx.min() >= 0 and idx.max() < len(f)
    np.testing.assert_allclose(n, face_normals(v, f)[idx])
    bary, off_plane = _barycentric(p, v[f[idx]])
    assert off_plane.max() < 1e-12
    assert bary.min() > -1e-9 and bary.max() < 1 + 1e-9


def test_faces_are_drawn_in_proportion_to_area():
    # two triangles with areas 1 : 3
    v = np.array([[0, 0, 0], [1, 0, 0], [0, 2, 0], [3, 0, 1], [6, 0, 1], [3, 2, 1.0]])
    f = np.array([[0, 1, 2], [3, 4, 5]])
    _, _, idx = sample_surface(v, f, 40000, seed=1)
    counts = np.bincount(idx, minlength=2)
    assert _chi2(counts, np.array([0.25, 0.75])) < CHI2_999[1]
    # and a biased sampler would fail: 1 : 2 is rejected
    assert _chi2(counts, np.array([1 / 3, 2 / 3])) > CHI2_999[1]


def test_points_are_uniform_inside_a_triangle():
    v = np.array([[0, 0, 0], [4, 0, 0], [1, 3, 0.0]])
    p, _, _ = sample_surface(v, np.array([[0, 1, 2]]), 20000, seed=2)
    bary = np.linalg.solve(np.array([[4, 1], [0, 3.0]]), p[:, :2].T).T
    u, w = bary[:, 0], bary[:, 1]
    # the midpoint subdivision has 4 triangles of equal area: 3 corners + centre
    region = np.select([u > 0.5, w > 0.5, u + w < 0.5], [0, 1, 2], 3)
    assert _chi2(np.bincount(region, minlength=4), np.full(4, 0.25)) < CHI2_999[3]


def test_quads_are_sampled_uniformly_and_keep_their_index():
    v = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0.0]])
    p, n, idx = sample_surface(v, np.array([[0, 1, 2, 3]]), 20000, seed=3)
    np.testing.assert_array_equal(idx, 0)
    np.testing.assert_allclose(n, np.tile([0, 0, 1.0], (20000, 1)))
    assert p[:, :2].min() >= 0 and p[:, :2].max() <= 1 and np.all(p[:, 2] == 0)
    quadrant = (p[:, 0] > 0.5).astype(int) * 2 + (p[:, 1] > 0.5)
    assert _chi2(np.bincount(quadrant, minlength=4), np.full(4, 0.25)) < CHI2_999[3]


def test_zero_area_faces_are_never_drawn():
    v = np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0], [0, 1, 0.0]])
    f = np.array([[0, 1, 2], [0, 1, 3], [1, 1, 3]])
    _, n, idx = sample_surface(v, f, 5000, seed=4)
    np.testing.assert_array_equal(idx, 1)
    assert np.all(np.isfinite(n))


def test_seeds_are_deterministic():
    m = trimesh.creation.icosphere(subdivisions=2)
    v, f = np.asarray(m.vertices), np.asarray(m.faces)
    a = sample_surface(v, f, 100, seed=5)
    b = sample_surface(v, f, 100, seed=5)
    c = sample_surface(v, f, 100, seed=6)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])
    g1 = sample_surface(v, f, 100, seed=np.random.default_rng(7))
    g2 = sample_surface(v, f, 100, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(g1[0], g2[0])
    t1 = sample_surface(v, f, 100, seed=torch.Generator().manual_seed(8))
    t2 = sample_surface(v, f, 100, seed=torch.Generator().manual_seed(8))
    np.testing.assert_array_equal(t1[0], t2[0])


def test_torch_in_torch_out():
    m = trimesh.creation.icosphere(subdivisions=1)
    v = torch.as_tensor(m.vertices, dtype=torch.float32)
    p, n, idx = sample_surface(v, torch.as_tensor(m.faces), 50, seed=9)
    assert p.dtype == torch.float32 and n.dtype == torch.float32 and idx.dtype == torch.long
    pn, _, _ = sample_surface(np.asarray(m.vertices), np.asarray(m.faces), 50, seed=9)
    np.testing.assert_allclose(p.numpy(), pn, atol=1e-6)


def test_mesh_object():
    m = trimesh.creation.icosphere(subdivisions=1)
    mesh = SimpleNamespace(points=np.asarray(m.vertices), cells={"triangle": np.asarray(m.faces)})
    p, _, idx = sample_surface(mesh, n=30, seed=10)
    q, _, jdx = sample_surface(np.asarray(m.vertices), np.asarray(m.faces), 30, seed=10)
    np.testing.assert_array_equal(p, q)
    np.testing.assert_array_equal(idx, jdx)
    with pytest.raises(InvalidArgumentError, match="n="):
        sample_surface(mesh, 30)
    # a trimesh object works as well
    np.testing.assert_array_equal(sample_surface(m, n=30, seed=10)[0], p)


@pytest.mark.parametrize(
    "n, error, match",
    [
        (0, InvalidArgumentError, "n"),
        (-3, InvalidArgumentError, "n"),
        (2.5, InvalidArgumentError, "n"),
        (None, InvalidArgumentError, "n"),
        (True, InvalidArgumentError, "n"),
    ],
)
def test_bad_counts(n, error, match):
    v = np.eye(3)
    with pytest.raises(error, match=match):
        sample_surface(v, np.array([[0, 1, 2]]), n)


def test_bad_meshes():
    with pytest.raises(InvalidMeshError, match="zero"):
        sample_surface(np.zeros((3, 3)), np.array([[0, 1, 2]]), 10)
    with pytest.raises(InvalidMeshError, match="out of range"):
        sample_surface(np.eye(3), np.array([[0, 1, 5]]), 10)
    with pytest.raises(InvalidMeshError, match="empty"):
        sample_surface(np.eye(3), np.zeros((0, 3), int), 10)
    with pytest.raises(InvalidArgumentError, match="seed"):
        sample_surface(np.eye(3), np.array([[0, 1, 2]]), 10, seed="abc")
    with pytest.raises(InvalidArgumentError, match="vertices"):
        sample_surface(np.zeros((3, 2)), np.array([[0, 1, 2]]), 10)


# ------------------------------------------------------------------------- curves


def test_curve_points_lie_on_segments_with_outward_normals():
    v, s = naca4("2412", 80)
    p, n, idx = sample_curve(v, s[:, ::-1], 3000, seed=11)  # clockwise input
    assert ref_distance_2d(p, v, s).max() < 1e-12
    a, b = v[s[idx, 0]], v[s[idx, 1]]
    cross = (b - a)[:, 0] * (p - a)[:, 1] - (b - a)[:, 1] * (p - a)[:, 0]
    assert np.abs(cross).max() < 1e-12  # on the segment's line
    np.testing.assert_allclose(np.linalg.norm(n, axis=1), 1.0)
    # outward: a small step along the normal leaves the airfoil
    from geonop.geometry import signed_distance

    assert np.all(signed_distance(p + 1e-4 * n, v, s) > 0)


def test_curve_length_weighting():
    v = np.array([[0, 0], [1, 0], [10, 0], [13, 0.0]])
    s = np.array([[0, 1], [2, 3]])  # lengths 1 : 3, open curve
    _, n, idx = sample_curve(v, s, 40000, seed=12, orient=False)
    assert _chi2(np.bincount(idx, minlength=2), np.array([0.25, 0.75])) < CHI2_999[1]
    np.testing.assert_allclose(n, np.tile([0, -1.0], (40000, 1)))  # right-hand normals
    with pytest.raises(InvalidMeshError, match="not closed"):
        sample_curve(v, s, 10)


def test_curve_with_hole_and_determinism():
    v, s = square_with_hole()
    p1, n1, i1 = sample_curve(v, s, 500, seed=13)
    p2, _n2, i2 = sample_curve(torch.as_tensor(v), s, 500, seed=13)
    assert isinstance(p2, torch.Tensor)
    np.testing.assert_array_equal(p1, p2.numpy())
    np.testing.assert_array_equal(i1, i2.numpy())
    hole = i1 >= 4
    centre = np.array([0.1, 0.0])
    assert np.all(((centre - p1[hole]) * n1[hole]).sum(1) > 0)  # into the hole = outward


def test_planar_3d_curve_keeps_its_z():
    v, s = naca4("0012", 40)
    v3 = np.c_[v, np.full(len(v), 2.5)]
    p, n, i = sample_curve(v3, s, 100, seed=14)
    p2, n2, i2 = sample_curve(v, s, 100, seed=14)
    np.testing.assert_array_equal(p, np.c_[p2, np.full(100, 2.5)])
    np.testing.assert_array_equal(n, np.c_[n2, np.zeros(100)])
    np.testing.assert_array_equal(i, i2)


def test_curve_bad_input():
    v = np.array([[0, 0], [1, 0.0]])
    with pytest.raises(InvalidArgumentError, match="n"):
        sample_curve(v, np.array([[0, 1]]), 0, orient=False)
    with pytest.raises(InvalidMeshError, match="zero"):
        sample_curve(np.zeros((2, 2)), np.array([[0, 1]]), 5, orient=False)
    with pytest.raises(InvalidMeshError, match="constant z"):
        sample_curve(np.array([[0, 0, 0], [1, 0, 1.0]]), np.array([[0, 1]]), 5)
    with pytest.raises(InvalidArgumentError, match="vertices"):
        sample_curve(np.zeros((2, 4)), np.array([[0, 1]]), 5)
