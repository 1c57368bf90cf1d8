import numpy as np
import pytest
import torch

from geonop.errors import CorruptFileError, InvalidArgumentError, MissingFileError
from geonop.movers.mmpde.burgers import random_initial_condition, solve_burgers
from geonop.movers.mmpde.dataset import (
    BurgersTransitions,
    default_data_path,
    generate_burgers_data,
    load_burgers_data,
    split_trajectories,
)
from geonop.movers.mmpde.moving import grid_mesh


def test_generated_data_is_the_downsampled_solution(tiny_burgers):
    data = load_burgers_data(tiny_burgers)
    assert data["u"].shape == (4, 5, 16, 16) and data["u"].dtype == np.float32
    np.testing.assert_allclose(data["times"], np.linspace(0, 0.3, 5))
    assert data["setup"]["nu"] == 0.03 and data["setup"]["fine"] == 32
    # trajectory 0 again, by hand: same initial condition, solve, keep every 2nd node
    rng = np.random.default_rng(1)
    u0 = random_initial_condition(32, rng)
    ref = solve_burgers(u0, 0.03, data["times"])[:, ::2, ::2]
    np.testing.assert_allclose(data["u"][0], ref, atol=1e-6)


def test_shipped_dataset():
    path = default_data_path()
    assert path.is_file(), "datasets/burgers/burgers_32.npz is shipped"
    data = load_burgers_data(path)
    assert data["u"].shape == (40, 21, 32, 32)
    assert data["setup"]["nu"] == 0.005 and data["setup"]["fine"] == 128
    assert np.abs(data["u"]).max() <= 1.0 + 1e-6
    train, test = split_trajectories(40)
    assert train == list(range(32)) and test == list(range(32, 40))


def test_bad_files(tmp_path):
    with pytest.raises(MissingFileError, match="no such"):
        load_burgers_data(tmp_path / "none.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(CorruptFileError, match="bad.npz"):
        load_burgers_data(bad)
    np.savez(tmp_path / "shape.npz", u=np.zeros((2, 3, 4)), times=np.zeros(3),
             setup=np.array("{}"))
    with pytest.raises(CorruptFileError, match="trajectories, frames"):
        load_burgers_data(tmp_path / "shape.npz")
    with pytest.raises(InvalidArgumentError, match="multiple"):
        generate_burgers_data(2, fine=30, coarse=16)


def test_transitions_identity(tiny_burgers):
    ds = BurgersTransitions(str(tiny_burgers), trajectories=[1, 2], mover="identity")
    assert len(ds) == 2 * 4
    d = ds[5]  # trajectory 2, step 1
    u = load_burgers_data(tiny_burgers)["u"]
    assert d.x.shape == (256, 1) and d.y.shape == (256, 1) and d.pos.shape == (256, 2)
    np.testing.assert_array_equal(d.x.numpy().reshape(16, 16), u[2, 1])
    np.testing.assert_array_equal(d.y.numpy().reshape(16, 16), u[2, 2])
    torch.testing.assert_close(d.dy, d.y - d.x)
    torch.testing.assert_close(d.moved, d.pos)
    # node order: u[j, i] sits at (i / n, j / n)
    np.testing.assert_allclose(d.pos[17].numpy(), [1 / 16, 1 / 16])
    assert set(ds.statistics()) == {"x", "dy"}
    with pytest.raises(InvalidArgumentError, match="trajectories"):
        BurgersTransitions(str(tiny_burgers), trajectories=[9], mover="identity")
    with pytest.raises(InvalidArgumentError, match="mover"):
        BurgersTransitions(str(tiny_burgers), mover="warp")


def test_transitions_moved_nodes_cached(tiny_burgers):
    ds = BurgersTransitions(str(tiny_burgers), trajectories=[0], max_steps=2)
    caches = list(tiny_burgers.parent.glob("tiny.moved-*.npz"))
    assert len(caches) == 1
    d = ds[1]
    disp = (d.moved - d.pos).abs().max().item()
    assert disp > 0.1 / 16  # the mover moved nodes
    hi = 15 / 16
    assert d.moved.min() >= -1e-6 and d.moved.max() <= hi + 1e-6
    again = BurgersTransitions(str(tiny_burgers), trajectories=[0], max_steps=2)
    torch.testing.assert_close(again[1].moved, d.moved)
    # a different mover setting is another cache entry, and moves differently
    weak = BurgersTransitions(str(tiny_burgers), trajectories=[0], max_steps=2, alpha=1.0)
    assert len(list(tiny_burgers.parent.glob("tiny.moved-*.npz"))) == 2
    assert (weak[1].moved - weak[1].pos).abs().max() < disp
    assert grid_mesh(16)[0].shape == (256, 2)
