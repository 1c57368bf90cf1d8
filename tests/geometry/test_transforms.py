from __future__ import annotations

import itertools
import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from geonop.errors import InvalidArgumentError, InvalidMeshError
from geonop.geometry import NormalizationTransform as T


def _cloud(n: int = 500, seed: int = 0) -> np.ndarray:
    """An anisotropic, skewed, off-centre, rotated point cloud."""
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, size=(n, 3)) * [4.0, 2.0, 0.5]
    return x @ Rotation.random(random_state=seed).as_matrix().T + [10.0, -5.0, 3.0]


OPTIONS = list(
    itertools.product(["bbox", "mean"], ["max_extent", "unit_sphere", "std"], [None, "pca"])
)


@pytest.mark.parametrize("center, scale, rotate", OPTIONS)
def test_round_trip_and_distance_scaling(center, scale, rotate):
    x = _cloud()
    t = T.fit(x, center=center, scale=scale, rotate=rotate)
    y = t.apply(x)
    np.testing.assert_allclose(t.inverse(y), x, atol=1e-12)
    d_x = np.linalg.norm(x[1:] - x[:-1], axis=1)
    d_y = np.linalg.norm(y[1:] - y[:-1], axis=1)
    np.testing.assert_allclose(d_y * t.scale, d_x, rtol=1e-12)


def test_fitted_ranges():
    x = _cloud()
    y = T.fit(x, center="bbox", scale="max_extent").apply(x)
    np.testing.assert_allclose(np.ptp(y, axis=0).max(), 1.0)
    np.testing.assert_allclose(y.min(0) + y.max(0), 0.0, atol=1e-12)
    y = T.fit(x, center="mean", scale="unit_sphere").apply(x)
    np.testing.assert_allclose(np.linalg.norm(y, axis=1).max(), 1.0)
    np.testing.assert_allclose(y.mean(0), 0.0, atol=1e-12)
    y = T.fit(x, center="mean", scale="std").apply(x)
    np.testing.assert_allclose(y.std(), 1.0)
    y = T.fit(x, center="bbox", scale="max_extent", per_axis=True).apply(x)
    np.testing.assert_allclose(np.ptp(y, axis=0), 1.0)
    y = T.fit(x, center="mean", scale="std", per_axis=True, rotate="pca").apply(x)
    np.testing.assert_allclose(y.std(0), 1.0)
    np.testing.assert_allclose(np.cov(y.T), np.eye(3), atol=1e-2)  # whitened
    y = T.fit(x, center="bbox", scale="max_extent", rotate="pca").apply(x)
    np.testing.assert_allclose(y.min(0) + y.max(0), 0.0, atol=1e-12)  # bbox of the PCA frame


def test_pca_frame_is_ordered_right_handed_and_rotation_invariant():
    x = _cloud()
    t = T.fit(x, center="mean", scale="std", rotate="pca")
    np.testing.assert_allclose(t.rotation @ t.rotation.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(t.rotation) > 0
    var = t.apply(x).var(0)
    assert var[0] > var[1] > var[2]
    # a rigidly moved copy normalises to the same points (signs are fixed by skewness)
    rot = Rotation.random(random_state=42).as_matrix()
    moved = x @ rot.T + [1.0, 2.0, -3.0]
    t2 = T.fit(moved, center="mean", scale="std", rotate="pca")
    np.testing.assert_allclose(t2.apply(moved), t.apply(x), atol=1e-9)
    # and the fit is deterministic
    assert T.fit(x, center="mean", scale="std", rotate="pca") == t


def test_pca_on_symmetric_data_is_deterministic():
    x = np.array([[1, 0, 0], [-1, 0, 0], [0, 2, 0], [0, -2, 0], [0, 0, 3], [0, 0, -3.0]])
    a = T.fit(x, rotate="pca")
    assert a == T.fit(x.copy(), rotate="pca")
    assert np.linalg.det(a.rotation) > 0


def test_vectors():
    x = _cloud(50)
    rng = np.random.default_rng(1)
    dv = rng.normal(size=x.shape)
    for per_axis in (False, True):
        t = T.fit(x, scale="max_extent", rotate="pca", per_axis=per_axis)
        np.testing.assert_allclose(t.apply(x + dv) - t.apply(x), t.apply_vectors(dv), atol=1e-12)
        np.testing.assert_allclose(t.inverse_vectors(t.apply_vectors(dv)), dv, atol=1e-12)
        # normals: stay unit and perpendicular to transformed tangents
        tangent = rng.normal(size=(50, 3))
        normal = np.cross(tangent, rng.normal(size=(50, 3)))
        normal /= np.linalg.norm(normal, axis=1, keepdims=True)
        n2 = t.apply_vectors(normal, kind="normal")
        np.testing.assert_allclose(np.linalg.norm(n2, axis=1), 1.0)
        np.testing.assert_allclose((n2 * t.apply_vectors(tangent)).sum(1), 0.0, atol=1e-12)
        np.testing.assert_allclose(t.inverse_vectors(n2, kind="normal"), normal, atol=1e-12)
    t = T.fit(x, rotate="pca")
    np.testing.assert_allclose(t.apply_vectors(normal, kind="normal"), normal @ t.rotation.T)
    with pytest.raises(InvalidArgumentError, match="kind"):
        t.apply_vectors(dv, kind="velocity")


def test_compose():
    x = _cloud()
    a = T.fit(x, center="mean", scale="std", rotate="pca")
    b = T(np.array([0.3, -0.1, 0.2]), 2.5, Rotation.random(random_state=3).as_matrix())
    ab = a.compose(b)
    np.testing.assert_allclose(ab.apply(x), b.apply(a.apply(x)), atol=1e-12)
    np.testing.assert_allclose(ab.inverse(ab.apply(x)), x, atol=1e-10)
    # per-axis scale then an axis permutation (no shear): representable
    c = T.fit(x, scale="max_extent", per_axis=True)
    perm = T(np.zeros(3), 1.0, np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0.0]]))
    np.testing.assert_allclose(c.compose(perm).apply(x), perm.apply(c.apply(x)), atol=1e-12)
    # per-axis scale then a generic rotation shears: refused
    with pytest.raises(InvalidArgumentError, match="shear"):
        c.compose(b)
    with pytest.raises(InvalidArgumentError, match="dimension"):
        a.compose(T.identity(2))


def test_dict_round_trip_through_json():
    x = _cloud()
    for t in (T.fit(x, rotate="pca"), T.fit(x, scale="std", per_axis=True), T.identity(2)):
        d = json.loads(json.dumps(t.to_dict()))
        assert T.from_dict(d) == t
    assert isinstance(T.fit(x).to_dict()["scale"], float)


def test_torch_numpy_parity_dtype_and_batches():
    x = _cloud()
    t = T.fit(x, rotate="pca")
    xt = torch.as_tensor(x, dtype=torch.float32)
    y = t.apply(xt)
    assert isinstance(y, torch.Tensor) and y.dtype == torch.float32 and y.device == xt.device
    np.testing.assert_allclose(y.numpy(), t.apply(x), atol=1e-5)
    y64 = t.apply(torch.as_tensor(x))
    np.testing.assert_allclose(y64.numpy(), t.apply(x), atol=1e-12)
    assert t.apply(x.astype(np.float32)).dtype == np.float32
    assert t.apply(np.ones((2, 3), dtype=np.int64)).dtype == np.float64
    batched = t.apply(np.stack([x, x + 1]))  # [2, N, 3]
    np.testing.assert_allclose(batched[1], t.apply(x + 1))
    # differentiable in torch
    xr = xt.clone().requires_grad_(True)
    t.apply(xr).sum().backward()
    assert xr.grad is not None


def test_fit_accepts_mesh_and_torch():
    x = _cloud()
    a = T.fit(torch.as_tensor(x))
    b = T.fit(SimpleNamespace(points=x, cells={}))
    assert a == b == T.fit(x)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"center": "median"}, "center"),
        ({"scale": "range"}, "scale"),
        ({"rotate": "svd"}, "rotate"),
        ({"scale": "unit_sphere", "per_axis": True}, "per_axis"),
        ({"scale": 2.0, "per_axis": True}, "per_axis"),
        ({"scale": -1.0}, "scale"),
        ({"center": [1.0, 2.0]}, "center"),
    ],
)
def test_bad_fit_options(kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        T.fit(_cloud(), **kwargs)


def test_bad_data_and_parameters():
    with pytest.raises(InvalidMeshError, match="empty"):
        T.fit(np.zeros((0, 3)))
    with pytest.raises(InvalidMeshError, match="NaN"):
        T.fit(np.array([[0, 0, np.nan], [1, 1, 1.0]]))
    with pytest.raises(InvalidMeshError, match="zero spread"):
        T.fit(np.ones((5, 3)))
    flat = np.c_[np.random.default_rng(0).normal(size=(10, 2)), np.zeros(10)]
    with pytest.raises(InvalidMeshError, match="axis 2"):
        T.fit(flat, per_axis=True)
    assert T.fit(flat).scale > 0
    with pytest.raises(InvalidArgumentError, match="orthonormal"):
        T(np.zeros(3), 1.0, np.eye(3) * 2)
    with pytest.raises(InvalidArgumentError, match="reflection"):
        T(np.zeros(3), 1.0, np.diag([1.0, 1.0, -1.0]))
    with pytest.raises(InvalidArgumentError, match="scale"):
        T(np.zeros(3), 0.0, np.eye(3))
    with pytest.raises(InvalidArgumentError, match="scale"):
        T(np.zeros(3), np.ones(2), np.eye(3))
    with pytest.raises(InvalidArgumentError, match="points"):
        T.identity(3).apply(np.zeros((4, 2)))
    with pytest.raises(InvalidArgumentError, match="missing"):
        T.from_dict({"center": [0, 0, 0]})
    with pytest.raises(InvalidArgumentError, match="dim"):
        T.identity(0)
