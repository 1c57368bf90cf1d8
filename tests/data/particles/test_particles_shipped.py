"""Physical checks on the shipped MPM dataset ``datasets/particles_small``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geonop.data.particles import (
    JELLY,
    SAND,
    WATER,
    ParticleDataset,
    estimate_gravity,
    read_dataset,
    trajectory_statistics,
)
from geonop.data.particles.deepmind import METADATA_KEYS
from tests.data.particles.particle_checks import (
    blocks,
    jelly_shape_metrics,
    sand_pile_metrics,
    spacing,
    water_rest_ratio,
)

ROOT = Path(__file__).resolve().parents[3] / "datasets" / "particles_small"


@pytest.fixture(scope="module")
def shipped():
    if not (ROOT / "metadata.json").is_file():
        pytest.fail(f"shipped dataset missing: {ROOT}")
    return read_dataset(ROOT)


def _all(shipped):
    splits, _ = shipped
    return [t for trajs in splits.values() for t in trajs]


def _of_kind(shipped, kind):
    return [t for t in _all(shipped) if t.metadata["kind"] == kind]


def test_layout_counts_and_size(shipped):
    splits, meta = shipped
    assert {s: len(t) for s, t in splits.items()} == {"train": 16, "valid": 4, "test": 4}
    for key in METADATA_KEYS:
        assert key in meta
    assert meta["bounds"] == [[0.1, 0.9], [0.1, 0.9]] and meta["dim"] == 2 and meta["dt"] == 0.0025
    for kind in ("water", "sand", "jelly", "multi"):
        assert [t.metadata["split"] for t in _of_kind(shipped, kind)] == ["train"] * 4 + ["valid", "test"]
    for t in _all(shipped):
        assert t.num_frames == meta["sequence_length"] + 1 >= 100
        assert 50 <= t.num_particles <= 1000 and t.positions.dtype == np.float32
    size = sum(p.stat().st_size for p in ROOT.iterdir() if p.is_file())
    assert size < 8e6


def test_statistics_are_those_of_the_training_split(shipped):
    splits, meta = shipped
    ref = trajectory_statistics(splits["train"])
    for key in ("vel_mean", "vel_std", "acc_mean", "acc_std"):
        np.testing.assert_allclose(meta[key], ref[key], rtol=1e-6, atol=1e-12)
    # gravity dominates the mean acceleration: -g dt^2 per frame^2, damped by resting frames
    g_frame = meta["generator"]["settings"]["config"]["gravity"] * meta["dt"] ** 2
    assert -g_frame < meta["acc_mean"][1] < 0
    # the first frames are free fall, so they give gravity itself (the simulators' prior)
    np.testing.assert_allclose(estimate_gravity(splits["train"]), [0.0, -g_frame],
                               atol=1e-3 * g_frame)


def test_no_nan_and_no_particle_leaves_the_box(shipped):
    for t in _all(shipped):
        assert np.isfinite(t.positions).all(), t.name
        assert t.positions.min() >= 0.1 - 1e-6 and t.positions.max() <= 0.9 + 1e-6, t.name
        # the grid boundary condition does the work; the clamp at lo + 1e-3 only holds the
        # resting bottom layer of water (a few percent of particle-frames at most)
        assert t.metadata["clamped_fraction"] < 0.05, t.name


def test_types_match_kinds(shipped):
    codes = {"water": {WATER}, "sand": {SAND}, "jelly": {JELLY}}
    for t in _all(shipped):
        kind = t.metadata["kind"]
        if kind == "multi":
            assert len(set(t.particle_type.tolist())) >= 2
        else:
            assert set(t.particle_type.tolist()) == codes[kind]


def test_water_comes_to_rest(shipped):
    ratios = []
    for t in _all(shipped):
        mask = t.particle_type == WATER
        if mask.any():
            ke = t.kinetic_energy(mask)
            assert ke.max() > 0.5, t.name  # it did fall and splash
            ratios.append(water_rest_ratio(t, mask))
    assert len(ratios) >= 6 and max(ratios) < 0.1, ratios


def test_sand_forms_piles(shipped):
    free_blocks = 0
    for t in _of_kind(shipped, "sand"):
        metrics = sand_pile_metrics(t)
        ke = t.kinetic_energy()
        assert ke[-5:].mean() < 0.02 * ke.max(), t.name  # at rest
        assert 15.0 < metrics["slope_deg"] < 45.0, (t.name, metrics)
        x0, x1 = t.positions[0], t.positions[-1]
        s = spacing(x0)
        lo, hi = t.bounds[0]
        for idx in blocks(t):
            at_wall = (x1[idx, 0].min() < lo + 2 * s) or (x1[idx, 0].max() > hi - 2 * s)
            if at_wall:  # a block thrown against a wall piles up against it instead
                continue
            free_blocks += 1
            assert np.ptp(x1[idx, 1]) < np.ptp(x0[idx, 1]), (t.name, "lower")
            assert np.ptp(x1[idx, 0]) > np.ptp(x0[idx, 0]), (t.name, "wider")
        # sand on the floor covers more than the blocks' widths put together
        floor = x1[x1[:, 1] < t.bounds[1][0] + 3 * s, 0]
        covered = len(np.unique(np.floor(floor / s))) * s
        assert covered > sum(np.ptp(x0[idx, 0]) for idx in blocks(t)), t.name
    assert free_blocks >= 5


def test_jelly_keeps_its_shape(shipped):
    for t in _all(shipped):
        mask = t.particle_type == JELLY
        if mask.any():
            m = jelly_shape_metrics(t.subset(np.flatnonzero(mask)))
            assert m["shape_error"] < 0.15 and m["area_change"] < 0.15, (t.name, m)


def test_windows_for_training(shipped):
    ds = ParticleDataset(ROOT, "train", history=5)
    assert len(ds) == 16 * (151 - 6)
    data = ds[len(ds) - 1]
    assert data.pos_history.shape[1:] == (6, 2) and data.y.shape[1] == 2
    assert ds.spec()["connectivity_radius"] == 0.015
