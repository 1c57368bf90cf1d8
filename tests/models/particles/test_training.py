"""Smoke training of both particle models through ``geonop.train.train`` on the shipped data."""

from pathlib import Path

import pytest
import torch

import geonop
from geonop.models.particles import GNS, GraphInteractionOperator
from geonop.train import evaluate_model, train

ROOT = Path(__file__).resolve().parents[3]
CONFIGS = ROOT / "examples" / "configs"


@pytest.mark.parametrize("name, cls", [("gio", GraphInteractionOperator), ("gns", GNS)])
def test_smoke_training_lowers_validation_loss(one_thread, tmp_path, name, cls):
    overrides = [
        f"output_dir={tmp_path / 'run'}", "training.max_steps=60", "training.eval_every=0",
        "training.checkpoint_every=0", "training.warmup_steps=0", "training.lr=2e-3",
        "training.scheduler=constant", "training.progress=off", "training.tensorboard=off",
        "model.args.latent_dim=16", "model.args.num_steps=2", "data.args.stride=10",
        "data.val_fraction=0.1", "training.max_time=null",
    ]
    result = train(CONFIGS / f"{name}_particles.yaml", overrides=overrides, verbose=False)
    assert result.status == "completed" and result.step == 60
    model = geonop.load(tmp_path / "run" / "checkpoints" / "last.pt")
    assert isinstance(model, cls)
    # the same architecture, untrained, with the same normalisation, scores worse (with the
    # gravity prior an untrained model is already the free-fall floor, hence no big margin)
    torch.manual_seed(0)
    fresh = cls(**model.config["kwargs"])
    fresh.set_normalization(model.normalizer.state())
    from geonop.data.particles import ParticleDataset
    val = ParticleDataset(ROOT / "datasets" / "particles_small", "valid", stride=30)
    before = evaluate_model(fresh, val, batch_size=2)
    after = evaluate_model(model, val, batch_size=2)
    assert after["loss"] < before["loss"], (before, after)
    assert after["mse_position"] < before["mse_position"]
