"""The floors and the issue's criterion: beat both floors on the deciding metrics."""

from pathlib import Path

import pytest
import torch

from geonop.data.particles import Trajectory, read_dataset
from geonop.models.particles import (
    DECIDING_METRICS,
    GraphInteractionOperator,
    compare_with_floors,
    estimate_gravity,
    floor_failures,
)

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "datasets" / "particles_small"


def _row(model: float, floor: float, gravity_floor: float) -> dict[str, dict[str, float]]:
    return {"model": dict.fromkeys(DECIDING_METRICS, model),
            "constant_velocity": dict.fromkeys(DECIDING_METRICS, floor),
            "constant_velocity+gravity": dict.fromkeys(DECIDING_METRICS, gravity_floor)}


def test_floor_failures_needs_both_floors_beaten():
    rows = {"water": _row(1.0, 2.0, 3.0), "sand": _row(2.5, 2.0, 3.0), "jelly": _row(3.0, 4.0, 3.0)}
    assert floor_failures(rows) == [f"{m}/{k}" for m in ("sand", "jelly") for k in DECIDING_METRICS]
    assert floor_failures({"water": _row(1.0, 2.0, 3.0)}) == []
    rows["water"]["model"]["ke_mse"] = float("nan")                  # NaN never beats a floor
    assert "water/ke_mse" in floor_failures(rows)


@torch.no_grad()
def test_the_criterion_fails_a_model_that_is_a_floor(one_thread):
    """An untrained operator with the gravity prior and no wall clamp *is* the
    constant-velocity-plus-gravity floor: it must not pass."""
    splits, meta = read_dataset(DATA)
    water = [Trajectory(t.positions[:30], t.particle_type, t.dt, t.bounds, t.metadata, t.name)
             for t in splits["valid"] if t.name.startswith("water")]
    gravity = estimate_gravity(splits["train"])
    stats = {"velocity": {"mean": meta["vel_mean"], "std": meta["vel_std"]},
             "acceleration": {"mean": meta["acc_mean"], "std": meta["acc_std"]},
             "gravity": {"mean": list(gravity), "std": [1.0, 1.0]}}
    args = {"connectivity_radius": meta["default_connectivity_radius"], "bounds": meta["bounds"],
            "latent_dim": 16, "num_steps": 1}
    torch.manual_seed(0)
    floor_like = GraphInteractionOperator(wall_clamp=False, **args)
    floor_like.set_normalization(stats)
    rows = compare_with_floors(floor_like, water, gravity)
    assert set(rows) == {"water"}
    assert rows["water"]["model"]["mse_mean_dims/all"] == pytest.approx(
        rows["water"]["constant_velocity+gravity"]["mse_mean_dims/all"], rel=1e-3)
    assert floor_failures(rows)                                     # ties with the floor
