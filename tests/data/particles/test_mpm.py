"""MPM scenes and settings (fast), and the Taichi solver end to end (slow)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import geonop.optional
from geonop.data.particles.mpm import (
    MATERIALS,
    Block,
    MPMConfig,
    MPMSimulator,
    Scene,
    random_scene,
    scene_particles,
)
from geonop.errors import InvalidArgumentError, MissingDependencyError


def _overlap(a: Block, b: Block) -> bool:
    return not (a.lower[0] + a.size[0] <= b.lower[0] or b.lower[0] + b.size[0] <= a.lower[0]
                or a.lower[1] + a.size[1] <= b.lower[1] or b.lower[1] + b.size[1] <= a.lower[1])


def test_config_round_trip_and_validation():
    cfg = MPMConfig(num_frames=20, gravity=9.81)
    assert MPMConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.spacing == pytest.approx(1 / 128)
    # stiffer sand needs more solver steps than water; fixed steps below the CFL bound raise
    assert cfg.min_substeps(["sand"]) > cfg.min_substeps(["water"]) >= 1
    assert cfg.substeps_for(["water"]) == cfg.min_substeps(["water"])
    assert MPMConfig(substeps=50).substeps_for(["water"]) == 50
    with pytest.raises(InvalidArgumentError, match="substeps=2 is unstable"):
        MPMConfig(substeps=2).validate()
    with pytest.raises(InvalidArgumentError, match="bounds"):
        MPMConfig(bounds=(0.0, 0.9)).validate()
    with pytest.raises(InvalidArgumentError, match="unknown settings"):
        MPMConfig.from_dict({"n_grids": 3})


@pytest.mark.parametrize("kind", ["water", "sand", "jelly", "multi"])
def test_random_scene_blocks_fit_and_do_not_overlap(kind):
    cfg = MPMConfig()
    for seed in range(20):
        scene = random_scene(np.random.default_rng(seed), kind, cfg, block_size=(0.06, 0.12), max_top=0.5)
        assert 1 <= len(scene.blocks) <= 3 and scene.kind == kind
        mats = {b.material for b in scene.blocks}
        if kind == "multi":
            assert len(scene.blocks) >= 2 and len(mats) >= 2
        else:
            assert mats == {kind}
        for i, a in enumerate(scene.blocks):
            assert 0.1 < a.lower[0] and a.lower[0] + a.size[0] < 0.9 and 0.1 < a.lower[1]
            assert a.lower[1] + a.size[1] <= 0.1 + 0.5 + 1e-12
            assert 0.06 <= min(a.size) and max(a.size) <= 0.12
            assert all(abs(v) <= 1.0 for v in a.velocity)
            assert not any(_overlap(a, b) for b in scene.blocks[i + 1:])
    a = random_scene(np.random.default_rng(3), "multi", cfg)
    assert a == random_scene(np.random.default_rng(3), "multi", cfg)
    assert Scene.from_dict(a.to_dict()) == a
    with pytest.raises(InvalidArgumentError, match="kind"):
        random_scene(np.random.default_rng(0), "goo", cfg)
    with pytest.raises(InvalidArgumentError, match="no room"):
        random_scene(np.random.default_rng(0), "water", cfg, max_top=0.1)


def test_scene_particles_lattice():
    cfg = MPMConfig()
    scene = Scene((Block("water", (0.2, 0.2), (0.1, 0.05), (1.0, -0.5)),
                   Block("jelly", (0.5, 0.5), (0.05, 0.05))))
    pos, vel, mat, ptype = scene_particles(scene, cfg, np.random.default_rng(0))
    n_water = round(0.1 / cfg.spacing) * round(0.05 / cfg.spacing)
    assert len(pos) == n_water + round(0.05 / cfg.spacing) ** 2
    assert pos.dtype == np.float32 and ptype.tolist().count(5) == n_water
    assert set(ptype.tolist()) == {5, 8} and set(mat.tolist()) == {0, 2}
    np.testing.assert_array_equal(vel[0], [1.0, -0.5])
    assert pos[:n_water, 0].min() >= 0.2 and pos[:n_water, 0].max() <= 0.3
    with pytest.raises(InvalidArgumentError, match="outside"):
        scene_particles(Scene((Block("sand", (0.05, 0.2), (0.1, 0.1)),)), cfg, np.random.default_rng(0))
    with pytest.raises(InvalidArgumentError, match="material"):
        scene_particles(Scene((Block("lava", (0.2, 0.2), (0.1, 0.1)),)), cfg, np.random.default_rng(0))


def test_simulator_needs_taichi(no_optional):
    with pytest.raises(MissingDependencyError, match="particles"):
        MPMSimulator(MPMConfig(num_frames=2))


@pytest.mark.slow
def test_simulator_end_to_end_tiny_scene():
    if not geonop.optional.WITH_TAICHI:
        pytest.skip("taichi is not installed or is switched off")
    cfg = MPMConfig(num_frames=25)
    scene = Scene((Block("sand", (0.3, 0.15), (0.05, 0.04), (0.0, -1.0)),
                   Block("water", (0.6, 0.2), (0.04, 0.04), (2.0, 0.0)),
                   Block("jelly", (0.15, 0.3), (0.04, 0.04), (-3.0, 0.0))), "multi")
    sim = MPMSimulator(cfg, capacity=200)
    traj = sim.simulate(scene, seed=1)
    n = len(scene_particles(scene, cfg, np.random.default_rng(1))[0])
    assert traj.positions.shape == (25, n, 2) and traj.dt == cfg.frame_dt
    assert np.isfinite(traj.positions).all()
    assert traj.positions.min() >= 0.1 and traj.positions.max() <= 0.9
    assert set(traj.particle_type.tolist()) == {5, 6, 8}
    # gravity: everything that started at rest vertically has moved down
    assert traj.positions[-1, :, 1].mean() < traj.positions[0, :, 1].mean() - 0.01
    assert traj.metadata["substeps"] == cfg.min_substeps(MATERIALS)
    # bit-for-bit reproducible, and independent of what ran before on the simulator
    other = sim.simulate(random_scene(np.random.default_rng(0), "water", cfg, block_size=(0.05, 0.06)))
    again = sim.simulate(scene, seed=1)
    assert hashlib.sha256(again.positions.tobytes()).digest() == hashlib.sha256(traj.positions.tobytes()).digest()
    assert other.num_particles != traj.num_particles
    with pytest.raises(InvalidArgumentError, match="capacity"):
        sim.simulate(random_scene(np.random.default_rng(0), "water", cfg, num_blocks=(3, 3)))
