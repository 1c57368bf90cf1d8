"""Trajectory (validation, derived quantities, windows) and ParticleDataset."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from geonop.data.particles import (
    ParticleDataset,
    Trajectory,
    estimate_gravity,
    trajectory_statistics,
    write_dataset,
)
from geonop.data.particles.trajectory import PARTICLE_TYPES, detect_layout
from geonop.errors import InvalidArgumentError, InvalidMeshError, MissingFileError


def _traj(t: int = 12, n: int = 7, d: int = 2, seed: int = 0, name: str = "") -> Trajectory:
    rng = np.random.default_rng(seed)
    pos = 0.5 + 0.01 * np.cumsum(rng.normal(size=(t, n, d)), axis=0)
    return Trajectory(pos, rng.integers(5, 7, size=n), dt=0.0025,
                      bounds=np.array([[0.1, 0.9]] * d), name=name)


def test_trajectory_normalises_types_and_dtypes():
    pos = np.zeros((3, 4, 2), dtype=np.float64)
    traj = Trajectory(pos, 5, dt=0.1)
    assert traj.positions.dtype == np.float32
    assert traj.particle_type.dtype == np.int64
    assert traj.particle_type.tolist() == [5, 5, 5, 5]
    assert (traj.num_frames, traj.num_particles, traj.dim) == (3, 4, 2)
    assert PARTICLE_TYPES["water"] == 5 and PARTICLE_TYPES["sand"] == 6 and PARTICLE_TYPES["boundary"] == 3


@pytest.mark.parametrize(
    "pos, ptype, bounds, match",
    [
        (np.zeros((3, 4)), np.zeros(4), None, r"\[T, N, d\]"),
        (np.zeros((3, 4, 2)), np.zeros(5), None, "one per particle"),
        (np.full((3, 4, 2), np.nan), np.zeros(4), None, "NaN"),
        (np.zeros((3, 4, 2)), np.zeros(4), np.zeros((3, 2)), "bounds"),
        (np.zeros((3, 4, 2)), np.full(4, 0.5), None, "integers"),
    ],
)
def test_trajectory_rejects_bad_input(pos, ptype, bounds, match):
    with pytest.raises(InvalidMeshError, match=match):
        Trajectory(pos, ptype, dt=1.0, bounds=bounds, name="bad")


def test_velocities_accelerations_and_kinetic_energy():
    t = np.arange(6, dtype=np.float64)
    # x = 0.1 t + 0.01 t^2 per frame: velocity 0.1 + 0.01 (2t + 1), acceleration 0.02
    x = 0.1 * t + 0.01 * t**2
    pos = np.stack([x, np.zeros_like(x)], axis=-1)[:, None, :].repeat(3, axis=1)
    traj = Trajectory(pos, np.full(3, 5), dt=0.5)
    np.testing.assert_allclose(traj.velocities()[:, 0, 0], 0.1 + 0.01 * (2 * t[:-1] + 1), atol=1e-6)
    np.testing.assert_allclose(traj.accelerations()[..., 0], 0.02, atol=1e-6)
    ke = traj.kinetic_energy()
    np.testing.assert_allclose(ke, 0.5 * (traj.velocities()[:, 0, 0] / 0.5) ** 2, rtol=1e-6)
    assert traj.kinetic_energy(np.zeros(3, dtype=bool) | [True, False, False]).shape == (5,)


def test_window_is_last_positions_and_next():
    traj = _traj()
    inputs, target = traj.window(7, history=5)
    assert inputs.shape == (7, 6, 2)
    np.testing.assert_array_equal(inputs[:, 0], traj.positions[2])
    np.testing.assert_array_equal(inputs[:, -1], traj.positions[7])
    np.testing.assert_array_equal(target, traj.positions[8])
    for bad in (4, 11):
        with pytest.raises(InvalidArgumentError, match="window"):
            traj.window(bad, history=5)


def test_subset_keeps_frames():
    traj = _traj()
    sub = traj.subset(np.array([0, 3]))
    assert sub.positions.shape == (12, 2, 2)
    np.testing.assert_array_equal(sub.particle_type, traj.particle_type[[0, 3]])


def test_particle_dataset_windows_in_memory():
    trajs = [_traj(12, 7, seed=0), _traj(9, 4, seed=1)]
    ds = ParticleDataset(trajs, history=5)
    assert len(ds) == (12 - 6) + (9 - 6)
    assert ds.locate(0) == (0, 5) and ds.locate(6) == (1, 5) and ds.locate(len(ds) - 1) == (1, 7)
    data = ds[7]
    i, t = ds.locate(7)
    assert data.pos_history.shape == (4, 6, 2) and data.y.shape == (4, 2)
    torch.testing.assert_close(data.pos, torch.from_numpy(trajs[i].positions[t]))
    torch.testing.assert_close(data.y, torch.from_numpy(trajs[i].positions[t + 1]))
    torch.testing.assert_close(data.pos_history[:, 0], torch.from_numpy(trajs[i].positions[t - 5]))
    assert data.particle_type.dtype == torch.int64 and data.num_nodes == 4
    assert int(data.trajectory) == 1 and int(data.step) == t
    strided = ParticleDataset(trajs, history=5, stride=2)
    assert len(strided) == 3 + 2 and strided.locate(1) == (0, 7)


def test_particle_dataset_rejects_bad_sources():
    with pytest.raises(InvalidArgumentError, match="shorter"):
        ParticleDataset([_traj(5)], history=5)
    with pytest.raises(InvalidArgumentError, match="dimensions"):
        ParticleDataset([_traj(8, d=2), _traj(8, d=3)])
    with pytest.raises(InvalidArgumentError, match="root must be"):
        ParticleDataset(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="history"):
        ParticleDataset([_traj()], history=0)


def test_particle_dataset_reads_folder_lazily(tmp_path):
    trajs = [_traj(12, 7, seed=s, name=f"t{s}") for s in range(3)]
    write_dataset(tmp_path, {"train": trajs, "test": trajs[:1]}, connectivity_radius=0.02)
    assert detect_layout(tmp_path) == "deepmind"
    ds = ParticleDataset(tmp_path, "train", history=5, cache_size=1)
    assert len(ds) == 3 * 6 and ds.num_trajectories == 3
    for k in (0, 7, 17):
        i, t = ds.locate(k)
        np.testing.assert_array_equal(ds[k].y.numpy(), trajs[i].positions[t + 1])
    assert len(ds._cache) == 1  # only the most recent trajectory is held
    spec = ds.spec()
    assert spec["bounds"] == [[0.1, 0.9], [0.1, 0.9]] and spec["dt"] == 0.0025
    assert spec["connectivity_radius"] == 0.02 and spec["periodic"] == [False, False]
    assert spec["model_args"] == {"pos_dim": 2, "history": 5, "connectivity_radius": 0.02,
                                  "bounds": [[0.1, 0.9], [0.1, 0.9]]}
    stats = ds.statistics()
    ref = trajectory_statistics(trajs)
    np.testing.assert_allclose(stats["velocity"].mean.numpy(), ref["vel_mean"])
    np.testing.assert_allclose(stats["acceleration"].std.numpy(), ref["acc_std"])
    np.testing.assert_allclose(stats["gravity"].mean.numpy(), estimate_gravity(trajs))
    assert ParticleDataset(tmp_path, "test").num_trajectories == 1


def test_detect_layout_errors(tmp_path):
    with pytest.raises(MissingFileError):
        detect_layout(tmp_path / "nope")
    with pytest.raises(MissingFileError, match="split files"):
        detect_layout(tmp_path)


def test_builds_from_a_training_config(tmp_path):
    from geonop.train.run import build_dataset

    write_dataset(tmp_path, {"train": [_traj(10, 5, seed=1)]}, connectivity_radius=0.02)
    ds = build_dataset("geonop.data.particles:ParticleDataset", str(tmp_path),
                       {"split": "train", "history": 3})
    assert isinstance(ds, ParticleDataset) and len(ds) == 10 - 4
