"""Particle trajectories, one sample per time window."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import geonop.data.trajectory_dataset as td
from geonop.data import TrajectoryDataset
from geonop.errors import CorruptFileError, InvalidArgumentError


def _traj(t=12, n=7, d=2, seed=0):
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.normal(size=(t, n, d)), axis=0).astype(np.float32)


@pytest.fixture
def traj_dir(tmp_path):
    for i, t in enumerate((12, 9)):
        np.savez(tmp_path / f"traj_{i}.npz", position=_traj(t, seed=i),
                 particle_type=np.arange(7) % 2)
    return tmp_path


def test_windows_and_their_contents(traj_dir):
    ds = TrajectoryDataset(traj_dir, history=3, horizon=1)
    assert len(ds) == (12 - 4) + (9 - 4)
    pos = _traj(12, seed=0)
    d = ds[0]  # trajectory 0, t = 3
    assert ds.locate(0) == (0, 3) and ds.locate(8) == (1, 3)
    torch.testing.assert_close(d.pos, torch.from_numpy(pos[3]))
    torch.testing.assert_close(d.pos_history, torch.from_numpy(pos[0:4]).transpose(0, 1))
    torch.testing.assert_close(d.y, torch.from_numpy(pos[4]))
    assert d.particle_type.tolist() == [0, 1, 0, 1, 0, 1, 0]
    last = ds[7]  # trajectory 0, t = 10: its target is the final frame
    torch.testing.assert_close(last.y, torch.from_numpy(pos[11]))
    multi = TrajectoryDataset(traj_dir, history=2, horizon=3, stride=2)
    assert multi[0].y.shape == (7, 3, 2)
    assert [multi.locate(i)[1] for i in range(3)] == [2, 4, 6]


def test_only_headers_are_read_until_a_window_is_needed(traj_dir, monkeypatch):
    loads = []
    real = np.load
    monkeypatch.setattr(td.np, "load", lambda *a, **k: loads.append(a[0]) or real(*a, **k))
    ds = TrajectoryDataset(traj_dir, history=3, cache_size=1)
    assert loads == []
    ds[0]
    ds[1]
    ds[9]
    ds[0]
    assert len(loads) == 3  # trajectory 0, then 1 (evicting 0), then 0 again


def test_velocity_and_acceleration_statistics(traj_dir):
    ds = TrajectoryDataset(traj_dir, history=3)
    train = [i for i in range(len(ds)) if ds.locate(i)[0] == 0]
    st = ds.statistics(train)
    v = np.diff(_traj(12, seed=0).astype(np.float64), axis=0)
    a = np.diff(v, axis=0)
    np.testing.assert_allclose(st["velocity"].mean.numpy(), v.reshape(-1, 2).mean(0), rtol=1e-6)
    np.testing.assert_allclose(st["acceleration"].std.numpy(), a.reshape(-1, 2).std(0), rtol=1e-6)


def test_in_memory_trajectories_and_errors(tmp_path):
    ds = TrajectoryDataset([{"position": _traj(8)}], history=5)
    assert len(ds) == 2 and "particle_type" not in ds[1]
    with pytest.raises(InvalidArgumentError, match="too short"):
        TrajectoryDataset([{"position": _traj(5)}], history=5)
    np.savez(tmp_path / "bad.npz", pos=_traj(8))
    with pytest.raises(CorruptFileError, match="no array 'position'"):
        TrajectoryDataset(tmp_path)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(CorruptFileError, match="bad.npz"):
        TrajectoryDataset(tmp_path)
