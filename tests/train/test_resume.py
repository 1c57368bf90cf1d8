"""Resuming: a run killed with SIGKILL and resumed ends where an uninterrupted run ends."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
import torch
import yaml

import geonop
from geonop.errors import CheckpointError, ConfigError
from geonop.train import load_checkpoint, train


def _params(path: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(path)["state_dict"]


def _assert_same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), f"{k} differs by {(a[k] - b[k]).abs().max()}"


def test_sigkill_then_resume_equals_uninterrupted_run(
    config_factory, tmp_path, train_script, child_env
):
    torch.set_num_threads(1)  # the child runs single-threaded too: same reduction order
    clean = config_factory(tmp_path / "clean", max_steps=10, checkpoint_every=4, eval_every=4)
    # grad accumulation, clipping and a step schedule all carry state across the kill
    for cfg in (clean,):
        cfg["training"].update(grad_accum=2, grad_clip=0.5)
    result = train(clean, verbose=False)
    assert result.status == "completed" and result.step == 10

    killed = config_factory(tmp_path / "killed", max_steps=10, checkpoint_every=4, eval_every=4)
    killed["training"].update(grad_accum=2, grad_clip=0.5)
    cfg_path = tmp_path / "killed.yaml"
    cfg_path.write_text(yaml.safe_dump(killed))
    # killed after step 6: the last checkpoint is from step 4, steps 5-6 are lost
    proc = subprocess.run(train_script + [str(cfg_path), "--kill-at", "6"], check=False,
                          env=child_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    last = tmp_path / "killed" / "checkpoints" / "last.pt"
    assert load_checkpoint(last)["training"]["step"] == 4
    assert not list(last.parent.glob("*.tmp"))

    resumed = train(killed, resume=last, verbose=False)
    assert resumed.status == "completed" and resumed.step == 10
    _assert_same(_params(tmp_path / "clean" / "checkpoints" / "last.pt"), _params(last))
    # the resumed log reads like one run: steps 3, 6, 9 once each
    rows = (tmp_path / "killed" / "train.csv").read_text().splitlines()[1:]
    assert [int(r.split(",")[0]) for r in rows] == [3, 6, 9]


def test_resume_can_extend_a_finished_run(config_factory, tmp_path):
    # a constant schedule does not depend on max_steps, so 4 + 4 steps equal 8 steps
    a = config_factory(tmp_path / "a", max_steps=8, checkpoint_every=4, scheduler="constant")
    train(a, verbose=False)
    b = config_factory(tmp_path / "b", max_steps=4, checkpoint_every=4, scheduler="constant")
    train(b, verbose=False)
    b["training"]["max_steps"] = 8
    r = train(b, resume="auto", verbose=False)
    assert r.step == 8
    _assert_same(_params(tmp_path / "a" / "checkpoints" / "last.pt"),
                 _params(tmp_path / "b" / "checkpoints" / "last.pt"))


def test_existing_run_is_not_overwritten_silently(config):
    train(config, ["training.max_steps=2"], verbose=False)
    with pytest.raises(ConfigError, match="--resume"):
        train(config, ["training.max_steps=2"], verbose=False)
    assert train(config, ["training.max_steps=2"], overwrite=True, verbose=False).step == 2


def test_resume_with_a_different_model_is_refused(config):
    train(config, ["training.max_steps=2"], verbose=False)
    last = Path(config["output_dir"]) / "checkpoints" / "last.pt"
    with pytest.raises(CheckpointError, match="hidden_channels"):
        train(config, ["training.max_steps=4", "model.args.hidden_channels=8"], resume=last,
              verbose=False)


def test_loaded_model_predicts_like_the_trained_one(config, flow_dir):
    train(config, ["training.max_steps=3"], verbose=False)
    model = geonop.load(Path(config["output_dir"]) / "checkpoints" / "last.pt")
    assert not model.training
    assert model.checkpoint_info.step == 3
    from geonop.data import MeshDataset

    ds = MeshDataset(flow_dir, **{k: v for k, v in config["data"]["args"].items()})
    data = ds[0]
    pred = model.predict(data)
    assert pred.shape == data.y.shape
    # the stored statistics are those of the training split: predictions are in raw units
    assert abs(pred[:, 0].mean() - data.y[:, 0].mean()) < 5 * data.y[:, 0].std() + 1
