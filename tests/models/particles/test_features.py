import math

import pytest
import torch

from geonop.errors import InvalidArgumentError
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


def _lattice(n=12, spacing=0.01):
    g = torch.arange(n, dtype=torch.float64) * spacing
    return torch.stack(torch.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2) + 0.3


def test_deformation_gradient_of_affine_motions():
    from geonop.models.particles.features import deformation_gradient

    ref = _lattice()
    r = 0.025
    assert torch.allclose(deformation_gradient(ref + 0.2, ref, r), torch.zeros(len(ref), 4, dtype=torch.float64), atol=1e-5)
    stretch = torch.tensor([[1.1, 0.0], [0.05, 0.95]], dtype=torch.float64)
    got = deformation_gradient(ref @ stretch.T, ref, r)
    assert torch.allclose(got, (stretch - torch.eye(2)).reshape(1, 4).expand_as(got), atol=1e-3)
    c, s = math.cos(0.3), math.sin(0.3)
    rot = torch.tensor([[c, -s], [s, c]], dtype=torch.float64)
    got = deformation_gradient(ref @ rot.T, ref, r)
    assert torch.allclose(got, (rot - torch.eye(2)).reshape(1, 4).expand_as(got), atol=1e-3)


def test_deformation_gradient_ignores_particles_that_were_not_neighbours():
    from geonop.models.particles.features import deformation_gradient

    ref = _lattice()
    shuffled = ref[torch.randperm(len(ref), generator=torch.Generator().manual_seed(0))]
    # now every particle sits where another was: its current neighbours started far away
    got = deformation_gradient(shuffled, ref, 0.012)
    assert float(got.abs().max()) <= 1.0
    lone = deformation_gradient(torch.tensor([[0.5, 0.5]]), torch.tensor([[0.1, 0.1]]), 0.02)
    assert torch.equal(lone, torch.zeros(1, 4))
    with pytest.raises(InvalidArgumentError, match="reference"):
        deformation_gradient(ref, ref[:5], 0.02)
