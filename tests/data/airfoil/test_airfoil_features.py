"""Wall features, wall discretisation of new shapes, non-dimensional units, and the
dataset's non-dimensional view and inference input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import geonop
from geonop.data.airfoil import AirfoilRANSDataset, naca
from geonop.data.airfoil.dataset import outline_of
from geonop.data.airfoil.features import (
    default_query_points,
    to_nondimensional,
    to_si,
    wall_faces,
    wall_features,
)
from geonop.errors import InvalidArgumentError, InvalidMeshError

ROOT = __import__("pathlib").Path(__file__).resolve().parents[3]


def _square() -> np.ndarray:
    return np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


def test_wall_features_on_a_square() -> None:
    q = np.array([[0.5, -0.2], [1.3, 0.5], [0.5, 0.9], [2.0, 2.0], [0.5, 0.0]])
    f = wall_features(_square(), q)
    np.testing.assert_allclose(f[:, 0], [0.2, 0.3, -0.1, math.sqrt(2), 0.0], atol=1e-6)
    # direction: away from the nearest wall point, outward normal on the wall
    np.testing.assert_allclose(f[0, 1:], [0, -1], atol=1e-6)
    np.testing.assert_allclose(f[1, 1:], [1, 0], atol=1e-6)
    np.testing.assert_allclose(f[2, 1:], [0, 1], atol=1e-6)  # inside: still outward
    np.testing.assert_allclose(f[3, 1:], [math.sqrt(0.5)] * 2, atol=1e-6)
    np.testing.assert_allclose(f[4, 1:], [0, -1], atol=1e-6)
    # a clockwise polygon gives the same features
    np.testing.assert_allclose(wall_features(_square()[::-1], q), f, atol=1e-6)


def test_wall_faces_of_a_naca_section() -> None:
    foil = naca("2412", 200).closed_curve()
    faces = wall_faces(foil, 99)
    m = len(faces["surface_pos"])
    assert m == 198
    perimeter = np.linalg.norm(np.diff(np.vstack([foil, foil[:1]]), axis=0), axis=1).sum()
    assert abs(faces["surface_length"].sum() - perimeter) < 2e-3 * perimeter
    np.testing.assert_allclose(np.linalg.norm(faces["surface_normal"], axis=1), 1, atol=1e-5)
    # normals point out: a point a little along the normal is outside the airfoil
    probe = faces["surface_pos"] + 1e-3 * faces["surface_normal"]
    assert (wall_features(foil, probe)[:, 0] > 0).all()
    # clustered at both edges like the shipped meshes (~1e-3 there, ~1.5e-2 at mid-chord)
    x = faces["surface_pos"][:, 0]
    assert faces["surface_length"][np.argmin(x)] < 1.5e-3
    assert faces["surface_length"][np.argmax(x)] < 1.5e-3
    assert faces["surface_length"][np.abs(x - 0.5) < 0.05].min() > 1e-2
    with pytest.raises(InvalidArgumentError):
        wall_faces(foil, 2)
    with pytest.raises(InvalidMeshError):
        wall_faces(np.zeros((2, 2)))


def test_nondimensional_round_trip() -> None:
    rng = np.random.default_rng(0)
    vol, surf = rng.normal(size=(5, 4)), rng.normal(size=(3, 3))
    v, s = to_nondimensional(vol, surf, 40.0, 1.5e-5)
    np.testing.assert_allclose(v[:, 2], vol[:, 2] / 800.0, rtol=1e-6)
    v2, s2 = to_si(v, s, 40.0, 1.5e-5)
    np.testing.assert_allclose(v2, vol, rtol=1e-5)
    np.testing.assert_allclose(s2, surf, rtol=1e-5)


def test_dataset_nondimensional_view_matches_si() -> None:
    si = AirfoilRANSDataset(split="test")
    nd = AirfoilRANSDataset(split="test", nondimensional=True)
    a, b = si[0], nd[0]
    u = float(a.u[0, 0])
    np.testing.assert_allclose(b.y[:, :2].numpy() * u, a.y[:, :2].numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(b.y[:, 2].numpy() * 0.5 * u * u, a.y[:, 2].numpy(), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(b.surface_y.numpy() * 0.5 * u * u, a.surface_y.numpy(), rtol=1e-4, atol=1e-5)
    assert float(b.u[0, 0]) == pytest.approx(float(a.reynolds) * 1e-6, rel=1e-6)
    assert b.x.shape == (b.pos.shape[0], 3)
    # signed distance: cell centres are outside (up to the polygon vs wall-face mismatch)
    assert float(b.x[:, 0].min()) > -1e-3
    assert nd.spec()["nondimensional"] and nd.spec()["global_inputs"] == ["reynolds_1e6", "aoa_deg"]


def test_inference_data_from_a_dat_file() -> None:
    mesh = geonop.read(ROOT / "meshes" / "naca0012.dat")
    spec = AirfoilRANSDataset(split="test", nondimensional=True).spec()
    d = AirfoilRANSDataset.inference_data(spec, mesh, params={"aoa_deg": 3.0, "reynolds": 2e6})
    assert d.surface_pos.shape == (198, 2) and d.x.shape == (d.pos.shape[0], 3)
    assert float(d.u[0, 0]) == pytest.approx(2.0)
    assert float(d.x[:, 0].min()) > 0  # default query points are outside the airfoil
    q = np.array([[0.5, 0.3], [2.0, 0.0]])
    d = AirfoilRANSDataset.inference_data(spec, mesh, q, {"aoa_deg": 3.0, "u_inf": 30.0})
    assert d.pos.shape == (2, 2) and float(d.u_inf) == 30.0
    with pytest.raises(InvalidArgumentError, match="angle of attack"):
        AirfoilRANSDataset.inference_data(spec, mesh, q, {"u_inf": 30.0})
    with pytest.raises(InvalidArgumentError, match="u_inf"):
        AirfoilRANSDataset.inference_data(spec, mesh, q, {"aoa_deg": 1.0})
    with pytest.raises(InvalidMeshError):
        outline_of(geonop.read(ROOT / "meshes" / "cloud.npz"))


def test_inference_data_takes_the_prior_of_the_training_spec() -> None:
    """A model trained with the boundary-layer prior gets it for a new shape too: a point
    2e-4 chords off the wall at mid-chord reads under 70 % of the inviscid velocity."""
    mesh = geonop.read(ROOT / "meshes" / "naca0012.dat")
    q = np.array([[0.5, 0.0532], [3.0, 0.0]])    # NACA 0012: half-thickness 0.0530 at x = 0.5
    flow = {"aoa_deg": 3.0, "reynolds": 3e6}
    specs = [AirfoilRANSDataset(split="test", nondimensional=True, potential_flow=True,
                                boundary_layer=bl).spec() for bl in (False, True)]
    inviscid, viscous = (AirfoilRANSDataset.inference_data(s, mesh, q, flow) for s in specs)
    assert float(inviscid.prior[0, :2].norm()) > 1.0
    assert float(viscous.prior[0, :2].norm()) < 0.7 * float(inviscid.prior[0, :2].norm())
    torch.testing.assert_close(viscous.prior[1], inviscid.prior[1])    # far away: unchanged


def test_default_query_points_are_dense_near_the_wall() -> None:
    foil = naca("0012", 100).closed_curve()
    q = default_query_points(foil, n_near=2000, n_far=500)
    d = wall_features(foil, q)[:, 0]
    assert len(q) == 2500 and (d > 0).all()
    assert (d < 0.1).mean() > 0.25 and d.max() > 5
