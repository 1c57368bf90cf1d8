"""Fixtures for the I/O tests: Gmsh files and OpenFOAM cases generated in temporary folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.io.iosamples import gmsh_box, gmsh_square, hex_grid_case, two_polyhedra, write_polymesh


@pytest.fixture(scope="session")
def gmsh_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``{"v2": square.msh (2.2), "v4": square.msh (4.1), "box": box.msh (4.1, tets)}``."""
    pytest.importorskip("gmsh")
    root = tmp_path_factory.mktemp("gmsh")
    files = {"v2": root / "square_v2.msh", "v4": root / "square_v4.msh", "box": root / "box.msh"}
    gmsh_square(files["v2"], 2.2)
    gmsh_square(files["v4"], 4.1)
    gmsh_box(files["box"])
    return files



# --------------------------------------------------------------------------- OpenFOAM
@pytest.fixture
def foam_case(tmp_path: Path) -> tuple[Path, dict]:
    case = tmp_path / "case"
    return case, hex_grid_case(case)


@pytest.fixture
def poly_case(tmp_path: Path) -> Path:
    """OpenFOAM case of :func:`two_polyhedra`: one internal face split in two triangles."""
    case = tmp_path / "poly"
    mesh = two_polyhedra()
    a, b = mesh.cells["polyhedron"]
    # internal faces: the two triangles (owner 0 -> neighbour 1, normal +x)
    internal = [[1, 4, 10], [1, 10, 7]]
    a_boundary = [list(f) for f in a[:5]]
    b_boundary = [list(f) for f in b[:5]]
    faces = internal + a_boundary + b_boundary
    owner = [0, 0] + [0] * 5 + [1] * 5
    write_polymesh(case, mesh.points, faces, owner, [1, 1], [("outside", "wall", 10)])
    return case
