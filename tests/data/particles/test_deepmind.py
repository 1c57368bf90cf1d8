"""DeepMind "Learning to Simulate" layout: round trips, the gns port's layout, bad input."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from geonop.data.particles import (
    NpzTrajectoryFile,
    Trajectory,
    read_dataset,
    read_metadata,
    read_trajectories,
    trajectory_statistics,
    write_dataset,
    write_trajectories,
)
from geonop.data.particles.deepmind import METADATA_KEYS
from geonop.errors import (
    CorruptFileError,
    InvalidArgumentError,
    MissingFileError,
    UnsupportedFormatError,
    WriteError,
)

BOUNDS = np.array([[0.1, 0.9], [0.1, 0.9]])


def _traj(seed: int, t: int = 10, n: int = 6, name: str = "", meta: dict | None = None) -> Trajectory:
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0.1, 0.9, size=(t, n, 2))
    types = rng.choice([5, 6, 8], size=n)
    return Trajectory(pos, types, dt=0.0025, bounds=BOUNDS, metadata=meta or {}, name=name)


def _splits() -> dict[str, list[Trajectory]]:
    return {
        "train": [_traj(0, name="water_000", meta={"kind": "water", "scene": {"blocks": []}}),
                  _traj(1, t=12, n=9, name="sand_000")],
        "valid": [_traj(2, n=3)],
        "test": [_traj(3, t=7), _traj(4)],
    }


def test_flat_round_trip(tmp_path):
    splits = _splits()
    meta = write_dataset(tmp_path, splits, connectivity_radius=0.015, extra_metadata={"note": "x"})
    back, meta_back = read_dataset(tmp_path)
    assert meta_back == json.loads(json.dumps(meta))
    for key in METADATA_KEYS:
        assert key in meta_back
    assert meta_back["sequence_length"] == 9 and meta_back["dim"] == 2 and meta_back["dt"] == 0.0025
    assert meta_back["num_trajectories"] == {"train": 2, "valid": 1, "test": 2}
    ref = trajectory_statistics(splits["train"])
    for key in ("vel_mean", "vel_std", "acc_mean", "acc_std"):
        np.testing.assert_allclose(meta_back[key], ref[key])
    for split, trajs in splits.items():
        assert [t.name for t in back[split]][:1] == ([trajs[0].name] if trajs[0].name else ["simulation_trajectory_0"])
        for a, b in zip(trajs, back[split]):
            np.testing.assert_array_equal(a.positions, b.positions)
            np.testing.assert_array_equal(a.particle_type, b.particle_type)
            assert b.dt == 0.0025 and np.array_equal(b.bounds, BOUNDS)
            assert b.metadata == a.metadata
    # pickle-free: plain np.load reads it
    with np.load(tmp_path / "train.npz") as z:
        assert z["water_000/position"].shape == (10, 6, 2)
        assert json.loads(str(z["water_000/metadata"]))["kind"] == "water"


def test_file_is_lazy_and_reports_shapes(tmp_path):
    write_trajectories(tmp_path / "x.npz", [_traj(0, t=10, n=6), _traj(1, t=4, n=2)], compress=False)
    f = NpzTrajectoryFile(tmp_path / "x.npz")
    assert f.layout == "flat" and len(f) == 2
    assert f.names == ["simulation_trajectory_0", "simulation_trajectory_1"]
    assert f.shape(0) == (10, 6, 2) and f.shape(1) == (4, 2, 2)
    assert f.trajectory_metadata(1) == {}
    assert f.load(1).num_frames == 4 and "trajectories=2" in repr(f)


def test_gns_port_layout(tmp_path):
    trajs = _splits()["train"]
    path = write_trajectories(tmp_path / "train.npz", trajs, layout="gns")
    # what geoelements/gns does to load it
    items = [item for _, item in np.load(path, allow_pickle=True).items()]
    positions, ptype = items[1]
    np.testing.assert_array_equal(positions, trajs[1].positions)
    np.testing.assert_array_equal(ptype, trajs[1].particle_type)
    with pytest.raises(UnsupportedFormatError, match="allow_pickle"):
        NpzTrajectoryFile(path)
    back = read_trajectories(path, allow_pickle=True)
    assert [t.name for t in back] == ["water_000", "sand_000"]
    np.testing.assert_array_equal(back[0].positions, trajs[0].positions)


def test_gns_data_key_and_scalar_types(tmp_path):
    data = np.empty(2, dtype=object)
    for i in range(2):
        item = np.empty(3, dtype=object)
        item[0] = np.zeros((5, 3, 2), dtype=np.float32) + i
        item[1] = 6  # one type for the whole trajectory, as some ports store it
        item[2] = 0.5
        data[i] = item
    np.savez(tmp_path / "train.npz", gns_data=data)
    back = read_trajectories(tmp_path / "train.npz", allow_pickle=True)
    assert len(back) == 2 and back[1].particle_type.tolist() == [6, 6, 6]
    assert back[1].positions[0, 0, 0] == 1.0 and back[1].metadata["material_property"] == 0.5


def test_metadata_sections_and_errors(tmp_path):
    (tmp_path / "metadata.json").write_text(json.dumps(
        {"train": {"bounds": [[0, 1], [0, 1]], "dim": 2, "dt": 1.0},
         "rollout": {"bounds": [[0, 2], [0, 1]], "dim": 2}}))
    assert read_metadata(tmp_path)["dt"] == 1.0
    assert read_metadata(tmp_path, section="rollout")["bounds"] == [[0, 2], [0, 1]]
    with pytest.raises(MissingFileError, match="metadata"):
        read_metadata(tmp_path / "missing")
    (tmp_path / "metadata.json").write_text("{not json")
    with pytest.raises(CorruptFileError, match="JSON"):
        read_metadata(tmp_path)
    (tmp_path / "metadata.json").write_text(json.dumps({"dim": 2}))
    with pytest.raises(CorruptFileError, match="bounds"):
        read_metadata(tmp_path)
    (tmp_path / "metadata.json").write_text(json.dumps({"dim": 3, "bounds": [[0, 1], [0, 1]]}))
    with pytest.raises(CorruptFileError, match=r"shape \[3, 2\]"):
        read_metadata(tmp_path)


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(MissingFileError, match="split file"):
        NpzTrajectoryFile(tmp_path / "train.npz")
    (tmp_path / "garbage.npz").write_bytes(b"this is not a zip file at all" * 10)
    with pytest.raises(CorruptFileError, match="npz"):
        NpzTrajectoryFile(tmp_path / "garbage.npz")
    good = write_trajectories(tmp_path / "good.npz", [_traj(0, t=50, n=40)], compress=False)
    (tmp_path / "cut.npz").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(CorruptFileError):
        NpzTrajectoryFile(tmp_path / "cut.npz").load(0)
    np.savez(tmp_path / "plain.npz", a=np.zeros(3))
    with pytest.raises(UnsupportedFormatError, match="layout"):
        NpzTrajectoryFile(tmp_path / "plain.npz")


@pytest.mark.parametrize(
    "arrays, match",
    [
        ({"t0/position": np.zeros((4, 3, 2), np.float32), "t0/particle_type": np.zeros(5, np.int64)},
         r"'t0'.*'t0/particle_type'.*3 particles"),
        ({"t0/position": np.zeros((4, 3), np.float32), "t0/particle_type": np.zeros(3, np.int64)},
         r"'t0'.*'t0/position'.*\[T, N, d\]"),
        ({"t0/position": np.zeros((4, 3, 2), np.float32)}, r"'t0' has no 'particle_type'"),
        ({"t0/position": np.zeros((4, 3, 3), np.float32), "t0/particle_type": np.zeros(3, np.int64)},
         r"'t0'.*3-D positions but metadata says dim=2"),
        ({"t0/position": np.full((4, 3, 2), np.nan, np.float32), "t0/particle_type": np.zeros(3, np.int64)},
         r"'t0'.*NaN"),
    ],
)
def test_inconsistent_shapes_name_trajectory_and_key(tmp_path, arrays, match):
    np.savez(tmp_path / "train.npz", **arrays)
    with pytest.raises(CorruptFileError, match=match):
        NpzTrajectoryFile(tmp_path / "train.npz", {"dim": 2}).load(0)


def test_write_errors_leave_previous_file(tmp_path):
    path = write_trajectories(tmp_path / "t.npz", [_traj(0)])
    before = path.read_bytes()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WriteError):
        write_trajectories(blocker / "t.npz", [_traj(0)])
    with pytest.raises(InvalidArgumentError, match="layout"):
        write_trajectories(path, [_traj(1)], layout="tfrecord")
    with pytest.raises(InvalidArgumentError, match="no trajectories"):
        write_trajectories(path, [])
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".*tmp*"))
    with pytest.raises(InvalidArgumentError, match="train"):
        write_dataset(tmp_path / "d", {"valid": [_traj(0)]}, connectivity_radius=0.01)
    with pytest.raises(MissingFileError, match="split files"):
        (tmp_path / "d").mkdir()
        (tmp_path / "d" / "metadata.json").write_text(json.dumps({"dim": 2, "bounds": BOUNDS.tolist()}))
        read_dataset(tmp_path / "d")


def test_npz_member_names_are_per_trajectory(tmp_path):
    path = write_trajectories(tmp_path / "t.npz", _splits()["train"])
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == sorted([
            "water_000/position.npy", "water_000/particle_type.npy", "water_000/metadata.npy",
            "sand_000/position.npy", "sand_000/particle_type.npy"])
