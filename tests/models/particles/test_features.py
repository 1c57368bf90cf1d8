import torch

from geonop.models.particles.features import (
    random_walk_noise,
    semi_implicit_euler,
    target_acceleration,
    velocities,
    wall_distances,
)


def test_wall_distances_clipped():
    pos = torch.tensor([[0.1, 0.5], [0.11, 0.895], [0.5, 0.5]])
    b = torch.tensor([[0.1, 0.9], [0.1, 0.9]])
    w = wall_distances(pos, b, 0.02)
    assert w.shape == (3, 4)
    assert torch.allclose(w[0], torch.tensor([0.0, 1.0, 1.0, 1.0]))
    assert torch.allclose(w[1], torch.tensor([0.5, 1.0, 1.0, 0.25]), atol=1e-5)
    assert torch.equal(w[2], torch.ones(4))


def test_euler_and_target_are_inverse():
    g = torch.Generator().manual_seed(0)
    hist = torch.rand(7, 6, 2, generator=g)
    nxt = torch.rand(7, 2, generator=g)
    acc = target_acceleration(hist, nxt)
    assert torch.allclose(semi_implicit_euler(hist[:, -1], hist[:, -2], acc), nxt, atol=1e-6)
    assert velocities(hist).shape == (7, 5, 2)


def test_random_walk_noise_statistics():
    torch.manual_seed(0)
    hist = torch.zeros(20000, 6, 2)
    movable = torch.ones(20000, dtype=torch.bool)
    movable[:10] = False
    noise = random_walk_noise(hist, 1e-3, movable)
    assert torch.equal(noise[:, 0], torch.zeros(20000, 2))       # first position is clean
    assert torch.equal(noise[:10], torch.zeros(10, 6, 2))          # kinematic particles
    last_vel = noise[10:, -1] - noise[10:, -2]
    assert abs(float(last_vel.std()) / (1e-3 / 5 ** 0.5) - 1) < 0.03   # per-step std sigma/sqrt(H)
    total = noise[10:, -1] - noise[10:, 0]                          # sum of 5 velocity noises
    assert abs(float(total.std()) / 1e-3 - 1) < 0.03
