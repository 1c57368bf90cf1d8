"""Dataset generation: planning (fast) and a tiny resumable run (slow)."""

from __future__ import annotations

import numpy as np
import pytest

import geonop.optional
from geonop.data.particles import NpzTrajectoryFile, read_dataset, read_metadata
from geonop.data.particles.generate import (
    generate_dataset,
    plan_dataset,
    summarize,
    trajectory_seed,
)
from geonop.data.particles.mpm import MPMConfig
from geonop.errors import InvalidArgumentError


def test_plan_is_deterministic_and_independent_of_counts():
    small = plan_dataset(["water", "multi"], {"train": 2, "test": 1}, seed=7)
    large = plan_dataset(["water", "sand", "multi"], {"train": 5, "valid": 2, "test": 3}, seed=7)
    assert [p.name for p in small] == ["water_000", "water_001", "multi_000", "multi_001",
                                       "water_000", "multi_000"]
    by_key = {(p.split, p.name): p for p in large}
    for p in small:  # adding trajectories or kinds leaves the existing ones unchanged
        assert by_key[(p.split, p.name)].scene == p.scene and by_key[(p.split, p.name)].seed == p.seed
    assert len({p.seed for p in large}) == len(large)
    assert plan_dataset(["water"], {"train": 1}, seed=8)[0].seed != trajectory_seed(7, "water", "train", 0)
    with pytest.raises(InvalidArgumentError, match="kinds"):
        plan_dataset(["lava"])
    with pytest.raises(InvalidArgumentError, match="training"):
        plan_dataset(["water"], {"train": 0, "test": 1})


@pytest.mark.slow
def test_generate_tiny_dataset_and_resume(tmp_path):
    if not geonop.optional.WITH_TAICHI:
        pytest.skip("taichi is not installed or is switched off")
    cfg = MPMConfig(num_frames=12)
    kw = {"kinds": ["water", "jelly"], "n_train": 1, "n_valid": 0, "n_test": 1, "config": cfg,
          "seed": 3, "num_blocks": (1, 1), "block_size": (0.04, 0.05), "progress": False}
    res = generate_dataset(tmp_path, **kw)
    assert res["simulated"] == 4 and set(res["splits"]) == {"train", "test"}
    splits, meta = read_dataset(tmp_path)
    assert [t.name for t in splits["train"]] == ["water_000", "jelly_000"]
    assert meta["sequence_length"] == 11 and meta["dt"] == cfg.frame_dt
    assert meta["generator"]["settings"]["config"]["num_frames"] == 12
    assert meta["particle_types"]["jelly"] == 8
    for t in splits["train"] + splits["test"]:
        assert t.positions.shape[0] == 12 and t.positions.min() >= 0.1 and t.positions.max() <= 0.9
        assert t.metadata["kind"] in ("water", "jelly") and "scene" in t.metadata
    assert not list(tmp_path.glob(".parts-*"))
    # complete: a rerun simulates nothing and leaves the files unchanged
    before = (tmp_path / "train.npz").read_bytes()
    again = generate_dataset(tmp_path, **kw)
    assert again["simulated"] == 0 and (tmp_path / "train.npz").read_bytes() == before
    assert summarize(tmp_path)["per_kind"]["water"]["trajectories"] == 2
    assert NpzTrajectoryFile(tmp_path / "test.npz", read_metadata(tmp_path)).trajectory_metadata(1)["kind"] == "jelly"


@pytest.mark.slow
def test_generate_resumes_after_interruption(tmp_path, monkeypatch):
    if not geonop.optional.WITH_TAICHI:
        pytest.skip("taichi is not installed or is switched off")
    import geonop.data.particles.generate as gen

    kw = {"kinds": ["water", "sand"], "n_train": 1, "n_valid": 0, "n_test": 1,
          "config": MPMConfig(num_frames=8), "seed": 5, "num_blocks": (1, 1),
          "block_size": (0.04, 0.05), "progress": False}
    real = gen.MPMSimulator.simulate
    calls = {"n": 0}

    def flaky(self, scene, seed=0, progress=None):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the user stops the run during the third trajectory
        return real(self, scene, seed=seed, progress=progress)

    monkeypatch.setattr(gen.MPMSimulator, "simulate", flaky)
    with pytest.raises(KeyboardInterrupt):
        generate_dataset(tmp_path, **kw)
    assert not (tmp_path / "train.npz").exists()
    assert len(list(tmp_path.glob(".parts-*/*.npz"))) == 2
    monkeypatch.setattr(gen.MPMSimulator, "simulate", real)
    res = generate_dataset(tmp_path, **kw)
    assert res["simulated"] == 2
    fresh = generate_dataset(tmp_path / "fresh", **kw)
    assert fresh["simulated"] == 4
    resumed, fresh_splits = read_dataset(tmp_path)[0], read_dataset(tmp_path / "fresh")[0]
    for split in ("train", "test"):
        for a, b in zip(resumed[split], fresh_splits[split]):
            assert a.name == b.name and a.metadata["scene"] == b.metadata["scene"]
            np.testing.assert_array_equal(a.positions, b.positions)
