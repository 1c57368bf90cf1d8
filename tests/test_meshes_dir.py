"""The example meshes shipped in ``meshes/``: present, small, and readable by third-party readers.

These tests read the files with meshio, pyvista and trimesh directly (not ``geonop.read``), so a
broken or missing example is reported separately from a broken geonop reader. They check the
properties the examples promise (cell types and counts, named groups, watertightness, OpenFOAM
patches and fields) and run in a few seconds. Regenerating everything (Gmsh and OpenFOAM) is
the ``slow`` test at the end.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

MESHES = Path(__file__).resolve().parents[1] / "meshes"
MAX_BYTES = 2 * 1024 * 1024

FILES = [
    "README.md",
    "make_meshes.py",
    "naca0012.dat",
    "naca2412_lednicer.dat",
    "airfoil_2d.msh",
    "airfoil_2d_v2.msh",
    "bracket_tet.msh",
    "bracket_tet.vtu",
    "part.stl",
    "cloud.npz",
    "cloud.xyz",
]
CASE = MESHES / "airfoil_case"
CASE_FILES = [
    "airfoil_case.foam",
    "log.summary",
    "0/U",
    "0/p",
    "0/nut",
    "0/nuTilda",
    "constant/polyMesh/points",
    "constant/polyMesh/faces",
    "constant/polyMesh/owner",
    "constant/polyMesh/neighbour",
    "constant/polyMesh/boundary",
    "constant/transportProperties",
    "constant/turbulenceProperties",
    "system/controlDict",
    "system/fvSchemes",
    "system/fvSolution",
]


def _time_dirs() -> list[str]:
    names = []
    for p in CASE.iterdir():
        try:
            float(p.name)
        except ValueError:
            continue
        if p.is_dir():
            names.append(p.name)
    return sorted(names, key=float)


def _read_msh(name: str):
    import meshio

    return meshio.read(MESHES / name)


def _counts(mesh) -> dict[str, int]:
    out: dict[str, int] = {}
    for block in mesh.cells:
        out[block.type] = out.get(block.type, 0) + len(block.data)
    return out


def _tri_area(p: np.ndarray, tri: np.ndarray) -> np.ndarray:
    a, b, c = p[tri[:, 0]], p[tri[:, 1]], p[tri[:, 2]]
    return 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)


def _assert_no_duplicate_points(points: np.ndarray) -> None:
    scale = float(np.ptp(points, axis=0).max())
    key = np.round(points / (1e-9 * scale)).astype(np.int64)
    assert len(np.unique(key, axis=0)) == len(points)


# -------------------------------------------------------------------------------- presence


@pytest.mark.parametrize("name", FILES)
def test_file_exists_and_is_small(name: str) -> None:
    path = MESHES / name
    assert path.is_file(), f"missing {path}"
    assert 0 < path.stat().st_size < MAX_BYTES


def test_case_folder_complete_and_small() -> None:
    for rel in CASE_FILES:
        assert (CASE / rel).is_file(), f"missing airfoil_case/{rel}"
    total = sum(p.stat().st_size for p in CASE.rglob("*") if p.is_file())
    assert total < MAX_BYTES
    times = _time_dirs()
    assert len(times) == 2 and times[0] == "0", f"expected 0/ and one result, got {times}"
    assert not list(CASE.glob("processor*"))
    for field in ("U", "p", "nut", "nuTilda"):
        assert (CASE / times[1] / field).is_file()


# -------------------------------------------------------------------------------- airfoils


def _dat_rows(name: str) -> tuple[str, np.ndarray]:
    lines = (MESHES / name).read_text().splitlines()
    rows = [line.split() for line in lines[1:] if line.strip()]
    return lines[0].strip(), np.array(rows, dtype=float)


def test_selig_naca0012() -> None:
    title, xy = _dat_rows("naca0012.dat")
    assert title == "NACA 0012"
    assert xy.shape == (161, 2)
    np.testing.assert_allclose(xy[0], (1.0, 0.0))  # TE first and last: closed trailing edge
    np.testing.assert_allclose(xy[-1], (1.0, 0.0))
    le = int(np.argmin(xy[:, 0]))
    assert le == 80 and np.allclose(xy[le], 0.0)
    assert np.all(xy[:le, 1] >= 0) and np.all(xy[le + 1 : -1, 1] < 0)  # upper, then lower
    np.testing.assert_allclose(xy[: le + 1, 1], -xy[le:, 1][::-1], atol=1e-7)  # symmetric
    assert abs(2 * xy[:, 1].max() - 0.12) < 1e-3  # 12 % thick


def test_lednicer_naca2412() -> None:
    lines = (MESHES / "naca2412_lednicer.dat").read_text().splitlines()
    assert lines[0].strip() == "NACA 2412"
    n_up, n_lo = (int(float(v)) for v in lines[1].split())
    assert lines[2].strip() == "" and lines[3 + n_up].strip() == ""
    up = np.array([ln.split() for ln in lines[3 : 3 + n_up]], dtype=float)
    lo = np.array([ln.split() for ln in lines[4 + n_up : 4 + n_up + n_lo]], dtype=float)
    assert up.shape == lo.shape == (61, 2)
    for side in (up, lo):  # each surface runs LE -> TE
        np.testing.assert_allclose(side[0], (0.0, 0.0), atol=1e-7)
        np.testing.assert_allclose(side[-1], up[-1])
        assert np.all(np.diff(side[:, 0]) > 0)
    camber = 0.5 * (np.interp(0.4, up[:, 0], up[:, 1]) + np.interp(0.4, lo[:, 0], lo[:, 1]))
    assert abs(camber - 0.02) < 1e-3  # 2 % camber at 40 % chord


@pytest.mark.parametrize("name", ["airfoil_2d.msh", "airfoil_2d_v2.msh"])
def test_airfoil_2d_msh(name: str) -> None:
    mesh = _read_msh(name)
    assert {"airfoil", "inlet", "outlet", "fluid"} <= set(mesh.field_data)
    counts = _counts(mesh)
    assert counts["quad"] > 1000 and counts["triangle"] > 1000  # BL quads + outer triangles
    assert np.allclose(mesh.points[:, 2], 0.0)
    _assert_no_duplicate_points(mesh.points)
    tri = np.vstack([c.data for c in mesh.cells if c.type == "triangle"])
    quad = np.vstack([c.data for c in mesh.cells if c.type == "quad"])
    assert _tri_area(mesh.points, tri).min() > 0
    assert _tri_area(mesh.points, quad[:, [0, 1, 2]]).min() > 0
    assert _tri_area(mesh.points, quad[:, [0, 2, 3]]).min() > 0
    radius = np.hypot(mesh.points[:, 0] - 0.5, mesh.points[:, 1])
    assert radius.max() == pytest.approx(20.0, abs=1e-6)  # far field 20 chords
    # The airfoil group's nodes lie on the unit-chord airfoil.
    tag = mesh.field_data["airfoil"][0]
    wall = np.concatenate(
        [
            c.data[phys == tag].ravel()
            for c, phys in zip(mesh.cells, mesh.cell_data["gmsh:physical"])
            if c.type == "line"
        ]
    )
    assert len(wall) == 2 * 158  # 2 x 79 wall edges
    x = mesh.points[np.unique(wall), 0]
    assert x.min() == pytest.approx(0.0, abs=1e-9) and x.max() == pytest.approx(1.0, abs=1e-9)


def test_airfoil_2d_into_pyvista() -> None:
    import pyvista as pv

    mesh = _read_msh("airfoil_2d.msh")
    # meshio's Gmsh 4.1 reader adds a "gmsh:bounding_entities" cell set holding entity tags,
    # not cell indices; pyvista.from_meshio chokes on it (meshio issue #1536), so drop it.
    mesh.cell_sets = {k: v for k, v in mesh.cell_sets.items() if not k.startswith("gmsh:")}
    grid = pv.from_meshio(mesh)
    assert grid.n_cells == sum(_counts(mesh).values())


# -------------------------------------------------------------------------------- solids


def test_bracket_msh_and_vtu() -> None:
    import pyvista as pv

    mesh = _read_msh("bracket_tet.msh")
    assert {"fixed", "bolt_holes", "load_hole", "free", "solid"} <= set(mesh.field_data)
    counts = _counts(mesh)
    assert 5_000 <= counts["tetra"] <= 30_000
    tets = np.vstack([c.data for c in mesh.cells if c.type == "tetra"])
    p = mesh.points
    vol = (
        np.einsum(
            "ij,ij->i",
            np.cross(p[tets[:, 1]] - p[tets[:, 0]], p[tets[:, 2]] - p[tets[:, 0]]),
            p[tets[:, 3]] - p[tets[:, 0]],
        )
        / 6.0
    )
    assert np.abs(vol).min() > 0
    _assert_no_duplicate_points(p)

    grid = pv.read(MESHES / "bracket_tet.vtu")
    assert grid.n_cells == counts["tetra"]
    assert set(np.unique(grid.celltypes)) == {pv.CellType.TETRA}
    assert "height" in grid.point_data
    assert grid.volume == pytest.approx(np.abs(vol).sum(), rel=1e-9)
    surface = grid.extract_surface(algorithm="dataset_surface")
    assert surface.n_open_edges == 0


def test_part_stl_is_watertight_binary() -> None:
    import trimesh

    raw = (MESHES / "part.stl").read_bytes()
    n_faces = int(np.frombuffer(raw[80:84], dtype="<u4")[0])
    assert len(raw) == 84 + 50 * n_faces  # binary STL
    assert 2_000 <= n_faces <= 10_000
    mesh = trimesh.load_mesh(MESHES / "part.stl")
    assert len(mesh.faces) == n_faces
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert mesh.volume > 0  # outward normals
    assert mesh.area_faces.min() > 0
    assert mesh.euler_number == 2 - 2 * 7  # genus 7: bore and six bolt holes


def test_cloud_npz_and_xyz() -> None:
    import trimesh

    with np.load(MESHES / "cloud.npz") as z:
        assert set(z.files) == {"points", "normals", "radius"}
        pts, nrm, rad = z["points"], z["normals"], z["radius"]
    assert pts.shape == nrm.shape == (4096, 3) and rad.shape == (4096,)
    assert pts.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(nrm, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(rad, np.hypot(pts[:, 0], pts[:, 1]), rtol=1e-6)
    xyz = np.loadtxt(MESHES / "cloud.xyz")
    np.testing.assert_allclose(xyz, pts, atol=1e-4)
    part = trimesh.load_mesh(MESHES / "part.stl")
    lo, hi = part.bounds
    assert np.all(pts >= lo - 1e-4) and np.all(pts <= hi + 1e-4)


# -------------------------------------------------------------------------------- OpenFOAM


def test_openfoam_case_reads_with_pyvista() -> None:
    import pyvista as pv

    reader = pv.OpenFOAMReader(str(CASE / "airfoil_case.foam"))
    assert reader.time_values == [0.0, float(_time_dirs()[1])]
    reader.set_active_time_value(reader.time_values[-1])
    blocks = reader.read()
    internal = blocks["internalMesh"]
    assert 2_000 <= internal.n_cells <= 10_000
    assert {"U", "p", "nut", "nuTilda"} <= set(internal.cell_data)
    assert set(blocks["boundary"].keys()) == {"frontAndBack", "inlet", "outlet", "airfoil"}
    lo_z, hi_z = internal.bounds[4], internal.bounds[5]
    assert (lo_z, hi_z) == pytest.approx((-0.05, 0.05))  # one cell thick
    u = internal.cell_data["U"]
    assert np.isfinite(u).all()
    # Sanity of the solution: stagnation Cp ~ 1 and quiet far field.
    cp = internal.cell_data["p"] / (0.5 * 15.0**2)
    assert 0.95 < cp.max() < 1.05
    centres = internal.cell_centers().points
    far = np.hypot(centres[:, 0] - 0.5, centres[:, 1]) > 15
    assert np.abs(cp[far]).max() < 0.02


def test_openfoam_patch_types_and_force_coefficients() -> None:
    boundary = (CASE / "constant/polyMesh/boundary").read_text()
    for name, typ in {
        "airfoil": "wall",
        "inlet": "patch",
        "outlet": "patch",
        "frontAndBack": "empty",
    }.items():
        assert re.search(rf"\b{name}\s*\{{\s*type\s+{typ};", boundary), name
    coef_files = list(CASE.glob("postProcessing/forceCoeffs/0/*.dat"))
    assert len(coef_files) == 1
    rows = np.loadtxt(coef_files[0], comments="#")
    assert rows[-1, 0] == float(_time_dirs()[1])
    cd, cl = rows[-1, 1], rows[-1, 3]  # columns: Time Cd Cs Cl ...
    assert 0.5 < cl < 0.75  # NACA 2412 at 4 deg: ~0.1/deg from alpha_L0 ~ -2 deg
    assert 0.008 < cd < 0.025
    assert np.ptp(rows[-100:, 3]) < 1e-4  # C_L steady over the last 100 iterations
    assert "Mesh OK" in (CASE / "log.summary").read_text()


# -------------------------------------------------------------------------------- regeneration


def _load_script():
    spec = importlib.util.spec_from_file_location("make_meshes", MESHES / "make_meshes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_regenerates_airfoil_dat_identically(tmp_path: Path) -> None:
    script = _load_script()
    script.make_airfoil_dat(tmp_path)
    for name in ("naca0012.dat", "naca2412_lednicer.dat"):
        assert (tmp_path / name).read_bytes() == (MESHES / name).read_bytes()


def test_script_naca4_matches_the_formula() -> None:
    script = _load_script()
    upper, lower = script.naca4("0012", 201)
    thickness = upper[:, 1] - lower[:, 1]
    assert thickness.max() == pytest.approx(0.12, abs=2e-4)
    assert upper[int(np.argmax(thickness)), 0] == pytest.approx(0.30, abs=0.01)
    with pytest.raises(ValueError, match="4 digits"):
        script.naca4("241", 10)


@pytest.mark.slow
@pytest.mark.solver
@pytest.mark.skipif(importlib.util.find_spec("gmsh") is None, reason="needs gmsh")
def test_script_regenerates_everything(tmp_path: Path) -> None:
    script = _load_script()
    try:
        script._find_foam_bashrc()
        only: list[str] = []
    except script.MissingToolError:
        only = [
            a
            for name in ("airfoil_dat", "airfoil_2d", "bracket", "part", "cloud")
            for a in ("--only", name)
        ]
    res = subprocess.run(
        [sys.executable, str(MESHES / "make_meshes.py"), "--out", str(tmp_path), *only],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "FAILED" not in res.stdout
