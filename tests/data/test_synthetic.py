"""The analytic potential-flow dataset is physically right."""

from __future__ import annotations

import numpy as np

import geonop
from geonop.data import potential_flow, write_potential_flow_dataset


def test_no_flow_through_the_wall_and_uniform_far_away():
    theta = np.linspace(0, 2 * np.pi, 50, endpoint=False)
    wall = np.c_[np.cos(theta), np.sin(theta)]
    vel, p = potential_flow(wall, 2.0, 10.0, 1.5)
    np.testing.assert_allclose((vel * wall).sum(1), 0.0, atol=1e-12)  # tangential at r = 1
    far = 1e4 * wall
    vel_far, p_far = potential_flow(far, 2.0, 10.0, 1.5)
    a = np.radians(10.0)
    np.testing.assert_allclose(vel_far, np.tile([2 * np.cos(a), 2 * np.sin(a)], (50, 1)),
                               atol=1e-3)
    np.testing.assert_allclose(p_far, 0.0, atol=1e-2)
    # Bernoulli: stagnation pressure where the velocity vanishes (no circulation, front point)
    vel_s, p_s = potential_flow(np.array([[-1.0, 0.0]]), 2.0, 0.0, 0.0)
    assert np.allclose(vel_s, 0) and np.isclose(p_s[0], 0.5 * 2.0**2)


def test_files_hold_fields_and_parameters(tmp_path):
    files = write_potential_flow_dataset(tmp_path, num_cases=3, min_points=10, max_points=20)
    assert [f.name for f in files] == ["case_0000.npz", "case_0001.npz", "case_0002.npz"]
    m = geonop.read(files[1])
    r = np.linalg.norm(m.points, axis=1)
    assert 10 <= len(r) <= 20 and r.min() > 1.0 and r.max() < 4.0
    vel, p = potential_flow(m.points, m.meta["speed"], m.meta["angle"], m.meta["circulation"])
    np.testing.assert_allclose(m.point_data["pressure"], p)
    np.testing.assert_allclose(m.point_data["wall_distance"], r - 1)
    again = write_potential_flow_dataset(tmp_path / "b", num_cases=3, min_points=10, max_points=20)
    np.testing.assert_array_equal(geonop.read(again[1]).points, m.points)
