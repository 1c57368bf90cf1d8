"""STL/OBJ/PLY/OFF/GLB reading through trimesh, and its bad-input checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import geonop
from geonop.errors import CorruptFileError, InvalidMeshError


@pytest.fixture
def box():
    import trimesh

    return trimesh.creation.box(extents=(1.0, 2.0, 3.0))


@pytest.mark.parametrize("ext", ["obj", "ply", "off", "glb"])
def test_reads_the_files_vertices_in_order(tmp_path: Path, box, ext):
    path = tmp_path / f"box.{ext}"
    box.export(path)
    m = geonop.read(path)
    assert m.meta["format"] == ext and m.cell_types == ("triangle",)
    np.testing.assert_allclose(m.points, box.vertices, atol=1e-6)
    np.testing.assert_array_equal(m.cells["triangle"], box.faces)


def test_stl_duplicates_are_merged_by_trimesh(tmp_path: Path, box):
    path = tmp_path / "box.stl"
    box.export(path)  # an STL stores 36 vertices for the 12 triangles
    m = geonop.read(path)
    assert m.num_points == 8 and m.num_cells == 12
    assert "stl" not in m.cell_data
    assert m.to_trimesh().volume == pytest.approx(6.0)


def test_ascii_stl(tmp_path: Path):
    path = tmp_path / "tri.stl"
    path.write_text("solid t\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\n"
                    "vertex 0 1 0\nendloop\nendfacet\nendsolid t\n")
    m = geonop.read(path)
    assert m.num_points == 3 and m.num_cells == 1


def test_ply_vertex_and_face_properties(tmp_path: Path, box):
    from trimesh.exchange.ply import export_ply

    box.vertex_attributes["temp"] = np.arange(8, dtype=np.float64)
    path = tmp_path / "box.ply"
    path.write_bytes(export_ply(box, encoding="ascii", include_attributes=True))
    m = geonop.read(path)
    np.testing.assert_array_equal(m.point_data["temp"], np.arange(8))


def test_glb_scene_is_concatenated(tmp_path: Path):
    import trimesh

    scene = trimesh.Scene()
    scene.add_geometry(trimesh.creation.box())
    scene.add_geometry(trimesh.creation.box(), transform=trimesh.transformations.translation_matrix([3, 0, 0]))
    path = tmp_path / "two.glb"
    scene.export(path)
    m = geonop.read(path)
    assert m.num_points == 16 and m.num_cells == 24
    assert m.bounds[1][0] == pytest.approx(3.5)


def test_truncated_binary_stl(tmp_path: Path, box):
    path = tmp_path / "box.stl"
    box.export(path)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(CorruptFileError, match=r"box.stl: truncated or corrupt binary STL .* 684 bytes, file has 300"):
        geonop.read(path)
    path.write_bytes(b"\0" * 40)
    with pytest.raises(CorruptFileError, match="header needs 84"):
        geonop.read(path)


def test_truncated_ascii_stl(tmp_path: Path):
    path = tmp_path / "cut.stl"
    path.write_text("solid t\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0")
    with pytest.raises(CorruptFileError, match="no closing 'endsolid'"):
        geonop.read(path)


def test_empty_stl_is_an_empty_mesh(tmp_path: Path):
    path = tmp_path / "empty.stl"
    path.write_text("solid nothing\nendsolid nothing\n")
    with pytest.raises(InvalidMeshError, match="empty.stl: invalid mesh: empty mesh: no points"):
        geonop.read(path)


@pytest.mark.parametrize("name, content", [
    ("bad.ply", b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nend_header\n1 2\n"),
    ("bad.obj", b"v 1 2\nf 1 2 3 4 5\nblah\n"),
    ("bad.off", b"OFF\n3 1 0\n0 0 0\n1 0 0\n"),
    ("bad.glb", b"glTF\x02\x00\x00\x00garbage"),
    ("cut.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\nf 1 2"),
])
def test_corrupt_files_raise_corrupt_file_error(tmp_path: Path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CorruptFileError) as info:
        geonop.read(path)
    assert str(info.value).startswith(str(path))


def test_truncated_off_is_detected_from_its_header(tmp_path: Path, box):
    path = tmp_path / "box.off"
    box.export(path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-3]) + "\n")
    with pytest.raises(CorruptFileError, match="truncated OFF file .* 12 faces"):
        geonop.read(path)
