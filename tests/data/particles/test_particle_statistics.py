"""Velocity and acceleration statistics of particle trajectories."""

from __future__ import annotations

import numpy as np
import pytest

from geonop.data.particles import Trajectory, minimum_image, trajectory_statistics
from geonop.errors import InvalidArgumentError


def _random(seed: int, t: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.normal(scale=[0.01, 0.02], size=(t, n, 2)), axis=0) + [0.0, 0.3]


def test_matches_brute_force_over_trajectories_of_different_sizes():
    arrays = [_random(0, 20, 5), _random(1, 13, 11), _random(2, 30, 3)]
    stats = trajectory_statistics(arrays)
    vel = np.concatenate([np.diff(a.astype(np.float64), axis=0).reshape(-1, 2) for a in arrays])
    acc = np.concatenate([np.diff(a.astype(np.float64), n=2, axis=0).reshape(-1, 2) for a in arrays])
    np.testing.assert_allclose(stats["vel_mean"], vel.mean(0), rtol=1e-10)
    np.testing.assert_allclose(stats["vel_std"], vel.std(0), rtol=1e-10)
    np.testing.assert_allclose(stats["acc_mean"], acc.mean(0), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(stats["acc_std"], acc.std(0), rtol=1e-10)
    assert stats["count_vel"] == len(vel) and stats["count_acc"] == len(acc)


def test_trajectories_and_arrays_agree_and_types_filter():
    pos = _random(3, 10, 6).astype(np.float32)
    types = np.array([5, 5, 3, 3, 5, 5])
    traj = Trajectory(pos, types, dt=1.0)
    assert trajectory_statistics([traj]) == trajectory_statistics([pos])
    only_fluid = trajectory_statistics([traj], particle_types=[5])
    assert only_fluid == trajectory_statistics([pos[:, types == 5]])


def test_periodic_crossing_is_unwrapped():
    # one particle moving +0.03 per frame through a periodic [0, 1) cell
    x = (0.9 + 0.03 * np.arange(10)) % 1.0
    pos = np.stack([x, np.full_like(x, 0.5)], axis=-1)[:, None, :]
    plain = trajectory_statistics([pos])
    assert plain["vel_std"][0] > 0.1  # the jump across the cell pollutes the statistics
    wrapped = trajectory_statistics([pos], periodic=[True, True], bounds=[[0, 1], [0, 1]])
    np.testing.assert_allclose(wrapped["vel_mean"], [0.03, 0.0], atol=1e-12)
    np.testing.assert_allclose(wrapped["vel_std"], [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(minimum_image(np.array([[0.7, -0.6]]), [True, False], [[0, 1], [0, 1]]),
                               [[-0.3, -0.6]])


def test_errors():
    with pytest.raises(InvalidArgumentError, match=">= 3 frames"):
        trajectory_statistics([np.zeros((2, 4, 2))])
    with pytest.raises(InvalidArgumentError, match="dimensions"):
        trajectory_statistics([np.zeros((4, 2, 2)), np.zeros((4, 2, 3))])
    with pytest.raises(InvalidArgumentError, match="NaN"):
        trajectory_statistics([np.full((4, 2, 2), np.nan)])
    with pytest.raises(InvalidArgumentError, match="bounds"):
        minimum_image(np.zeros((3, 2)), [True, True], None)
