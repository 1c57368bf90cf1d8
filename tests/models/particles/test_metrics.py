import numpy as np
import pytest
import torch

from geonop.errors import InvalidArgumentError
from geonop.models.particles import constant_velocity_rollout, estimate_gravity
from geonop.models.particles.metrics import (
    chamfer_distance,
    kinetic_energy,
    kinetic_energy_error,
    mse_mean_dims,
    mse_sum_dims,
    one_step_mse,
    rollout_mse,
    rollout_report,
    sinkhorn_divergence,
)


def test_mse_conventions_hand_computed(one_thread):
    pred = torch.tensor([[[1.0, 2.0], [0.0, 0.0]]])
    target = torch.zeros(1, 2, 2)
    assert float(mse_mean_dims(pred, target)[0]) == pytest.approx(5 / 4)
    assert float(mse_sum_dims(pred, target)[0]) == pytest.approx(5 / 2)
    g = torch.Generator().manual_seed(0)
    for d in (1, 2, 3):
        p, t = torch.rand(30, 50, d, generator=g), torch.rand(30, 50, d, generator=g)
        r = rollout_mse(p, t)
        for h in ("5", "20", "all"):
            assert r[f"mse_sum_dims/{h}"] == pytest.approx(d * r[f"mse_mean_dims/{h}"], rel=1e-12)
        per = mse_mean_dims(p, t)
        assert r["mse_mean_dims/5"] == pytest.approx(float(per[:5].mean()))
        assert r["mse_mean_dims/all"] == pytest.approx(float(per.mean()))
    s = one_step_mse(pred[0], target[0])
    assert s == {"mse_mean_dims": 1.25, "mse_sum_dims": 2.5}
    periodic = mse_sum_dims(torch.tensor([[0.95, 0.5]]), torch.tensor([[0.05, 0.5]]), box=[1.0, 1.0])
    assert float(periodic) == pytest.approx(0.01)


def test_chamfer(one_thread):
    a = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    b = torch.tensor([[0.0, 0.0], [1.0, 0.0], [1.0, 2.0]])
    assert float(chamfer_distance(a, a)) == 0.0
    # a -> b: 0, 0; b -> a: 0, 0, 4  => 0 + 4 / 3
    assert float(chamfer_distance(a, b)) == pytest.approx(4 / 3)
    assert float(chamfer_distance(a, b, chunk_size=1)) == pytest.approx(4 / 3)


def test_sinkhorn_divergence(one_thread):
    g = torch.Generator().manual_seed(0)
    a = torch.rand(80, 2, generator=g) * 0.1
    b = a[:60] + 0.02
    assert abs(float(sinkhorn_divergence(a, a))) < 1e-10
    s_near = float(sinkhorn_divergence(a, a[torch.randperm(80, generator=g)[:50]]))
    s_far = float(sinkhorn_divergence(a, b))
    assert s_near >= -1e-12 and s_far > 0
    assert s_far > s_near
    # a shift by delta of the same cloud costs about delta^2 (for small epsilon)
    shift = float(sinkhorn_divergence(a, a + torch.tensor([0.03, 0.0]), epsilon=1e-5, iters=500))
    assert shift == pytest.approx(0.03 ** 2, rel=0.1)
    batched = sinkhorn_divergence(torch.stack([a, a]), torch.stack([a, a + 0.02]))
    assert batched.shape == (2,) and abs(float(batched[0])) < 1e-10 and float(batched[1]) > 0
    with pytest.raises(InvalidArgumentError):
        sinkhorn_divergence(a, torch.rand(5, 3))


def test_kinetic_energy(one_thread):
    pos = torch.tensor([[[0.0, 0.0]], [[1.0, 0.0]], [[1.0, 2.0]]])   # v = (1, 0), (0, 2)
    assert torch.allclose(kinetic_energy(pos, dt=0.5), torch.tensor([2.0, 8.0], dtype=torch.float64))
    err = kinetic_energy_error(pos, torch.zeros(3, 5, 2))
    assert err["ke_mse"] == pytest.approx((0.5 ** 2 + 2 ** 2) / 2)


def test_constant_velocity_floor_and_gravity(one_thread):
    # a parabola: x = x0 + v t + g t^2 / 2 (per frame units), exactly predicted with gravity
    t = torch.arange(12, dtype=torch.float64)[:, None, None]
    g = torch.tensor([0.0, -1e-4], dtype=torch.float64)
    x0 = torch.rand(1, 7, 2, dtype=torch.float64)
    traj = x0 + t * torch.tensor([1e-3, 2e-3], dtype=torch.float64) + 0.5 * g * t ** 2
    floor = constant_velocity_rollout(traj[:6], 6)
    gravity = constant_velocity_rollout(traj[:6], 6, gravity=g)
    assert torch.allclose(gravity, traj[6:], atol=1e-12)
    assert float(mse_mean_dims(floor, traj[6:]).mean()) > 1e-9
    assert np.allclose(estimate_gravity([traj.numpy(), traj.numpy()]), g.numpy(), atol=1e-12)
    fixed = constant_velocity_rollout(traj[:6], 3, particle_type=torch.full((7,), 3))
    assert torch.equal(fixed, traj[5].expand(3, 7, 2))


def test_rollout_report_keys(one_thread):
    g = torch.Generator().manual_seed(0)
    target = torch.rand(25, 40, 2, generator=g)
    rep = rollout_report(target + 0.01, target, target[0] - 0.001)
    for key in ("mse_mean_dims/5", "mse_sum_dims/20", "mse_sum_dims/all", "chamfer/final",
                "sinkhorn/final", "ke_mse", "ke_rel"):
        assert key in rep
    assert rep["mse_mean_dims/all"] == pytest.approx(1e-4, rel=1e-4)
