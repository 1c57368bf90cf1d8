"""Small particle clouds with a smooth motion, shared by the particle-model tests
(imported as ``tests.models.particles.particle_clouds``)."""

from __future__ import annotations

import torch
from torch_geometric.data import Data

BOUNDS = [[0.1, 0.9], [0.1, 0.9]]


def smooth_cloud(n: int, seed: int = 0, history: int = 5) -> Data:
    """``n`` particles in a block, moving with a smooth (rotation + fall) velocity field."""
    g = torch.Generator().manual_seed(seed)
    pos0 = 0.3 + 0.2 * torch.rand(n, 2, generator=g)
    frames = []
    for k in range(history + 2):
        t = 1e-3 * k
        c = pos0 - 0.4
        rot = torch.stack([-c[:, 1], c[:, 0]], dim=1)
        frames.append(pos0 + t * (rot + torch.tensor([0.2, -0.5])) - 0.5 * 1e-4 * k * k * torch.tensor([0.0, 1.0]))
    traj = torch.stack(frames, dim=1)
    ptype = torch.full((n,), 5, dtype=torch.long)
    ptype[: n // 3] = 6
    return Data(pos=traj[:, history], pos_history=traj[:, : history + 1], y=traj[:, history + 1],
                particle_type=ptype, num_nodes=n)
