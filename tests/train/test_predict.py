"""Prediction on new inputs at any query points, from a checkpoint alone."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import geonop
from geonop.data import MeshDataset, qualified_name
from geonop.errors import InvalidMeshError
from geonop.io import Mesh
from geonop.models import FieldMLP
from geonop.train import predict_fields, predict_file, save_checkpoint


@pytest.fixture
def checkpoint(flow_dir, tmp_path):
    ds = MeshDataset(flow_dir, targets=["pressure", "velocity"], inputs=["wall_distance"],
                     global_inputs=["speed", "angle"])
    torch.manual_seed(0)
    model = FieldMLP(**ds.spec()["model_args"], hidden_channels=8, num_layers=1)
    model.set_normalization(ds.statistics())
    return save_checkpoint(tmp_path / "m.pt", model,
                           data={"dataset": qualified_name(MeshDataset), "spec": ds.spec()})


def _case(n=50, seed=0) -> Mesh:
    rng = np.random.default_rng(seed)
    pts = rng.uniform(1.5, 3.0, (n, 2))
    return Mesh(pts, point_data={"wall_distance": np.linalg.norm(pts, axis=1) - 1},
                meta={"speed": 1.0, "angle": 3.0})


def test_chunked_prediction_equals_one_pass(checkpoint):
    model = geonop.load(checkpoint)
    case = _case(1000)
    whole = predict_fields(model, case)
    chunked = predict_fields(model, case, chunk_size=64)
    assert whole.keys() == {"pressure", "velocity"}
    assert whole["pressure"].shape == (1000,) and whole["velocity"].shape == (1000, 2)
    np.testing.assert_allclose(chunked["velocity"], whole["velocity"], rtol=1e-6, atol=1e-6)


def test_query_points_take_inputs_from_the_nearest_input_point(checkpoint):
    model = geonop.load(checkpoint)
    case = _case(200)
    query = case.points[:30] + 1e-9  # a bare point array: inputs transferred from the case
    at_query = predict_fields(model, case, query)
    at_case = predict_fields(model, case)
    np.testing.assert_allclose(at_query["pressure"], at_case["pressure"][:30], atol=1e-5)


def test_parameters_override_metadata_and_missing_ones_are_named(checkpoint):
    model = geonop.load(checkpoint)
    case = _case()
    a = predict_fields(model, case, params={"angle": 3.0})
    b = predict_fields(model, case, params={"angle": 10.0})
    np.testing.assert_allclose(a["pressure"], predict_fields(model, case)["pressure"])
    assert not np.allclose(a["pressure"], b["pressure"])
    bare = Mesh(case.points, point_data=case.point_data, meta={"speed": 1.0})
    with pytest.raises(InvalidMeshError, match="'angle'"):
        predict_fields(model, bare)


def test_predict_file_writes_fields_on_the_query_mesh(checkpoint, tmp_path):
    case = _case()
    geonop.write(case, tmp_path / "case.npz")
    pts = np.array([[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [0.0, -2.0]])
    query = Mesh(pts, {"quad": [[0, 1, 2, 3]]})
    geonop.write(query, tmp_path / "query.vtu")
    out = predict_file(checkpoint, tmp_path / "case.npz", tmp_path / "pred.vtu",
                       query_path=tmp_path / "query.vtu")
    result = geonop.read(out)
    assert set(result.point_data) >= {"pressure", "velocity"}
    assert "quad" in result.cells
    assert result.point_data["velocity"].shape[0] == 4
