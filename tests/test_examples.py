"""The foundation example runs on the shipped meshes and writes its graphs."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

import geonop

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("mesh", ["airfoil_2d.msh", "part.stl", "cloud.xyz"])
def test_mesh_to_graph_example(mesh: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = runpy.run_path(str(ROOT / "examples" / "mesh_to_graph.py"))
    report = module["main"]([str(ROOT / "meshes" / mesh), "--out", str(tmp_path),
                             "--samples", "5000", "--latent", "256"])
    assert report["latent_nodes"] == 256
    assert report["latent_edges"] > 0 and report["encoder_edges"] > 0
    latent = geonop.read(tmp_path / "latent_graph.vtp")
    assert latent.num_points == 256
    if mesh != "cloud.xyz":
        assert (tmp_path / "mesh_edges.vtp").exists() and report["boundary_nodes"] >= 0


@pytest.mark.slow
def test_train_airfoil_example(tmp_path: Path) -> None:
    module = runpy.run_path(str(ROOT / "examples" / "train_airfoil.py"))
    out = module["main"](["--budget", "4", "--test-cases", "1", "--out", str(tmp_path)])
    assert out["summary"]["cases"] == 1
    assert out["files"]["volume"].is_file() and (tmp_path / "run" / "checkpoints" / "last.pt").is_file()
