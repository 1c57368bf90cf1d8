"""What GNS and the graph interaction operator share: the gravity prior and the wall clamp."""

import pytest
import torch

from geonop.errors import InvalidArgumentError
from geonop.models.particles import (
    GNS,
    GraphInteractionOperator,
    constant_velocity_rollout,
    rollout,
)
from tests.models.particles.particle_clouds import BOUNDS, smooth_cloud

G = [0.0, -1.25e-4]
STATS = {"velocity": {"mean": [0.0, -1e-3], "std": [1e-3, 2e-3]},
         "acceleration": {"mean": [1e-6, -2e-6], "std": [1e-4, 3e-4]},
         "gravity": {"mean": G, "std": [1.0, 1.0]}}


def _models(**kw):
    torch.manual_seed(0)
    small = {"bounds": BOUNDS, "latent_dim": 16, "num_steps": 2} | kw
    return [GNS(**small), GraphInteractionOperator(kernel_hidden=16, sparse_ratio=0.25, **small)]


@pytest.mark.parametrize("index", [0, 1])
def test_untrained_model_is_the_free_fall_floor(one_thread, index):
    model = _models()[index]
    model.set_normalization(STATS)
    cloud = smooth_cloud(80)
    hist = cloud.pos_history.transpose(0, 1)
    pred = rollout(model, hist, cloud.particle_type, 5)
    floor = constant_velocity_rollout(hist, 5, gravity=torch.tensor(G))
    assert torch.allclose(pred, floor, atol=1e-7)
    # a step of training moves it off the floor: the zeroed layer is trainable
    model.train()
    cloud.y = cloud.y + 1e-4
    model.training_step(cloud).loss.backward()
    assert torch.allclose(model.decode_acceleration(torch.zeros(1, 2)), torch.tensor([G]))
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert any(float(g.abs().sum()) > 0 for g in grads)


@pytest.mark.parametrize("index", [0, 1])
def test_acceleration_targets_round_trip_and_fall_back_to_the_mean(index):
    model = _models()[index]
    model.set_normalization(STATS)
    acc = torch.randn(10, 2, dtype=torch.float64) * 1e-4
    assert torch.allclose(model.decode_acceleration(model.encode_acceleration(acc)), acc)
    # targets are centred on gravity, scaled by the acceleration std
    assert torch.allclose(model.encode_acceleration(torch.tensor([G], dtype=torch.float64)),
                          torch.zeros(1, 2, dtype=torch.float64))
    no_prior = _models(gravity_prior=False)[index]
    no_prior.set_normalization(STATS)
    assert torch.allclose(no_prior.decode_acceleration(torch.zeros(1, 2, dtype=torch.float64)),
                          torch.tensor([[1e-6, -2e-6]], dtype=torch.float64))


@pytest.mark.parametrize("clamp", [True, False])
def test_wall_clamp_keeps_particles_in_the_box(one_thread, clamp):
    model = _models(wall_clamp=clamp)[1]
    model.set_normalization(STATS)
    # particles falling fast onto the floor at y = 0.1
    t = torch.arange(6, dtype=torch.float32)[:, None, None]
    start = torch.rand(1, 30, 2) * 0.1 + torch.tensor([0.4, 0.12])
    hist = start - t * torch.tensor([0.0, 0.004])
    pred = rollout(model, hist, torch.full((30,), 5), 10)
    inside = bool(((pred >= 0.1) & (pred <= 0.9)).all())
    assert inside == clamp


@pytest.mark.parametrize("index", [0, 1])
def test_acceleration_inputs_read_free_fall_as_zero(one_thread, index):
    """With ``acceleration_inputs`` the node inputs carry the last H - 1 accelerations,
    normalised like the output: 0 in free fall, ``-g / std`` at rest."""
    plain = _models()[index]
    model = _models(acceleration_inputs=True)[index]
    for m in (plain, model):
        m.set_normalization(STATS)
    assert model.node_input_channels == plain.node_input_channels + 4 * 2
    t = torch.arange(6, dtype=torch.float64)[None, :, None]
    start = torch.tensor([[0.5, 0.5], [0.3, 0.4]], dtype=torch.float64)[:, None]
    falling = (start + 1e-3 * t + 0.5 * torch.tensor(G, dtype=torch.float64) * t * t).float()
    resting = start.expand(2, 6, 2).float()
    types = torch.tensor([5, 6])
    acc_falling = model.node_inputs(falling, types)[:, 10:18]
    acc_resting = model.node_inputs(resting, types)[:, 10:18].view(2, 4, 2)
    assert acc_falling.abs().max() < 1e-3
    assert torch.allclose(acc_resting, torch.tensor([0.0, 1.25e-4 / 3e-4]).expand(2, 4, 2), atol=1e-3)
    assert torch.equal(model.node_inputs(falling, types)[:, :10], plain.node_inputs(falling, types)[:, :10])


def test_wall_range_widens_the_wall_features(one_thread):
    """``wall_range`` k: the wall features saturate at k R instead of R (GNS), for the node
    inputs and for the operator's decoder alike."""
    near = _models()[1]
    far = _models(wall_range=5.0)[1]
    for m in (near, far):
        m.set_normalization(STATS)
    r = near.connectivity_radius
    pos = torch.tensor([[0.5, 0.1 + 3 * r]]).expand(6, 1, 2).transpose(0, 1).contiguous()
    walls = slice(10, 14)                               # after the 5 velocities
    assert near.node_inputs(pos, torch.tensor([5]))[0, walls][1] == 1.0        # saturated
    assert float(far.node_inputs(pos, torch.tensor([5]))[0, walls][1].detach()) == pytest.approx(0.6)
    with pytest.raises(InvalidArgumentError, match="wall_range"):
        GNS(wall_range=0.0)
