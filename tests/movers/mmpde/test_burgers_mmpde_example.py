"""examples/burgers_mmpde.py trains both models, rolls them out and writes its picture."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import geonop
from geonop.movers.mmpde import MMPDE

ROOT = Path(__file__).resolve().parents[3]


def test_example_writes_picture_models_and_summary(tmp_path: Path) -> None:
    module = runpy.run_path(str(ROOT / "examples" / "burgers_mmpde.py"))
    summary = module["main"](["--out", str(tmp_path), "--steps", "2", "--train-trajectories", "1",
                              "--transitions", "2", "--rollout-steps", "3"])
    assert len(summary["mmpde_rel_l2"]) == 3 and len(summary["fixed_rel_l2"]) == 3
    assert (tmp_path / "rollout.png").stat().st_size > 10_000
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
    model = geonop.load(tmp_path / "mmpde.pt")
    assert isinstance(model, MMPDE) and model.mover == "monge_ampere"
    assert geonop.load(tmp_path / "fixed.pt").mover == "identity"
