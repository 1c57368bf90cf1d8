"""``geonop info``, ``geonop convert`` and ``geonop tour`` on the shipped meshes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import geonop
from geonop.cli.main import main

MESHES = Path(__file__).resolve().parents[2] / "meshes"
SHIPPED = sorted(
    p for p in MESHES.iterdir() if p.suffix in {".msh", ".vtu", ".stl", ".npz", ".xyz", ".dat"}
) + [MESHES / "airfoil_case"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_info_and_read_every_shipped_mesh(path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["info", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    mesh = geonop.read(path)
    assert summary["num_points"] == mesh.num_points > 0
    assert summary["num_cells"] == mesh.num_cells
    assert np.isfinite(mesh.points).all()


def test_info_reports_surface_checks(capsys: pytest.CaptureFixture) -> None:
    assert main(["info", str(MESHES / "part.stl"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["surface"]["watertight"] is True
    assert summary["surface"]["manifold"] is True


def test_info_lists_openfoam_patches_and_fields(capsys: pytest.CaptureFixture) -> None:
    assert main(["info", str(MESHES / "airfoil_case"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert {"p", "U", "nut"} <= set(summary["cell_data"])
    assert "airfoil" in summary["boundaries"]


def test_info_formats(capsys: pytest.CaptureFixture) -> None:
    assert main(["info", "--formats"]) == 0
    out = capsys.readouterr().out
    assert "stl" in out and "vtu" in out


def test_bad_input_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["info", str(tmp_path / "missing.vtu")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("geonop: error:") and "missing.vtu" in err and "Traceback" not in err
    bad = tmp_path / "cut.stl"
    bad.write_bytes((MESHES / "part.stl").read_bytes()[:500])
    assert main(["info", str(bad)]) == 2
    assert "cut.stl" in capsys.readouterr().err
    odd = tmp_path / "notes.docx"
    odd.write_text("x")
    assert main(["convert", str(MESHES / "part.stl"), str(odd)]) == 2


def test_convert_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "bracket.vtu"
    assert main(["convert", str(MESHES / "bracket_tet.msh"), str(out)]) == 0
    a, b = geonop.read(MESHES / "bracket_tet.msh"), geonop.read(out)
    np.testing.assert_allclose(a.points, b.points)
    np.testing.assert_array_equal(a.cells["tetra"], b.cells["tetra"])


def test_tour_writes_summary_pictures_and_paraview_files(tmp_path: Path) -> None:
    assert main(["tour", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "summary.json").read_text())
    assert (tmp_path / "summary.md").exists()
    assert len(report["pictures"]) >= 3 and len(report["paraview"]) >= 4
    for name in report["pictures"]:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    airfoil = report["meshes"]["airfoil_2d.msh"]
    # every mesh node has a graph edge; wall nodes sit on the airfoil curve
    assert airfoil["mesh_graph"]["edges"] > 2 * airfoil["points"]
    assert airfoil["sdf"]["max_abs_at_wall"] < 1e-3
    part = report["meshes"]["part.stl"]
    assert part["latent_nodes"] == 1024 and part["encoder_graph"]["edges"] > 0
    graph = geonop.read(tmp_path / "part_latent_graph.vtp")
    assert graph.num_points == 1024


def test_tour_missing_meshes_dir(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["tour", "--meshes", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "example mesh not found" in capsys.readouterr().err
