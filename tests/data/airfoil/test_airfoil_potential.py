"""The panel method (inviscid prior of the airfoil surrogate) against exact and classical
results, and the dataset's ``potential_flow`` view."""

from __future__ import annotations

import math

import numpy as np
import pytest

import geonop.optional
from geonop.data.airfoil import AirfoilRANSDataset, naca
from geonop.data.airfoil.potential import PotentialFlow, boundary_layer_factor, resample_outline
from geonop.errors import InvalidArgumentError, InvalidMeshError


def _circle(n: int = 400) -> np.ndarray:
    th = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    return np.stack([np.cos(th), np.sin(th)], axis=1)


def test_cylinder_surface_speed_is_two_sin_theta() -> None:
    flow = PotentialFlow.solve(_circle(), 0.0, per_side=100)
    mid = flow.panels()[4]
    theta = np.arctan2(mid[:, 1], mid[:, 0])
    assert abs(flow.gamma) < 1e-9          # symmetric: no circulation
    np.testing.assert_allclose(np.abs(flow.surface_speed()), 2 * np.abs(np.sin(theta)), atol=0.01)


def test_cylinder_field_matches_the_doublet_solution() -> None:
    flow = PotentialFlow.solve(_circle(), 0.0, per_side=100, wall_offset=0.0)
    rng = np.random.default_rng(0)
    r = rng.uniform(1.2, 4.0, 50)
    th = rng.uniform(0, 2 * math.pi, 50)
    pts = np.stack([r * np.cos(th), r * np.sin(th)], 1)
    # u - i v = 1 - 1 / z^2 for a unit cylinder in a unit stream
    w = 1.0 - 1.0 / (pts[:, 0] + 1j * pts[:, 1]) ** 2
    np.testing.assert_allclose(flow.velocity(pts), np.stack([w.real, -w.imag], 1), atol=1e-2)


def test_naca0012_lift_is_the_classical_inviscid_value() -> None:
    outline = naca("0012").closed_curve()
    cl4 = PotentialFlow.solve(outline, 4.0).lift_coefficient()
    # XFOIL inviscid: 0.48; thin-airfoil theory without thickness: 2 pi alpha = 0.439
    assert 0.47 < cl4 < 0.50
    assert abs(PotentialFlow.solve(outline, 0.0).lift_coefficient()) < 1e-6
    assert PotentialFlow.solve(outline, -4.0).lift_coefficient() == pytest.approx(-cl4, rel=1e-6)


def test_thin_airfoil_lift_slope_and_camber() -> None:
    alpha = math.radians(2.0)
    slope = PotentialFlow.solve(naca("0006").closed_curve(), 2.0).lift_coefficient() / alpha
    # 2 pi (1 + 0.77 t/c) for a symmetric section
    assert slope == pytest.approx(2 * math.pi * (1 + 0.77 * 0.06), rel=0.02)
    # camber lifts at zero incidence (thin-airfoil theory for NACA 2412: about 0.23-0.25)
    cl0 = PotentialFlow.solve(naca("2412").closed_curve(), 0.0).lift_coefficient()
    assert 0.22 < cl0 < 0.30


def test_kutta_condition_holds_at_the_trailing_edge() -> None:
    flow = PotentialFlow.solve(naca("2412").closed_curve(), 6.0)
    vt = flow.surface_speed()
    assert vt[0] == pytest.approx(-vt[-1], rel=1e-9)


def test_solution_does_not_depend_on_orientation_or_start() -> None:
    outline = naca("4415").closed_curve()[:-1]
    ref = PotentialFlow.solve(outline, 5.0).lift_coefficient()
    for variant in (outline[::-1], np.roll(outline, 37, axis=0)):
        assert PotentialFlow.solve(variant, 5.0).lift_coefficient() == pytest.approx(ref, rel=1e-9)
    verts = resample_outline(outline, 30)
    assert verts.shape == (60, 2)
    assert np.allclose(verts[0], [1.0, 0.0], atol=1e-9)            # starts at the trailing edge
    x, y = verts[:, 0], verts[:, 1]
    assert np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) > 0      # counter-clockwise


def test_far_field_tends_to_the_free_stream_and_points_inside_are_moved_out() -> None:
    flow = PotentialFlow.solve(naca("2412").closed_curve(), 8.0)
    far = flow.velocity(np.array([[60.0, 5.0], [-50.0, -20.0]]))
    a = math.radians(8.0)
    np.testing.assert_allclose(far, [[math.cos(a), math.sin(a)]] * 2, atol=5e-3)
    inside = flow.features(np.array([[0.3, 0.0], [0.5, 0.01]]))
    outside = flow.features(np.array([[0.3, 0.2]]))
    assert np.isfinite(inside).all() and np.isfinite(outside).all()
    # a point at the wall is evaluated at wall_offset outside: a speed like the wall's
    on_wall = flow.features(flow.panels()[4][50:51])
    assert 0.5 < np.linalg.norm(on_wall[0, :2]) < 2.5


def test_surface_features_interpolate_the_panel_speeds() -> None:
    flow = PotentialFlow.solve(naca("0012").closed_curve(), 3.0)
    mid = flow.panels()[4]
    feats = flow.surface_features(mid)
    np.testing.assert_allclose(feats[:, 2], 1 - flow.surface_speed() ** 2, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(feats[:, :2], axis=1), np.abs(flow.surface_speed()),
                               atol=1e-5)


@pytest.mark.skipif(not geonop.optional.WITH_NUMBA, reason="numba not installed")
def test_compiled_and_numpy_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    flow = PotentialFlow.solve(naca("2412").closed_curve(), 5.0)
    pts = np.random.default_rng(1).uniform([-1, -1], [2, 1], (500, 2))
    fast = flow.velocity(pts)
    monkeypatch.setattr(geonop.optional, "WITH_NUMBA", False)
    # the compiled loop treats distant panels as point singularities (error < 1e-3)
    np.testing.assert_allclose(fast, flow.velocity(pts), atol=2e-3)


def test_degenerate_outlines_raise() -> None:
    with pytest.raises(InvalidMeshError):
        PotentialFlow.solve(np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]]), 0.0)
    with pytest.raises(InvalidMeshError):
        PotentialFlow.solve(np.array([[0.0, 0.0], [1.0, np.nan], [2.0, 1.0], [3.0, 0.0]]), 0.0)


def test_dataset_potential_flow_view() -> None:
    full = AirfoilRANSDataset(split="test", nondimensional=True, potential_flow=True)
    sub = AirfoilRANSDataset(split="test", nondimensional=True, potential_flow=True,
                             query_points=300)
    a, b = full[0], sub[(0, 5)]
    assert a.prior.shape == (a.pos.shape[0], 3) and a.surface_prior.shape == (198, 3)
    assert b.prior.shape == (300, 3)
    # the subsampled view carries the prior of its own points
    rows = [int(np.flatnonzero((a.pos == p).all(1))[0]) for p in b.pos[:20]]
    np.testing.assert_array_equal(a.prior[rows].numpy(), b.prior[:20].numpy())
    # the inviscid wall Cp already follows the RANS one
    cp_true, cp_prior = a.surface_y[:, 0].numpy(), a.surface_prior[:, 2].numpy()
    assert np.corrcoef(cp_true, cp_prior)[0, 1] > 0.9
    assert "prior" in full.normalized_fields and "prior" not in AirfoilRANSDataset.normalized_fields
    assert full.spec()["potential_flow"] is True


def test_boundary_layer_factor_is_a_turbulent_power_law() -> None:
    """0 at the wall, (y / delta)^(1/5) inside, 1 outside; delta = 0.37 x^0.8 Re^-0.2."""
    re = 3e6
    delta = 0.37 * 0.5**0.8 * re**-0.2                       # ~0.012 chords at mid-chord
    y = np.array([-1e-3, 0.0, delta / 32, delta, 2 * delta, 5.0])
    f = boundary_layer_factor(y, np.full(6, 0.5), re)
    np.testing.assert_allclose(f, [0.0, 0.0, 0.5, 1.0, 1.0, 1.0], atol=1e-12)
    # thicker downstream and at lower Reynolds number
    assert boundary_layer_factor(np.array([0.005]), np.array([0.9]), re) < \
        boundary_layer_factor(np.array([0.005]), np.array([0.1]), re)
    assert boundary_layer_factor(np.array([0.005]), np.array([0.5]), 1e6) < \
        boundary_layer_factor(np.array([0.005]), np.array([0.5]), 6e6)
    with pytest.raises(InvalidMeshError, match="Reynolds"):
        boundary_layer_factor(y, y, 0.0)


def test_dataset_boundary_layer_prior_is_closer_to_the_rans_velocity() -> None:
    """The prior's velocity taken to the wall through the boundary layer: its error
    against the RANS velocity falls several-fold; pressure is unchanged."""
    inviscid = AirfoilRANSDataset(split="test", nondimensional=True, potential_flow=True)
    viscous = AirfoilRANSDataset(split="test", nondimensional=True, potential_flow=True,
                                 boundary_layer=True)
    a, b = inviscid[0], viscous[0]
    u = a.y[:, :2].numpy()
    err_a = np.linalg.norm(u - a.prior[:, :2].numpy()) / np.linalg.norm(u)
    err_b = np.linalg.norm(u - b.prior[:, :2].numpy()) / np.linalg.norm(u)
    assert err_b < 0.5 * err_a
    np.testing.assert_array_equal(a.prior[:, 2].numpy(), b.prior[:, 2].numpy())
    np.testing.assert_array_equal(a.surface_prior.numpy(), b.surface_prior.numpy())
    assert viscous.spec()["boundary_layer"] is True and inviscid.spec()["boundary_layer"] is False
    with pytest.raises(InvalidArgumentError, match="potential_flow"):
        AirfoilRANSDataset(split="test", boundary_layer=True)
