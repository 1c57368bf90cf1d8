"""describe(): the summary behind `geonop info`, with watertight/manifold edge checks."""

from __future__ import annotations

import json

import numpy as np

from geonop.io import Mesh, describe
from tests.io.iosamples import cube_tets, mixed_surface, random_surface


def test_closed_surface_is_watertight_and_manifold():
    d = describe(random_surface())
    assert d["surface"] == {"edges": 120, "boundary_edges": 0, "non_manifold_edges": 0,
                            "watertight": True, "manifold": True}
    json.dumps(d)


def test_open_and_non_manifold_surfaces():
    s = describe(mixed_surface())["surface"]
    assert not s["watertight"] and s["manifold"] and s["boundary_edges"] == 6 and s["edges"] == 8
    fan = Mesh(np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1]], float),
               {"triangle": [[0, 1, 2], [0, 1, 3], [0, 1, 4]]})
    s = describe(fan)["surface"]
    assert s["non_manifold_edges"] == 1 and not s["manifold"] and not s["watertight"]


def test_volume_mesh_summary():
    d = describe(cube_tets())
    assert d["num_points"] == 8 and d["cell_counts"] == {"tetra": 6} and d["topological_dim"] == 3
    assert d["bounds"] == {"min": [0.0, 0.0, 0.0], "max": [1.0, 1.0, 1.0]}
    assert d["point_data"]["U"] == {"shape": [8, 3], "dtype": "float64"}
    assert d["boundaries"] == {"bottom": {"cell_counts": {"triangle": 2}, "cell_data": {}}}
    assert "surface" not in d and d["meta"] == {"source": "cube"}
    json.dumps(d)


def test_curve_checks():
    loop = Mesh(np.array([[0, 0], [1, 0], [0, 1]], float), {"line": [[0, 1], [1, 2], [2, 0]]})
    assert describe(loop)["curve"] == {"segments": 3, "closed": True, "open_ends": 0}
    path = Mesh(np.array([[0, 0], [1, 0], [0, 1]], float), {"line": [[0, 1], [1, 2]]})
    assert describe(path)["curve"]["open_ends"] == 2
