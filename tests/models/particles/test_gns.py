import pytest
import torch
from torch_geometric.data import Batch

import geonop
from geonop.errors import InvalidArgumentError
from geonop.models.particles import GNS, rollout
from geonop.train import save_checkpoint
from tests.models.particles.particle_clouds import BOUNDS, smooth_cloud


def _model(**kw):
    torch.manual_seed(0)
    return GNS(**({"bounds": BOUNDS, "latent_dim": 16, "num_steps": 2, "gravity_prior": False} | kw))


def test_shapes_repr_and_registry(one_thread, cloud):
    model = _model()
    assert model(cloud).shape == (120, 2)
    assert model.predict(cloud).shape == (120, 2)
    assert repr(model).startswith("GNS(pos_dim=2, history=5, latent_dim=16, num_steps=2")
    assert GNS().num_steps == 10 and GNS().latent_dim == 128       # the paper's defaults
    from geonop.models.base import model_class
    assert model_class("GNS") is GNS


def test_batch_equals_single_calls(one_thread):
    model = _model().eval()
    a, b = smooth_cloud(50, seed=1), smooth_cloud(70, seed=2)
    both = model(Batch.from_data_list([a, b]))
    assert torch.allclose(both[:50], model(a), atol=1e-5)
    assert torch.allclose(both[50:], model(b), atol=1e-5)


def test_training_step_masks_kinematic_and_noise(one_thread, cloud):
    model = _model(noise_std=0.0)
    out = model.training_step(cloud)
    cloud.particle_type[:] = 3                                     # all kinematic: nothing to learn
    assert float(model.training_step(cloud).loss.detach()) == 0.0
    assert out.weight == 120 * 2
    assert model.predict(cloud).equal(cloud.pos)                   # kinematic particles stay put


def test_save_load_round_trip(one_thread, tmp_path, cloud):
    model = _model()
    model.set_normalization({"velocity": {"mean": [0.0, -1e-3], "std": [1e-3, 2e-3]},
                             "acceleration": {"mean": [0.0, 0.0], "std": [1e-4, 3e-4]}})
    path = save_checkpoint(tmp_path / "gns.pt", model)
    loaded = geonop.load(path)
    assert isinstance(loaded, GNS)
    assert torch.equal(loaded.predict(cloud), model.predict(cloud))


def test_rollout_shapes(one_thread, cloud):
    model = _model()
    traj = rollout(model, cloud.pos_history.transpose(0, 1), cloud.particle_type, 3)
    assert traj.shape == (3, 120, 2) and torch.isfinite(traj).all()
    with pytest.raises(InvalidArgumentError, match="queried"):
        rollout(model, cloud.pos_history.transpose(0, 1), cloud.particle_type, 3,
                query=cloud.pos_history.transpose(0, 1))


def test_bad_inputs(cloud):
    model = _model()
    cloud.pos_history = cloud.pos_history[:, :4]
    with pytest.raises(InvalidArgumentError, match="pos_history"):
        model(cloud)
    with pytest.raises(InvalidArgumentError, match="particle types"):
        model.node_inputs(torch.zeros(2, 6, 2), torch.tensor([0, 12]))


def test_reference_inputs_batch_equals_single_calls_and_round_trip(one_thread, tmp_path):
    """GNS takes the rest positions too (shared node inputs): batched equals single calls,
    and the option survives save and load."""
    model = _model(reference_inputs=True).eval()
    clouds = []
    for n, seed in ((200, 1), (260, 2)):
        c = smooth_cloud(n, seed=seed)
        c.pos_reference = c.pos_history[:, 0] * 1.01
        clouds.append(c)
    both = model(Batch.from_data_list(clouds))
    assert torch.allclose(both[:200], model(clouds[0]), atol=1e-5)
    assert torch.allclose(both[200:], model(clouds[1]), atol=1e-5)
    loaded = geonop.load(save_checkpoint(tmp_path / "gns.pt", model))
    assert loaded.reference_inputs and torch.equal(loaded(clouds[0]), model(clouds[0]))
