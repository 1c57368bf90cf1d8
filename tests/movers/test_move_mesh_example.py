"""examples/move_mesh.py runs and writes its pictures, VTU and summary."""

from __future__ import annotations

import runpy
from pathlib import Path

import geonop

ROOT = Path(__file__).resolve().parents[2]


def test_move_mesh_example_writes_pictures_and_vtu(tmp_path: Path) -> None:
    module = runpy.run_path(str(ROOT / "examples" / "move_mesh.py"))
    summary = module["main"](["--out", str(tmp_path), "--nodes", "9", "--mesh", "unstructured", "--iterations", "30",
                              "--checkpoint", str(tmp_path / "none.pt")])
    assert summary["classical"]["tangled_cells"] == 0
    assert summary["classical"]["seconds"] > 0 and "learned" not in summary
    for name in ("mesh_before.png", "mesh_classical.png", "summary.json"):
        assert (tmp_path / name).stat().st_size > 0
    mesh = geonop.read(tmp_path / "moved.vtu")
    assert mesh.num_points == 81 and "displacement_classical" in mesh.point_data
