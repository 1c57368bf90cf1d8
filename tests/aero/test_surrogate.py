"""Prediction from geometry alone, a short time-budgeted training, and the demo outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import geonop
from geonop.aero.surrogate import AirfoilSurrogate
from geonop.aero.training import airfoil_datasets, model_predictor, train_for_budget
from geonop.errors import CheckpointError, InvalidArgumentError
from geonop.models.neural_field import NeuralFieldOperator

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"hidden_channels": 16, "heads": 2, "processor_layers": 1, "decoder_layers": 1, "anchor_sources": 8,
             "far_anchors": 4}


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[NeuralFieldOperator, Path, dict]:
    torch.set_num_threads(1)
    train, _ = airfoil_datasets(query_points=200)
    train.case_ids, train.records = train.case_ids[:6], train.records[:6]
    torch.manual_seed(0)
    model = NeuralFieldOperator(4, 3, 2, 2, **SMALL)
    out = tmp_path_factory.mktemp("run")
    trainer = train_for_budget(model, train, 4.0, out, batch_size=2)
    return model, trainer.last_checkpoint, train.spec()


def test_budgeted_training_writes_a_loadable_checkpoint(trained) -> None:
    _model, ckpt, _ = trained
    loaded = geonop.load(ckpt)
    assert isinstance(loaded, NeuralFieldOperator)
    assert loaded.checkpoint_info.data["spec"]["nondimensional"] is True
    _, test = airfoil_datasets()
    vol, surf = model_predictor(loaded)(test[0])
    assert vol.shape == (test[0].pos.shape[0], 4) and surf.shape == (198, 3)
    assert np.isfinite(vol).all() and np.isfinite(surf).all()


def test_predict_a_new_airfoil_from_its_coordinates(trained, tmp_path) -> None:
    _, ckpt, _ = trained
    sur = AirfoilSurrogate.load(ckpt)
    pred = sur.predict(ROOT / "meshes" / "naca0012.dat", aoa_deg=4.0, reynolds=3e6)
    assert pred.points.shape[1] == 2 and pred.volume["U"].shape == (len(pred.points), 2)
    assert pred.u_inf == pytest.approx(3e6 * 1.56e-5)
    assert np.isfinite([pred.cl, pred.cd, pred.cm]).all()
    # the volume fields in SI are the non-dimensional ones scaled by the free stream
    np.testing.assert_allclose(pred.volume["p"], pred.volume["Cp"] * 0.5 * pred.u_inf**2, rtol=1e-5)
    files = pred.write(tmp_path / "naca0012")
    assert {p.suffix for p in files.values()} == {".vtu", ".vtp", ".csv", ".json"}
    back = geonop.read(files["volume"])
    assert back.points.shape[0] == len(pred.points) and "U" in back.point_data
    coeff = json.loads(files["coefficients"].read_text())
    assert coeff["cl"] == pytest.approx(pred.cl)
    rows = files["surface_csv"].read_text().splitlines()
    assert rows[0].startswith("x,y,nx,ny,length,Cp,Cf") and len(rows) == 199
    # given query points: predicted exactly there
    q = np.array([[0.3, 0.2], [1.5, -0.1]])
    assert sur.predict(ROOT / "meshes" / "naca0012.dat", 2.0, u_inf=30.0, query=q).points.shape == (2, 2)


def test_surrogate_errors(trained, tmp_path) -> None:
    model, _, spec = trained
    with pytest.raises(InvalidArgumentError, match="angle of attack|u_inf"):
        AirfoilSurrogate(model, spec).predict(ROOT / "meshes" / "naca0012.dat", aoa_deg=2.0)
    from geonop.models import FieldMLP
    with pytest.raises(InvalidArgumentError, match="predict_all"):
        AirfoilSurrogate(FieldMLP(2), spec)
    with pytest.raises(InvalidArgumentError, match="spec"):
        AirfoilSurrogate(NeuralFieldOperator(4, 3, 2, 2, **SMALL))
    bad = tmp_path / "x.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError):
        AirfoilSurrogate.load(bad)


def test_cli_predict_for_an_airfoil_model(trained, tmp_path, capsys) -> None:
    from geonop.cli.main import main

    _, ckpt, _ = trained
    out = tmp_path / "naca.vtu"
    code = main(["predict", str(ckpt), str(ROOT / "meshes" / "naca0012.dat"), "--param", "aoa_deg=3",
                 "--param", "reynolds=2e6", "-o", str(out)])
    assert code == 0
    assert "C_L" in capsys.readouterr().out
    assert out.is_file() and (tmp_path / "naca_surface.csv").is_file()
    assert (tmp_path / "naca_coefficients.json").is_file()
    code = main(["predict", str(ckpt), str(ROOT / "meshes" / "naca0012.dat"), "-o", str(out)])
    assert code == 2 and "aoa_deg" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_end_to_end(tmp_path) -> None:
    """``geonop demo`` with a tiny budget: every output is written."""
    from geonop.cli.main import main

    assert main(["demo", "--budget", "5", "--test-cases", "2", "--threads", "1",
                 "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "metrics.json").read_text())["summary"]
    assert summary["cases"] == 2 and "cl_spearman" in summary
    names = {p.name for p in tmp_path.iterdir()}
    assert {"metrics.md", "coefficients.png", "model.pt", "predict_naca0012.vtu"} <= names
    assert any(n.startswith("fields_median") and n.endswith(".png") for n in names)
    assert any(n.startswith("cp_worst") for n in names)
