"""A graph peer on the CFD mesh points: GraphSAGE message passing over a kNN graph.

AirfRANS' GraphSAGE baseline (Bonnet et al. 2022, https://arxiv.org/abs/2212.07564;
Hamilton et al. 2017, https://arxiv.org/abs/1706.02216): every volume point and every wall
face is a node; the cell connectivity is not stored with the dataset, so the graph is the
``k`` nearest nodes of each node (:func:`geonop.graph.knn_graph`), rebuilt for whatever
point set the model is given. Training sees random subsets of the mesh points (the
dataset's training views), evaluation the full mesh. The update is residual,

.. math::
    h_i \\leftarrow h_i + \\mathrm{MLP}\\big([h_i, \\operatorname{mean}_{j \\in N(i)} h_j]\\big),

with node inputs like :class:`~geonop.aero.peers.pointwise.PointwiseMLP`'s (position,
signed distance, wall direction or normal, wall flag, inflow). No edge geometry is used, so
a neighbourhood means the same at any sampling density, as in AirfRANS.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch_geometric.data import Batch, Data

from geonop.aero.peers._base import AeroPeer
from geonop.errors import InvalidArgumentError
from geonop.graph import knn_graph
from geonop.nn.encodings import DistanceEncoding, FourierEncoding
from geonop.nn.mlp import MLP
from geonop.utils.scatter import scatter


class GraphSAGEPeer(AeroPeer):
    """GraphSAGE over the kNN graph of mesh points and wall faces.

    Args:
        out_channels: volume channels (``Data.y``).
        surface_channels: surface channels (``Data.surface_y``).
        global_channels: channels of ``Data.u``.
        hidden_channels: node width.
        num_layers: message-passing layers.
        k: neighbours per node.
        num_frequencies: wavelengths of the Fourier features of positions.
        min_wavelength: finest wavelength of those features.
        max_wavelength: coarsest wavelength of those features.
        distance_scales: length scales of the signed-distance features.
        surface_weight: weight of the surface loss.

    Shapes:
        - **input:** as :class:`~geonop.aero.peers.pointwise.PointwiseMLP`
        - **output:** :meth:`forward_all` gives normalised ``(volume [N, C], surface [M, C_s])``
    """

    def __init__(self, out_channels: int = 4, surface_channels: int = 3, global_channels: int = 2,
                 hidden_channels: int = 64, num_layers: int = 5, k: int = 8,
                 num_frequencies: int = 6, min_wavelength: float = 0.05,
                 max_wavelength: float = 50.0,
                 distance_scales: Sequence[float] = (1e-3, 4e-3, 1.6e-2, 6.4e-2, 0.25, 1.0, 4.0),
                 surface_weight: float = 1.0) -> None:
        super().__init__()
        if min(out_channels, surface_channels, hidden_channels, num_layers, k) < 1:
            raise InvalidArgumentError("GraphSAGEPeer: channels, num_layers and k must be positive")
        self.out_channels, self.surface_channels = out_channels, surface_channels
        self.global_channels = global_channels
        self.hidden_channels, self.num_layers, self.k = hidden_channels, num_layers, int(k)
        self.surface_weight = float(surface_weight)
        self.pos_enc = FourierEncoding(2, num_frequencies, min_wavelength, max_wavelength)
        self.dist_enc = DistanceEncoding(distance_scales)
        width = self.pos_enc.out_channels + self.dist_enc.out_channels + 2 + 1 + global_channels
        self.encoder = MLP(width, hidden_channels, hidden_channels, 1, "gelu", layer_norm=True)
        self.layers = nn.ModuleList(
            MLP(2 * hidden_channels, hidden_channels, hidden_channels, 1, "gelu", layer_norm=True)
            for _ in range(num_layers))
        self.volume_head = MLP(hidden_channels, out_channels, hidden_channels, 1, "gelu",
                               layer_norm=False)
        self.surface_head = MLP(hidden_channels, surface_channels, hidden_channels, 1, "gelu",
                                layer_norm=False)

    def forward_all(self, data: Data | Batch) -> tuple[Tensor, Tensor]:
        pos, sdf, direction, batch = self.volume_inputs(data)
        sp, sn, sb = self.surface_inputs(data)
        cond = self.conditions(data, self.num_graphs(data))
        n_vol = pos.shape[0]
        node_pos = torch.cat([pos, sp])
        node_batch = torch.cat([batch, sb])
        flag = torch.cat([pos.new_zeros(n_vol, 1), sp.new_ones(sp.shape[0], 1)])
        feats = torch.cat([self.pos_enc(node_pos),
                           self.dist_enc(torch.cat([sdf, sp.new_zeros(sp.shape[0])])),
                           torch.cat([direction, sn]), flag, cond[node_batch]], dim=-1)
        # knn_graph wants nodes grouped by sample; volume and wall nodes are concatenated
        order = torch.argsort(node_batch, stable=True)
        k = min(self.k, max(1, int(torch.bincount(node_batch).min()) - 1))
        edges = order[knn_graph(node_pos[order], k, node_batch[order])]
        src, dst = edges[0], edges[1]
        h = self.encoder(feats)
        for layer in self.layers:
            agg = scatter(h[src], dst, 0, h.shape[0], "mean")
            h = h + layer(torch.cat([h, agg], dim=-1))
        return self.volume_head(h[:n_vol]), self.surface_head(h[n_vol:])

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(out_channels={self.out_channels}, "
                f"surface_channels={self.surface_channels}, "
                f"hidden_channels={self.hidden_channels}, num_layers={self.num_layers}, k={self.k})")
