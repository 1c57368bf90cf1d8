"""NACA 4/5-digit geometry against known values and thin-airfoil theory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geonop.data.airfoil.naca import (
    airfoil_from_points,
    mean_line,
    naca,
    naca4,
    naca5,
    read_airfoil_dat,
)
from geonop.errors import InvalidArgumentError, MissingFileError

MESHES = Path(__file__).resolve().parents[3] / "meshes"
X = np.linspace(0.0, 1.0, 2001)


def _thin_airfoil(code: str, n: int = 20000) -> dict[str, float]:
    """Zero-lift angle (deg), ideal lift coefficient and C_m about c/4 of a mean line."""
    th = (np.arange(n) + 0.5) * np.pi / n
    _, dz = mean_line(code, 0.5 * (1 - np.cos(th)))
    w = np.pi / n
    i0 = np.sum(dz) * w / np.pi
    a1 = 2 / np.pi * np.sum(dz * np.cos(th)) * w
    a2 = 2 / np.pi * np.sum(dz * np.cos(2 * th)) * w
    return {"alpha_l0": np.degrees(i0 - a1 / 2), "cl_ideal": np.pi * a1, "cm": -np.pi / 4 * (a1 - a2)}


def test_naca0012_thickness_12_percent_at_30_percent_chord():
    a = naca("0012")
    t = a.thickness(X)
    assert abs(t.max() - 0.12) < 2e-4
    assert abs(X[t.argmax()] - 0.30) < 0.01
    np.testing.assert_allclose(a.camber(X), 0.0, atol=1e-12)
    # closed (sharp) trailing edge, leading edge at the origin
    np.testing.assert_allclose(a.upper[-1], a.lower[-1])
    np.testing.assert_allclose(a.upper[0], (0.0, 0.0))


def test_naca2412_camber_2_percent_at_40_percent():
    a = naca("NACA 2412")
    c = a.camber(X)
    assert abs(c.max() - 0.02) < 2e-4
    assert abs(X[c.argmax()] - 0.4) < 0.02
    assert abs(a.thickness(X).max() - 0.12) < 1e-3
    assert a.name == "NACA 2412"


def test_thin_airfoil_theory_known_values():
    # textbook thin-airfoil values: NACA 2412 alpha_L0 = -2.08 deg, C_m,c/4 = -0.053
    t = _thin_airfoil("2412")
    assert abs(t["alpha_l0"] + 2.077) < 0.01
    assert abs(t["cm"] + 0.0531) < 1e-3
    # the 5-digit mean lines are designed for an ideal C_l of 0.15 L (0.3 for L = 2)
    for code in ("22012", "23012", "24012", "25012"):
        assert abs(_thin_airfoil(code)["cl_ideal"] - 0.30) < 0.01, code
    assert abs(_thin_airfoil("43012")["cl_ideal"] - 0.60) < 0.02
    # reflex mean lines are designed for (nearly) zero pitching moment; standard ones are not
    for p in (3, 4, 5):
        assert abs(_thin_airfoil(f"2{p}112")["cm"]) < 2e-3
        assert _thin_airfoil(f"2{p}012")["cm"] < -0.01


def test_naca23012_max_camber_near_15_percent():
    a = naca("23012")
    c = a.camber(X)
    assert abs(X[c.argmax()] - 0.15) < 0.01
    assert 0.017 < c.max() < 0.020
    # the reflex line turns back up near the trailing edge: less camber aft than standard
    aft = X > 0.8
    assert np.all(naca("24112").camber(X[aft]) < naca("24012").camber(X[aft]) + 1e-9)


def test_fractional_digits_interpolate():
    lo, hi, mid = naca4(2, 4, 12), naca4(3, 4, 12), naca4(2.5, 4, 12)
    np.testing.assert_allclose(mid.camber(X), 0.5 * (lo.camber(X) + hi.camber(X)), atol=2e-4)
    assert mid.name.startswith("NACA4 m=2.5")
    assert abs(naca5(2, 3, False, 15.5).thickness(X).max() - 0.155) < 1e-3


@pytest.mark.parametrize("code", ["2012", "12", "abcd", "23212", "0000", "26012"])
def test_invalid_codes_raise(code):
    with pytest.raises(InvalidArgumentError, match="code|NACA"):
        naca(code)


def test_points_round_trip_and_normalisation():
    a = naca("4415", n=81)
    b = airfoil_from_points(a.closed_curve())
    np.testing.assert_allclose(b.upper, a.upper, atol=1e-12)
    np.testing.assert_allclose(b.lower, a.lower, atol=1e-12)
    # rotated, scaled and shifted copy without the exact origin point: shape is recovered
    pts = a.closed_curve()
    pts = np.delete(pts, len(a.upper) - 1, axis=0)  # drop the leading-edge point
    ang = np.radians(7.0)
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    moved = 2.5 * pts @ rot.T + (3.0, -1.0)
    c = airfoil_from_points(moved)
    # without the origin the leading edge is the point farthest from the trailing edge, on
    # the lower surface of a cambered section: the chord line tilts by ~0.2 deg
    assert abs(c.thickness(X).max() - 0.15) < 2e-3
    assert abs(c.camber(X).max() - 0.04) < 4e-3
    np.testing.assert_allclose(c.upper[-1], (1.0, 0.0))


def test_read_dat_files():
    a = read_airfoil_dat(MESHES / "naca2412_lednicer.dat")
    assert abs(a.camber(np.array([0.4]))[0] - 0.02) < 1e-3
    b = read_airfoil_dat(MESHES / "naca0012.dat")
    assert abs(b.thickness(np.array([0.3]))[0] - 0.12) < 1e-3
    with pytest.raises(MissingFileError):
        read_airfoil_dat(MESHES / "no_such.dat")
