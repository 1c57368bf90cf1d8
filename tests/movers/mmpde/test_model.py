import numpy as np
import pytest
import torch
from torch_geometric.data import Batch

import geonop
from geonop.errors import InvalidArgumentError
from geonop.movers.mmpde.dataset import BurgersTransitions
from geonop.movers.mmpde.model import MMPDE, periodic_grid_edges
from geonop.train import Trainer


@pytest.fixture(scope="module")
def samples(tiny_burgers):
    return BurgersTransitions(str(tiny_burgers), trajectories=[0, 1], max_steps=2)


def test_periodic_grid_edges():
    e = periodic_grid_edges(4)
    assert e.shape == (2, 8 * 16)
    deg = torch.bincount(e[1], minlength=16)
    assert (deg == 8).all()
    # node 0 (corner) is connected across the seam to 3, 12 and 15
    assert {3, 12, 15} <= set(e[0, e[1] == 0].tolist())
    assert len(set(map(tuple, e.T.tolist()))) == e.shape[1]  # no duplicates


def test_shapes_and_batching(samples):
    torch.manual_seed(0)
    model = MMPDE(hidden_channels=8, num_layers=1, neighbors=4)
    model.set_normalization(samples.statistics())
    a, b = samples[0], samples[3]
    both = model(Batch.from_data_list([a, b]))
    assert both.shape == (2 * 256, 1)
    one = torch.cat([model(Batch.from_data_list([a])), model(Batch.from_data_list([b]))])
    torch.testing.assert_close(both, one, atol=1e-5, rtol=1e-5)
    assert repr(model) == ("MMPDE(hidden_channels=8, num_layers=1, neighbors=4, "
                           "mover='monge_ampere')")
    with pytest.raises(InvalidArgumentError, match="moved"):
        bad = a.clone()
        del bad.moved
        model(Batch.from_data_list([bad]))
    with pytest.raises(InvalidArgumentError, match="mover"):
        MMPDE(mover="warp")


def test_moved_nodes_matter(samples):
    # same weights: the moving branch sees the moved nodes; with identity nodes the output
    # differs (for the baseline the identity mover feeds the fixed nodes instead)
    torch.manual_seed(0)
    model = MMPDE(hidden_channels=8, num_layers=1)
    d = Batch.from_data_list([samples[1]])
    moved_out = model(d)
    d.moved = d.pos.clone()
    assert (model(d) - moved_out).abs().max() > 1e-4


def test_train_save_load_and_rollout(samples, tmp_path):
    torch.manual_seed(0)
    model = MMPDE(hidden_channels=8, num_layers=1)
    result = Trainer(model, samples, config={"max_steps": 4, "lr": 1e-3, "eval_every": 0,
                                             "progress": "off", "tensorboard": "off"},
                     output_dir=tmp_path, batch_size=2, val_dataset=samples,
                     verbose=False).fit()
    assert result.step == 4 and np.isfinite(result.metrics["rel_l2/u"])
    loaded = geonop.load(tmp_path / "checkpoints" / "last.pt")
    assert isinstance(loaded, MMPDE) and loaded.mover == "monge_ampere"
    batch = Batch.from_data_list([samples[0], samples[2]])
    torch.testing.assert_close(loaded.predict(batch), model.predict(batch))

    u0 = samples.trajectory(0)[0]
    frames, meshes = loaded.rollout(u0, 3, return_meshes=True)
    assert frames.shape == (4, 16, 16) and meshes.shape == (3, 256, 2)
    np.testing.assert_array_equal(frames[0], u0)
    assert np.isfinite(frames).all()
    # the first step of the rollout is a one-step prediction from the mover's nodes
    np.testing.assert_allclose(frames[1], loaded.step(u0), atol=1e-6)
    batch_frames = loaded.rollout(np.stack([u0, samples.trajectory(1)[0]]), 2)
    assert batch_frames.shape == (3, 2, 16, 16)
    np.testing.assert_allclose(batch_frames[:, 0], frames[:3], atol=1e-5)


def test_fixed_mesh_baseline_rollout(tiny_burgers):
    ds = BurgersTransitions(str(tiny_burgers), trajectories=[0], mover="identity")
    model = MMPDE(hidden_channels=8, num_layers=1, mover="identity")
    model.set_normalization(ds.statistics())
    frames, meshes = model.rollout(ds.trajectory(0)[0], 2, return_meshes=True)
    assert frames.shape == (3, 16, 16)
    np.testing.assert_array_equal(meshes[0], ds[0].pos.numpy())


def test_training_reduces_the_error(samples):
    torch.manual_seed(0)
    model = MMPDE(hidden_channels=16, num_layers=1)
    model.set_normalization(samples.statistics())
    batch = Batch.from_data_list([samples[i] for i in range(len(samples))])
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    first = model.training_step(batch).loss.item()
    for _ in range(30):
        opt.zero_grad()
        model.training_step(batch).loss.backward()
        opt.step()
    assert model.training_step(batch).loss.item() < 0.5 * first
