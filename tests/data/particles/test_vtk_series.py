"""ParaView time series of particle trajectories: one .vtp per frame and a .pvd collection."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

import geonop
from geonop.data.particles import write_vtp_series
from geonop.errors import InvalidArgumentError


def test_frames_and_collection_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    pos = rng.uniform(0.1, 0.9, size=(4, 7, 2))
    types = rng.choice([5, 6, 8], size=7)
    pvd = write_vtp_series(pos, tmp_path / "out", "truth", particle_type=types, dt=0.0025)
    root = ET.parse(pvd).getroot()
    sets = root.findall("./Collection/DataSet")
    assert [s.get("file") for s in sets] == [f"truth_{k:04d}.vtp" for k in range(4)]
    assert np.allclose([float(s.get("timestep")) for s in sets], 0.0025 * np.arange(4))
    for k, s in enumerate(sets):
        mesh = geonop.read(tmp_path / "out" / s.get("file"))
        np.testing.assert_allclose(mesh.points[:, :2], pos[k], atol=1e-12)
        np.testing.assert_array_equal(mesh.point_data["particle_type"], types)
    last = geonop.read(tmp_path / "out" / "truth_0003.vtp")
    np.testing.assert_allclose(last.point_data["velocity"][:, :2], (pos[3] - pos[2]) / 0.0025, rtol=1e-9)
    assert not list((tmp_path / "out").glob("*.tmp*"))  # atomic writes leave nothing behind


def test_extra_point_data_and_3d(tmp_path):
    pos = np.stack([np.eye(3), np.eye(3) + 1.0])
    err = np.arange(6.0).reshape(2, 3)
    write_vtp_series(pos, tmp_path, point_data={"error": err})
    mesh = geonop.read(tmp_path / "particles_0001.vtp")
    np.testing.assert_allclose(mesh.point_data["error"], err[1])
    np.testing.assert_allclose(mesh.point_data["velocity"], np.ones((3, 3)))


@pytest.mark.parametrize("kwargs, match", [
    ({"positions": np.zeros((2, 3))}, "shape"),
    ({"positions": np.full((2, 3, 2), np.nan)}, "NaN"),
    ({"dt": 0.0}, "dt"),
    ({"particle_type": np.zeros(4)}, "particle_type"),
    ({"point_data": {"e": np.zeros((2, 4))}}, "point_data"),
    ({"name": "a/b"}, "name"),
])
def test_bad_input_names_the_argument(tmp_path, kwargs, match):
    args = {"positions": np.zeros((2, 3, 2)), "folder": tmp_path} | kwargs
    with pytest.raises(InvalidArgumentError, match=match):
        write_vtp_series(**args)
