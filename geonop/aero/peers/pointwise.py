"""A point-wise MLP peer: local geometry and inflow at one point -> the fields there.

The strong small-budget baseline of AirfRANS ("MLP" in Bonnet et al. 2022,
https://arxiv.org/abs/2212.07564): each point is predicted from its own inputs only,
Fourier features of its position, multi-scale features of its signed distance to the wall
(:class:`~geonop.nn.encodings.DistanceEncoding`), the unit direction away from the nearest
wall point, and the free stream (Re, angle of attack). Wall points are the same network
with signed distance 0, the outward normal as direction and a wall flag, read out by a
separate surface head. There is no information about the rest of the airfoil beyond what
the signed distance and wall direction carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import torch
from torch import Tensor
from torch_geometric.data import Batch, Data

from geonop.aero.peers._base import AeroPeer
from geonop.errors import InvalidArgumentError
from geonop.nn.encodings import DistanceEncoding, FourierEncoding
from geonop.nn.mlp import MLP


class PointwiseMLP(AeroPeer):
    """Fields at a point from that point's position, wall distance, wall direction and inflow.

    Args:
        out_channels: volume channels (``Data.y``).
        surface_channels: surface channels (``Data.surface_y``).
        global_channels: channels of ``Data.u`` (Re / 1e6, angle of attack).
        hidden_channels: width of the trunk.
        num_layers: hidden layers of the trunk.
        num_frequencies: wavelengths of the Fourier features of positions.
        min_wavelength: finest wavelength of those features.
        max_wavelength: coarsest wavelength of those features.
        distance_scales: length scales of the signed-distance features.
        surface_weight: weight of the surface loss.
        chunk_size: points evaluated at once (bounds memory at inference).

    Shapes:
        - **input:** ``pos [N, 2]``, ``x [N, 3]``, ``surface_pos``/``surface_normal [M, 2]``,
          ``u [B, G]`` with ``batch``/``surface_pos_batch`` vectors
        - **output:** :meth:`forward_all` gives normalised ``(volume [N, C], surface [M, C_s])``
    """

    pointwise: ClassVar[bool] = True

    def __init__(self, out_channels: int = 4, surface_channels: int = 3, global_channels: int = 2,
                 hidden_channels: int = 128, num_layers: int = 4, num_frequencies: int = 8,
                 min_wavelength: float = 0.02, max_wavelength: float = 50.0,
                 distance_scales: Sequence[float] = (1e-3, 4e-3, 1.6e-2, 6.4e-2, 0.25, 1.0, 4.0),
                 surface_weight: float = 1.0, chunk_size: int = 65536) -> None:
        super().__init__()
        if min(out_channels, surface_channels, hidden_channels, num_layers, chunk_size) < 1:
            raise InvalidArgumentError("PointwiseMLP: channels, num_layers and chunk_size must be "
                                       "positive")
        self.out_channels, self.surface_channels = out_channels, surface_channels
        self.global_channels = global_channels
        self.surface_weight = float(surface_weight)
        self.chunk_size = int(chunk_size)
        self.pos_enc = FourierEncoding(2, num_frequencies, min_wavelength, max_wavelength)
        self.dist_enc = DistanceEncoding(distance_scales)
        width = self.pos_enc.out_channels + self.dist_enc.out_channels + 2 + 1 + global_channels
        self.trunk = MLP(width, hidden_channels, hidden_channels, num_layers, "gelu",
                         layer_norm=True)
        self.volume_head = MLP(hidden_channels, out_channels, hidden_channels, 1, "gelu",
                               layer_norm=False)
        self.surface_head = MLP(hidden_channels, surface_channels, hidden_channels, 1, "gelu",
                                layer_norm=False)

    def _points(self, pos: Tensor, sdf: Tensor, direction: Tensor, cond: Tensor,
                surface: bool) -> Tensor:
        head = self.surface_head if surface else self.volume_head
        out = pos.new_empty(pos.shape[0], head.out_channels)
        flag = pos.new_full((1,), 1.0 if surface else 0.0)
        for s in range(0, pos.shape[0], self.chunk_size):
            sl = slice(s, s + self.chunk_size)
            n = pos[sl].shape[0]
            feats = torch.cat([self.pos_enc(pos[sl]), self.dist_enc(sdf[sl]), direction[sl],
                               flag.expand(n, 1), cond[sl]], dim=-1)
            out[sl] = head(self.trunk(feats))
        return out

    def forward_all(self, data: Data | Batch) -> tuple[Tensor, Tensor]:
        pos, sdf, direction, batch = self.volume_inputs(data)
        sp, sn, sb = self.surface_inputs(data)
        cond = self.conditions(data, self.num_graphs(data))
        vol = self._points(pos, sdf, direction, cond[batch], surface=False)
        surf = self._points(sp, sp.new_zeros(sp.shape[0]), sn, cond[sb], surface=True)
        return vol, surf

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(out_channels={self.out_channels}, "
                f"surface_channels={self.surface_channels}, "
                f"hidden_channels={self.trunk.hidden_channels}, "
                f"num_layers={self.trunk.num_hidden_layers})")
