"""Checkpoints: self-describing, atomic, and clear about what is wrong with a bad one."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import torch
from torch_geometric.data import Data

import geonop
from geonop.data import FieldStats
from geonop.errors import CheckpointError, InvalidArgumentError, WriteError
from geonop.models import FieldMLP, GeonopModel
from geonop.train import Trainer, load_checkpoint, save_checkpoint
from geonop.train.checkpoint import FORMAT_VERSION


def _model() -> FieldMLP:
    torch.manual_seed(0)
    m = FieldMLP(out_channels=2, pos_dim=2, global_channels=1, hidden_channels=8, num_layers=1)
    m.set_normalization({"pos": FieldStats(torch.tensor([1.0, -1.0]), torch.tensor([2.0, 3.0])),
                         "y": {"mean": [5.0, 6.0], "std": [0.5, 0.25]}})
    m.output_fields = [["a", 1], ["b", 1]]
    return m


def _data() -> Data:
    g = torch.Generator().manual_seed(1)
    return Data(pos=torch.randn(10, 2, generator=g), u=torch.tensor([[0.3]]))


def test_load_rebuilds_the_model_with_no_other_input(tmp_path):
    m = _model()
    path = save_checkpoint(tmp_path / "m.pt", m, data={"dataset": "x:Y", "spec": {"dim": 2}},
                           metrics={"loss": 0.5})
    loaded = geonop.load(path)
    assert type(loaded) is FieldMLP and not loaded.training
    assert loaded.config == m.config
    assert repr(loaded) == repr(m)
    assert loaded.output_fields == [["a", 1], ["b", 1]]
    torch.testing.assert_close(loaded.predict(_data()), m.predict(_data()), rtol=0, atol=0)
    info = loaded.checkpoint_info
    assert info.geonop_version == geonop.__version__ and info.metrics == {"loss": 0.5}
    assert info.data["spec"] == {"dim": 2}
    raw = load_checkpoint(path)
    assert raw["model"]["kwargs"]["hidden_channels"] == 8
    assert raw["normalization"]["y"]["std"].tolist() == [0.5, 0.25]


def _fail_midway(monkeypatch):
    def broken_save(obj, f, *args, **kwargs):
        f.write(b"PK\x03\x04 half a checkpoint")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torch, "save", broken_save)


def test_failed_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    m = _model()
    path = save_checkpoint(tmp_path / "m.pt", m)
    before = path.read_bytes()
    with torch.no_grad():
        m.mlp[0].weight.add_(1.0)
    _fail_midway(monkeypatch)
    with pytest.raises(WriteError, match="No space left"):
        save_checkpoint(path, m)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.pt"]  # no temporary file left behind
    monkeypatch.undo()
    assert torch.equal(geonop.load(path).mlp[0].weight, _model().mlp[0].weight)


def test_failed_write_during_training_stops_and_keeps_the_last_good_one(flow_dir, tmp_path,
                                                                        monkeypatch):
    from geonop.data import MeshDataset

    ds = MeshDataset(flow_dir, targets=["pressure"])
    model = FieldMLP(out_channels=1, hidden_channels=8, num_layers=1)
    calls = {"n": 0}
    real_save = torch.save

    def save(obj, f, *a, **k):
        calls["n"] += 1
        if calls["n"] >= 2:
            f.write(b"garbage")
            raise OSError(errno.EACCES, "Permission denied")
        return real_save(obj, f, *a, **k)

    monkeypatch.setattr(torch, "save", save)
    trainer = Trainer(model, ds, config={"max_steps": 6, "checkpoint_every": 2, "eval_every": 0,
                                         "progress": "off"},
                      output_dir=tmp_path / "run", verbose=False)
    with pytest.raises(WriteError, match="Permission denied"):
        trainer.fit()
    monkeypatch.undo()
    ckpt_dir = tmp_path / "run" / "checkpoints"
    assert sorted(os.listdir(ckpt_dir)) == ["last.pt"]
    assert load_checkpoint(ckpt_dir / "last.pt")["training"]["step"] == 2


def test_truncated_and_foreign_files_are_refused(tmp_path):
    path = save_checkpoint(tmp_path / "m.pt", _model())
    data = path.read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="cut.pt: truncated or corrupt"):
        geonop.load(tmp_path / "cut.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "plain.pt")
    with pytest.raises(CheckpointError, match="not a geonop checkpoint"):
        geonop.load(tmp_path / "plain.pt")
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        geonop.load(tmp_path / "none.pt")


class _Payload:
    def __reduce__(self):  # would run code when unpickled without weights_only
        return (os.system, ("echo should-not-run",))


def test_loading_never_runs_code_from_the_file(tmp_path):
    torch.save({"format": "geonop-checkpoint", "format_version": 1, "model": _Payload(),
                "state_dict": {}}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="never contains"):
        geonop.load(tmp_path / "evil.pt")


def _rewrite(path: Path, **changes) -> Path:
    ckpt = torch.load(path, weights_only=True)
    for k, v in changes.items():
        ckpt[k] = v
    torch.save(ckpt, path)
    return path


def test_incompatible_version_is_explained(tmp_path):
    path = save_checkpoint(tmp_path / "m.pt", _model())
    _rewrite(path, format_version=FORMAT_VERSION + 1, geonop_version="9.0.0")
    with pytest.raises(CheckpointError, match=r"incompatible.*geonop 9\.0\.0.*this is geonop"):
        geonop.load(path)


def test_incompatible_model_is_explained(tmp_path):
    path = save_checkpoint(tmp_path / "m.pt", _model())
    good = load_checkpoint(path)
    _rewrite(path, model={**good["model"], "class": "geonop.models.field_mlp:Gone"})
    with pytest.raises(CheckpointError, match="cannot build"):
        geonop.load(path)
    _rewrite(path, model={**good["model"], "kwargs": {**good["model"]["kwargs"], "depth": 3}})
    with pytest.raises(CheckpointError, match="cannot rebuild FieldMLP"):
        geonop.load(path)
    sd = dict(good["state_dict"])
    sd["mlp.0.weight"] = torch.zeros(3, 3)
    _rewrite(path, model=good["model"], state_dict=sd)
    with pytest.raises(CheckpointError, match=r"shape mismatch.*mlp\.0\.weight"):
        geonop.load(path)


class _TakesTensor(GeonopModel):
    def __init__(self, table):
        super().__init__()
        self.table = torch.nn.Parameter(torch.as_tensor(table, dtype=torch.float32))

    def forward(self, data):
        return self.table.expand(data.num_nodes, -1)


def test_arguments_that_cannot_be_stored_are_refused_at_save_time(tmp_path):
    with pytest.raises(InvalidArgumentError, match="'table'"):
        save_checkpoint(tmp_path / "t.pt", _TakesTensor(torch.zeros(1, 2)))
    save_checkpoint(tmp_path / "ok.pt", _TakesTensor([[1.0, 2.0]]))  # plain lists are fine
    assert geonop.load(tmp_path / "ok.pt").table.tolist() == [[1.0, 2.0]]
