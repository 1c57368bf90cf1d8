"""Meshes and point clouds with fields, read lazily from disk."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import geonop
import geonop.data.mesh_dataset as md
from geonop.data import MeshDataset, list_files
from geonop.errors import InvalidArgumentError, InvalidMeshError, MissingFileError
from geonop.io import Mesh


def _ds(cases, **kw):
    args = dict(targets=["pressure", "velocity"], inputs=["wall_distance"],
                global_inputs=["speed", "angle"])
    args.update(kw)
    return MeshDataset(cases, **args)


def test_sample_layout_and_spec(cases):
    ds = _ds(cases)
    assert len(ds) == 6
    d = ds[0]
    mesh = geonop.read(sorted(cases.iterdir())[0])
    n = mesh.points.shape[0]
    assert d.pos.shape == (n, 2) and d.x.shape == (n, 1) and d.y.shape == (n, 3)
    assert d.u.shape == (1, 2) and d.pos.dtype == torch.float32
    np.testing.assert_allclose(d.y[:, 0].numpy(), mesh.point_data["pressure"], rtol=1e-6)
    np.testing.assert_allclose(d.y[:, 1:].numpy(), mesh.point_data["velocity"], rtol=1e-6)
    assert d.u[0, 1].item() == pytest.approx(mesh.meta["angle"])
    spec = ds.spec()
    assert spec["targets"] == [["pressure", 1], ["velocity", 2]]
    assert spec["model_args"] == {"pos_dim": 2, "in_channels": 1, "out_channels": 3,
                                  "global_channels": 2}


def test_files_are_read_only_when_needed(cases, monkeypatch):
    reads = []
    real = md.read_mesh
    monkeypatch.setattr(md, "read_mesh", lambda p: reads.append(p) or real(p))
    ds = _ds(cases)
    assert len(reads) == 1  # the first file, for the field layout
    ds[4]
    ds[4]
    assert len(reads) == 3  # no cache: read on every access
    cached = _ds(cases, cache_size=2)
    for i in (1, 1, 2, 1, 3, 2):
        cached[i]
    # 1 layout read + misses on 1, 2, 3 and 2 again: 3 evicts 2, the least recently used
    assert len(reads) == 3 + 1 + 4


def test_training_views_are_random_subsets_evaluation_views_are_whole(cases):
    ds = _ds(cases, query_points=10)
    full = ds[2]
    a, b, c = ds[(2, 1)], ds[(2, 1)], ds[(2, 2)]
    assert a.num_nodes == 10 and full.num_nodes > 10
    assert torch.equal(a.pos, b.pos) and not torch.equal(a.pos, c.pos)
    # each subset row is a row of the full sample, with its fields
    rows = {tuple(r) for r in torch.cat([full.pos, full.y], 1).tolist()}
    assert all(tuple(r) in rows for r in torch.cat([a.pos, a.y], 1).tolist())


def test_bad_inputs_are_named(cases, tmp_path):
    with pytest.raises(InvalidMeshError, match=r"case_0000\.npz: no point field 'presure'"):
        MeshDataset(cases, targets=["presure"])
    with pytest.raises(InvalidMeshError, match="no global input 'mach'"):
        MeshDataset(cases, global_inputs=["mach"])
    with pytest.raises(InvalidArgumentError, match="list of field names"):
        MeshDataset(cases, targets="pressure")
    with pytest.raises(MissingFileError):
        MeshDataset(tmp_path / "nowhere", targets=["pressure"])
    with pytest.raises(MissingFileError, match="no sample files"):
        MeshDataset(tmp_path, targets=["pressure"])
    # a later file whose field has another width is reported when read
    odd = tmp_path / "odd"
    odd.mkdir()
    pts = np.random.default_rng(0).random((5, 2))
    geonop.write(Mesh(pts, point_data={"f": np.zeros(5)}), odd / "a.npz")
    geonop.write(Mesh(pts, point_data={"f": np.zeros((5, 2))}), odd / "b.npz")
    ds = MeshDataset(odd, targets=["f"])
    with pytest.raises(InvalidMeshError, match="b.npz: target field 'f' has 2 channels"):
        ds[1]


def test_planar_meshes_stored_in_3d_can_drop_z(cases, tmp_path):
    pts = np.c_[np.random.default_rng(0).random((6, 2)), np.zeros(6)]
    geonop.write(Mesh(pts, point_data={"f": np.arange(6.0)}), tmp_path / "flat.npz")
    assert MeshDataset(tmp_path, targets=["f"], dim=2)[0].pos.shape == (6, 2)
    pts[0, 2] = 1.0
    geonop.write(Mesh(pts, point_data={"f": np.arange(6.0)}), tmp_path / "flat.npz")
    with pytest.raises(InvalidMeshError, match="vary along axis 2"):
        MeshDataset(tmp_path, targets=["f"], dim=2)


def test_roots_may_be_globs_files_or_lists(cases):
    files = sorted(cases.iterdir())
    assert list_files(str(cases / "case_000[0-2].npz")) == files[:3]
    assert list_files([files[5], cases]) == [files[5]] + files
    with pytest.raises(MissingFileError, match="matches no files"):
        list_files(str(cases / "*.vtu"))


def test_inference_data_without_targets(cases):
    ds = _ds(cases)
    mesh = geonop.read(ds.files[0])
    d = MeshDataset.inference_data(ds.spec(), mesh, params={"speed": 3.0})
    assert d.y is None and d.x.shape[1] == 1
    assert d.u[0].tolist() == pytest.approx([3.0, mesh.meta["angle"]])
