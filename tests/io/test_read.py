"""geonop.read: dispatch, options, and the bad inputs every format shares."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import geonop
from geonop.errors import (
    CorruptFileError,
    GeonopError,
    InvalidArgumentError,
    InvalidMeshError,
    MissingFileError,
    UnsupportedFormatError,
)
from geonop.io import Mesh
from tests.io.iosamples import cube_tets, random_surface


def test_meta_records_source_and_format(tmp_path: Path):
    path = geonop.write(cube_tets(), tmp_path / "c.vtu")
    m = geonop.read(str(path))
    assert m.meta["source"] == str(path) and m.meta["format"] == "vtu"
    assert geonop.read(path, format="vtu").num_cells == 6


def test_missing_file(tmp_path: Path):
    with pytest.raises(MissingFileError) as info:
        geonop.read(tmp_path / "nope.stl")
    assert isinstance(info.value, FileNotFoundError)
    assert str(info.value) == f"{tmp_path / 'nope.stl'}: no such file or folder"


def test_unknown_extension(tmp_path: Path):
    path = tmp_path / "part.step"
    path.write_text("ISO-10303-21;")
    with pytest.raises(UnsupportedFormatError, match=r"part.step: unknown file extension '.step'; geonop reads .*\.stl"):
        geonop.read(path)


@pytest.mark.parametrize("name", ["a.stl", "a.vtu", "a.msh", "a.npz", "a.csv", "a.dat", "a.ply"])
def test_empty_file(tmp_path: Path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(CorruptFileError, match=rf"{name}: empty file \(0 bytes\)"):
        geonop.read(path)


@pytest.mark.parametrize("ext", ["vtu", "vtp", "vtk", "ply", "stl", "glb", "msh", "xdmf", "npz", "npy"])
def test_truncated_file_of_each_family(tmp_path: Path, ext):
    obj = random_surface().points if ext == "npy" else random_surface()
    path = geonop.write(obj, tmp_path / f"m.{ext}")
    geonop.read(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CorruptFileError) as info:
        geonop.read(path)
    assert str(info.value).startswith(f"{path}: ")


def test_garbage_of_each_family_is_a_geonop_error(tmp_path: Path):
    rng = np.random.default_rng(0)
    for ext in ("stl", "obj", "ply", "off", "glb", "vtu", "vtp", "vtk", "msh", "xdmf", "npz",
                "npy", "csv", "xyz", "dat", "inp", "mesh"):
        path = tmp_path / f"g.{ext}"
        path.write_bytes(rng.integers(0, 256, 3000, dtype=np.uint8).tobytes())
        with pytest.raises(GeonopError) as info:
            geonop.read(path)
        assert str(path) in str(info.value), ext


def test_time_only_for_openfoam(tmp_path: Path):
    path = geonop.write(cube_tets(), tmp_path / "c.vtu")
    with pytest.raises(InvalidArgumentError, match="time=0.5 applies to OpenFOAM cases only"):
        geonop.read(path, time=0.5)
    with pytest.raises(InvalidArgumentError, match=r"reading vtu: unknown option\(s\) \['dim'\]"):
        geonop.read(path, dim=2)


def _dirty() -> Mesh:
    pts = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 0, 0], [2, 0, 0]], float)
    return Mesh(pts, {"triangle": [[0, 1, 2], [2, 3, 0], [0, 1, 4]]})


def test_clean_repairs_duplicates_and_degenerate_cells(tmp_path: Path):
    path = geonop.write(_dirty(), tmp_path / "d.npz")
    with pytest.raises(InvalidMeshError) as info:
        geonop.read(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: invalid mesh:")
    assert "1 duplicate points" in msg and "1 degenerate" in msg and "clean=True" in msg
    m = geonop.read(path, clean=True)
    assert m.num_points == 4 and m.cell_counts() == {"triangle": 2}
    assert m.meta["cleaned"] == {"merged_points": 1, "dropped_cells": 1}
    raw = geonop.read(path, validate=False)
    assert raw.num_points == 5


def test_out_of_range_indices_in_a_file(tmp_path: Path):
    m = cube_tets()
    m.cells["tetra"][3, 2] = 42
    path = geonop.write(m, tmp_path / "bad.npz")
    with pytest.raises(InvalidMeshError, match=r"bad.npz: invalid mesh: 1 tetra cells reference points outside \[0, 8\) \(rows \[3\], e.g. index 42\)"):
        geonop.read(path)
    with pytest.raises(InvalidMeshError, match="cannot clean"):
        geonop.read(path, clean=True)


def test_lazy_top_level_reexports():
    assert geonop.read is geonop.io.read and geonop.write is geonop.io.write
    assert geonop.Mesh is Mesh
