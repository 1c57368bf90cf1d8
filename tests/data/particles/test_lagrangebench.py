"""LagrangeBench layout: round trip, periodic metadata and statistics, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

import geonop.optional
from geonop.data.particles import H5TrajectoryFile, ParticleDataset, Trajectory, open_split
from geonop.data.particles.lagrangebench import read_dataset, read_metadata, write_dataset
from geonop.errors import CorruptFileError, MissingDependencyError, MissingFileError

h5py = pytest.importorskip("h5py")

BOX = np.array([[0.0, 1.0], [0.0, 1.0]])


@pytest.fixture(autouse=True)
def _needs_h5py(request):
    # GEONOP_TEST_NO_OPTIONAL=1 switches h5py off for the whole suite
    if "no_optional" not in request.fixturenames and not geonop.optional.WITH_H5PY:
        pytest.skip("h5py is switched off")


def _tgv_like(seed: int, t: int = 8, n: int = 16) -> Trajectory:
    """Particles drifting through a periodic unit cell (positions wrapped into [0, 1))."""
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(0, 1, size=(n, 2))
    vel = rng.normal(scale=0.05, size=(n, 2)) + [0.2, 0.0]
    pos = (x0[None] + vel[None] * np.arange(t)[:, None, None]) % 1.0
    types = np.where(np.arange(n) < n - 2, 0, 1)  # two wall particles
    return Trajectory(pos, types, dt=0.04, bounds=BOX)


def _write(root) -> dict:
    splits = {"train": [_tgv_like(0), _tgv_like(1)], "valid": [_tgv_like(2)], "test": [_tgv_like(3, t=11)]}
    write_dataset(root, splits, connectivity_radius=0.029, dx=0.02, periodic=[True, True],
                  extra_metadata={"case": "TGV", "solver": "SPH"})
    return splits


def test_round_trip(tmp_path):
    splits = _write(tmp_path)
    back, meta = read_dataset(tmp_path)
    assert meta["periodic_boundary_conditions"] == [True, True] and meta["case"] == "TGV"
    assert meta["num_particles_max"] == 16 and meta["sequence_length_test"] == 11
    for split, trajs in splits.items():
        assert len(back[split]) == len(trajs)
        for a, b in zip(trajs, back[split]):
            np.testing.assert_array_equal(a.positions, b.positions)
            np.testing.assert_array_equal(a.particle_type, b.particle_type)
            assert b.dt == 0.04 and b.name in ("00000", "00001")
    with h5py.File(tmp_path / "train.h5", "r") as f:
        assert list(f.keys()) == ["00000", "00001"]
        assert f["00001/position"].shape == (8, 16, 2)


def test_gns_type_mapping_and_particle_dataset(tmp_path):
    _write(tmp_path)
    f = H5TrajectoryFile(tmp_path / "train.h5", read_metadata(tmp_path), gns_types=True)
    assert set(f.load(0).particle_type.tolist()) == {5, 3}
    assert f.shape(1) == (8, 16, 2)
    ds = ParticleDataset(tmp_path, "train", history=5)
    assert len(ds) == 2 * (8 - 6)
    assert ds.spec()["periodic"] == [True, True]
    assert isinstance(open_split(tmp_path, "valid"), H5TrajectoryFile)


def test_periodic_statistics_are_unwrapped(tmp_path):
    splits = _write(tmp_path)
    meta = json.loads((tmp_path / "metadata.json").read_text())
    # the drift is +0.2 per frame along x; wrapped jumps of -0.8 would drag the mean down
    assert abs(meta["vel_mean"][0] - 0.2) < 0.02
    assert meta["vel_std"][0] < 0.1
    ds = ParticleDataset(splits["train"], history=5)
    ds.metadata = {"periodic_boundary_conditions": [True, True], "bounds": BOX.tolist()}
    np.testing.assert_allclose(ds.statistics()["velocity"].mean.numpy(), meta["vel_mean"])


def test_metadata_normalises_three_periodic_flags(tmp_path):
    (tmp_path / "metadata.json").write_text(json.dumps(
        {"dim": 2, "bounds": [[0, 1], [0, 2]], "periodic_boundary_conditions": [True, False, True]}))
    assert read_metadata(tmp_path)["periodic_boundary_conditions"] == [True, False]
    (tmp_path / "metadata.json").write_text(json.dumps({"dim": 2, "bounds": [[0, 1]]}))
    with pytest.raises(CorruptFileError, match="bounds"):
        read_metadata(tmp_path)


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(MissingFileError):
        H5TrajectoryFile(tmp_path / "train.h5")
    (tmp_path / "train.h5").write_bytes(b"\x89HDF\r\n garbage" * 20)
    with pytest.raises(CorruptFileError, match="HDF5"):
        H5TrajectoryFile(tmp_path / "train.h5")
    (tmp_path / "metadata.json").write_text(json.dumps({"dim": 2, "bounds": BOX.tolist()}))
    (tmp_path / "train.h5").unlink()
    with pytest.raises(MissingFileError, match="split files"):
        read_dataset(tmp_path)


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda g: (g.create_dataset("position", data=np.zeros((4, 3, 2))),
                    g.create_dataset("particle_type", data=np.zeros(5, np.int64))),
         r"'00000' key 'particle_type'.*3 particles"),
        (lambda g: g.create_dataset("position", data=np.zeros((4, 3, 2))), r"'00000' has no 'particle_type'"),
        (lambda g: (g.create_dataset("position", data=np.zeros((4, 3))),
                    g.create_dataset("particle_type", data=np.zeros(3, np.int64))),
         r"'00000' key 'position'.*\[T, N, d\]"),
        (lambda g: (g.create_dataset("position", data=np.zeros((4, 3, 3))),
                    g.create_dataset("particle_type", data=np.zeros(3, np.int64))),
         r"'00000' key 'position'.*dim=2"),
    ],
)
def test_inconsistent_groups_name_trajectory_and_key(tmp_path, build, match):
    with h5py.File(tmp_path / "train.h5", "w") as f:
        build(f.create_group("00000"))
    with pytest.raises(CorruptFileError, match=match):
        H5TrajectoryFile(tmp_path / "train.h5", {"dim": 2})


def test_without_h5py(tmp_path, no_optional):
    with pytest.raises(MissingDependencyError, match="particles"):
        H5TrajectoryFile(tmp_path / "train.h5")
