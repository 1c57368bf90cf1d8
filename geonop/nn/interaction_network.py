"""Residual interaction-network message passing (the GNS processor)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from geonop.errors import InvalidArgumentError
from geonop.nn.mlp import MLP
from geonop.utils import scatter


class InteractionNetwork(nn.Module):
    r"""One interaction-network step with residual edge and node updates.

    For an edge :math:`j \to i` (``edge_index = [source j; target i]``):

    .. math::

        e'_{ij} = e_{ij} + \phi_e([x_i, x_j, e_{ij}]), \qquad
        x'_i = x_i + \phi_x\big([x_i, \textstyle\sum_{j} e'_{ij}]\big)

    with :math:`\phi_e, \phi_x` :class:`~geonop.nn.MLP` s ending in LayerNorm (Battaglia et
    al. 2016; Sanchez-Gonzalez et al. 2020). Sum aggregation makes it permutation
    equivariant over nodes and edges.

    Args:
        node_channels: width of the node latents.
        edge_channels: width of the edge latents (default: ``node_channels``).
        hidden_channels: hidden width of both MLPs (default: ``node_channels``).
        num_hidden_layers: hidden layers per MLP (default 2).
        aggr: ``"sum"`` (default, as GNS) or ``"mean"``.

    Shapes:
        - **input:** ``x`` [N, node_channels], ``edge_index`` [2, E], ``edge_attr``
          [E, edge_channels]
        - **output:** ``(x', edge_attr')`` of the same shapes
    """

    def __init__(
        self,
        node_channels: int,
        edge_channels: int | None = None,
        hidden_channels: int | None = None,
        num_hidden_layers: int = 2,
        aggr: str = "sum",
    ) -> None:
        super().__init__()
        if aggr not in ("sum", "mean"):
            raise InvalidArgumentError(f"InteractionNetwork: aggr must be 'sum' or 'mean', got {aggr!r}")
        self.node_channels = node_channels
        self.edge_channels = edge_channels or node_channels
        self.hidden_channels = hidden_channels or node_channels
        self.aggr = aggr
        self.edge_mlp = MLP(2 * node_channels + self.edge_channels, self.edge_channels,
                            self.hidden_channels, num_hidden_layers)
        self.node_mlp = MLP(node_channels + self.edge_channels, node_channels,
                            self.hidden_channels, num_hidden_layers)

    def reset_parameters(self) -> None:
        """Re-initialise both MLPs."""
        self.edge_mlp.reset_parameters()
        self.node_mlp.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor) -> tuple[Tensor, Tensor]:
        """Updated ``(x [N, C], edge_attr [E, C_e])``."""
        if edge_index.dim() != 2 or edge_index.shape[0] != 2:
            raise InvalidArgumentError(
                f"InteractionNetwork: edge_index must have shape [2, E], got {list(edge_index.shape)}"
            )
        if edge_attr.shape[0] != edge_index.shape[1]:
            raise InvalidArgumentError(
                f"InteractionNetwork: {edge_index.shape[1]} edges but edge_attr has "
                f"{edge_attr.shape[0]} rows"
            )
        src, dst = edge_index[0], edge_index[1]
        e = edge_attr + self.edge_mlp(torch.cat([x[dst], x[src], edge_attr], dim=-1))
        agg = scatter(e, dst, 0, dim_size=x.shape[0], reduce=self.aggr)
        x = x + self.node_mlp(torch.cat([x, agg], dim=-1))
        return x, e

    def __repr__(self) -> str:
        return (f"InteractionNetwork(node_channels={self.node_channels}, "
                f"edge_channels={self.edge_channels}, hidden_channels={self.hidden_channels}, "
                f"aggr={self.aggr!r})")


class InteractionProcessor(nn.Module):
    """``num_steps`` :class:`InteractionNetwork` steps with unshared weights.

    Shapes:
        - **input:** ``x`` [N, C], ``edge_index`` [2, E], ``edge_attr`` [E, C_e]
        - **output:** ``(x', edge_attr')`` of the same shapes
    """

    def __init__(
        self,
        node_channels: int,
        num_steps: int = 10,
        edge_channels: int | None = None,
        hidden_channels: int | None = None,
        num_hidden_layers: int = 2,
        aggr: str = "sum",
    ) -> None:
        super().__init__()
        if num_steps < 0:
            raise InvalidArgumentError(f"InteractionProcessor: num_steps must be >= 0, got {num_steps}")
        self.num_steps = num_steps
        self.layers = nn.ModuleList(
            InteractionNetwork(node_channels, edge_channels, hidden_channels, num_hidden_layers, aggr)
            for _ in range(num_steps)
        )

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor) -> tuple[Tensor, Tensor]:
        """Apply every step in turn."""
        for layer in self.layers:
            x, edge_attr = layer(x, edge_index, edge_attr)
        return x, edge_attr
