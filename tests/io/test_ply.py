"""geonop's binary PLY writer: float64 points and every field survive a round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import geonop
from geonop.errors import UnsupportedFormatError
from geonop.io import Mesh
from tests.io.iosamples import assert_same_mesh, cube_tets, mixed_surface, random_surface


def test_float64_points_and_fields_are_exact(tmp_path: Path):
    m = random_surface()
    m.points = m.points + 1e-12  # not representable in float32
    m.point_data["vec"] = np.random.default_rng(1).normal(size=(m.num_points, 3))
    m.point_data["count"] = np.arange(m.num_points, dtype=np.int64)
    m.point_data["x"] = np.ones(m.num_points)  # clashes with the coordinate property
    back = geonop.read(geonop.write(m, tmp_path / "s.ply"))
    np.testing.assert_array_equal(back.points, m.points)
    np.testing.assert_array_equal(back.point_data["vec"], m.point_data["vec"])
    np.testing.assert_array_equal(back.point_data["count"], m.point_data["count"])
    np.testing.assert_array_equal(back.point_data["x_"], m.point_data["x"])
    np.testing.assert_array_equal(back.cell_data["g"], m.cell_data["g"])


def test_quads_are_written_as_triangle_pairs(tmp_path: Path):
    m = mixed_surface()
    back = geonop.read(geonop.write(m, tmp_path / "q.ply"))
    assert back.cell_counts() == {"triangle": 4}
    np.testing.assert_array_equal(back.cell_data["id"], [10, 11, 12, 12])
    np.testing.assert_array_equal(back.points[:, :2], m.points)


def test_point_cloud(tmp_path: Path):
    m = Mesh(np.random.default_rng(0).random((30, 3)), point_data={"s": np.arange(30.0)})
    assert_same_mesh(m, geonop.read(geonop.write(m, tmp_path / "c.ply")))


def test_volume_mesh_is_refused(tmp_path: Path):
    m = cube_tets()
    m.boundaries.clear()
    with pytest.raises(UnsupportedFormatError, match="PLY stores points and surface polygons"):
        geonop.write(m, tmp_path / "v.ply")
