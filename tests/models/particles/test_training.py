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


def _floor_misses(config: str, tmp_path: Path, overrides: list[str]) -> dict[str, list[str]]:
    """Train ``examples/configs/<config>``, roll out every validation and test trajectory, and
    list the deciding figures on which the model does not beat both floors, per split."""
    from geonop.data.particles import read_dataset
    from geonop.models.particles import compare_with_floors, estimate_gravity, floor_failures

    overrides = [f"output_dir={tmp_path / 'run'}", "training.progress=off",
                 "training.tensorboard=off", *overrides]
    train(CONFIGS / config, overrides=overrides, verbose=False)
    model = geonop.load(tmp_path / "run" / "checkpoints" / "last.pt")
    splits, _ = read_dataset(ROOT / "datasets" / "particles_small")
    gravity = estimate_gravity(splits["train"])
    return {split: floor_failures(compare_with_floors(model, splits[split], gravity))
            for split in ("valid", "test")}


@pytest.mark.slow
@pytest.mark.timeout(1500)   # ~500 s of training, ~60 s of rollouts: over the default 600 s
def test_example_training_beats_the_floors_on_every_held_out_material(one_thread, tmp_path):
    """The issue's criterion, as ``examples/train_particles.py`` runs it: the shipped config
    (4000 steps, about 8 minutes on one thread, capped at 10), then full rollouts of every
    validation and test trajectory; the operator must beat both floors on full-rollout MSE,
    Chamfer distance and kinetic-energy error for every material. The run is fixed by its
    step count (deterministic on the CPU); measured with seeds 0, 1 and 2, the closest
    figure is 0.69-0.77 of its floor (docs/particles.md). The cap is lifted here so that a
    slow machine trains the same 4000 steps rather than fewer."""
    missed = _floor_misses("gio_particles.yaml", tmp_path, ["training.max_time=30m"])
    assert missed == {"valid": [], "test": []}


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_long_training_beats_the_floors_on_every_held_out_material(one_thread, tmp_path):
    """The issue's criterion with ``examples/configs/gio_particles_long.yaml``: 12000 steps,
    fixed by the step count rather than the clock, so the model (and this test's outcome)
    is bitwise the same on every run on a given machine, whatever its load (about 25 minutes
    of training and one of rollouts on one thread at load 2)."""
    missed = _floor_misses("gio_particles_long.yaml", tmp_path, [])
    assert missed == {"valid": [], "test": []}
