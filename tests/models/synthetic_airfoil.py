"""A synthetic 'airfoil' sample for the neural-field tests (imported as
``tests.models.synthetic_airfoil``)."""

from __future__ import annotations

import math

import torch
from torch_geometric.data import Data


def ellipse_airfoil(n_query: int, seed: int, m: int = 40) -> Data:
    """An ellipse 'airfoil' with random query points and smooth synthetic fields (wall
    points jittered so that no two tokens are equally far from a query)."""
    g = torch.Generator().manual_seed(seed)
    th = torch.linspace(0, 2 * math.pi, m + 1)[:-1] + 0.05 * torch.rand(m, generator=g)
    a, b = 0.5, 0.06 + 0.04 * torch.rand(1, generator=g).item()
    sp = torch.stack([0.5 + a * torch.cos(th), b * torch.sin(th)], 1)
    sn = torch.stack([b * torch.cos(th), a * torch.sin(th)], 1)
    sn = sn / sn.norm(dim=1, keepdim=True)
    r = 0.2 + 2 * torch.rand(n_query, generator=g)
    ang = 2 * math.pi * torch.rand(n_query, generator=g)
    pos = torch.stack([0.5 + r * torch.cos(ang), r * torch.sin(ang)], 1)
    sdf = (r - 0.3).clamp_min(0.0)
    direction = torch.stack([torch.cos(ang), torch.sin(ang)], 1)
    aoa = 10 * torch.rand(1, generator=g).item()
    y = torch.stack([torch.cos(ang) * aoa / (1 + r), torch.sin(ang), 1 / r, sdf], 1)
    surface_y = torch.stack([torch.cos(th) * aoa, sn[:, 0], sn[:, 1]], 1)
    return Data(pos=pos, x=torch.cat([sdf[:, None], direction], 1), y=y,
                u=torch.tensor([[3.0, aoa]]), surface_pos=sp, surface_normal=sn, surface_y=surface_y)
