"""Kernel integral over a radius neighbourhood (GNO), from source points to query points."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from geonop.errors import InvalidArgumentError
from geonop.graph import radius as radius_search
from geonop.nn.mlp import MLP
from geonop.utils import scatter


class KernelIntegral(nn.Module):
    r"""Graph neural operator layer: a learned kernel integrated over a ball.

    For query :math:`y` and sources :math:`x_j` with features :math:`f_j` within distance
    :math:`r`:

    .. math::

        u(y) = \operatorname*{agg}_{|y - x_j| \le r}\;
               \kappa\!\Big(\tfrac{y - x_j}{r}, \tfrac{|y - x_j|}{r}, a(y)\Big) \odot W f_j

    where :math:`\kappa` is an MLP, :math:`W` a linear map, :math:`a(y)` optional query
    features and ``agg`` the mean (a Monte-Carlo estimate of the integral, independent of the
    sampling density: the discretisation-agnostic choice) or the sum (Li et al., "Neural
    Operator: Graph Kernel Network", https://arxiv.org/abs/2003.03485; GINO). A query with no
    source in its ball gets 0.

    Queries are processed in chunks of ``chunk_size``, so the edge tensors of 100k+ queries
    never exist at once; the result does not depend on the chunk size.

    Args:
        in_channels: channels of the source features ``f``.
        out_channels: output channels.
        pos_dim: spatial dimension ``d``.
        radius: ball radius ``r`` (in the units of the positions).
        query_channels: channels of the optional query features ``a(y)`` (0: none).
        kernel_hidden: hidden width of the kernel MLP (default 64).
        kernel_layers: hidden layers of the kernel MLP (default 2).
        reduction: ``"mean"`` (default) or ``"sum"``.
        chunk_size: queries per chunk (default 32768; None: all at once).

    Shapes:
        - **input:** ``x_pos`` [N, d], ``y_pos`` [M, d], ``f`` [N, in_channels], optional
          ``batch_x`` [N], ``batch_y`` [M], ``query_attr`` [M, query_channels]
        - **output:** [M, out_channels]
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        pos_dim: int,
        radius: float,
        query_channels: int = 0,
        kernel_hidden: int = 64,
        kernel_layers: int = 2,
        reduction: str = "mean",
        chunk_size: int | None = 32768,
    ) -> None:
        super().__init__()
        if reduction not in ("mean", "sum"):
            raise InvalidArgumentError(f"KernelIntegral: reduction must be 'mean' or 'sum', got {reduction!r}")
        if not radius > 0:
            raise InvalidArgumentError(f"KernelIntegral: radius must be > 0, got {radius}")
        if chunk_size is not None and chunk_size < 1:
            raise InvalidArgumentError(f"KernelIntegral: chunk_size must be >= 1 or None, got {chunk_size}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.pos_dim = pos_dim
        self.radius = float(radius)
        self.query_channels = query_channels
        self.reduction = reduction
        self.chunk_size = chunk_size
        self.kernel = MLP(pos_dim + 1 + query_channels, out_channels, kernel_hidden, kernel_layers,
                          activation="gelu", layer_norm=False)
        self.value = nn.Linear(in_channels, out_channels)

    def reset_parameters(self) -> None:
        """Re-initialise the kernel MLP and the value map."""
        self.kernel.reset_parameters()
        self.value.reset_parameters()

    def forward(
        self,
        x_pos: Tensor,
        y_pos: Tensor,
        f: Tensor,
        batch_x: Tensor | None = None,
        batch_y: Tensor | None = None,
        query_attr: Tensor | None = None,
        chunk_size: int | None = -1,
    ) -> Tensor:
        """Integrate the kernel at the queries: tensor of shape [M, out_channels].

        ``chunk_size=-1`` uses the layer's own setting; None processes all queries at once.
        """
        if x_pos.dim() != 2 or x_pos.shape[1] != self.pos_dim or y_pos.dim() != 2 \
                or y_pos.shape[1] != self.pos_dim:
            raise InvalidArgumentError(
                f"KernelIntegral: x_pos and y_pos must have shape [*, {self.pos_dim}], got "
                f"{list(x_pos.shape)} and {list(y_pos.shape)}"
            )
        if f.shape != (x_pos.shape[0], self.in_channels):
            raise InvalidArgumentError(
                f"KernelIntegral: f must have shape [{x_pos.shape[0]}, {self.in_channels}], "
                f"got {list(f.shape)}"
            )
        if self.query_channels and (query_attr is None
                                    or query_attr.shape != (y_pos.shape[0], self.query_channels)):
            raise InvalidArgumentError(
                f"KernelIntegral: query_attr of shape [{y_pos.shape[0]}, {self.query_channels}] "
                f"required, got {None if query_attr is None else list(query_attr.shape)}"
            )
        if (batch_x is None) != (batch_y is None):
            raise InvalidArgumentError("KernelIntegral: give both batch_x and batch_y, or neither")
        chunk = self.chunk_size if chunk_size == -1 else chunk_size
        m = y_pos.shape[0]
        chunk = m if chunk is None else max(1, int(chunk))
        values = self.value(f)
        outs = []
        for start in range(0, m, chunk):
            sl = slice(start, min(m, start + chunk))
            outs.append(self._integrate(
                x_pos, y_pos[sl], values, batch_x, None if batch_y is None else batch_y[sl],
                None if query_attr is None else query_attr[sl]))
        if not outs:
            return values.new_zeros(0, self.out_channels)
        return torch.cat(outs, dim=0)

    def _integrate(self, x_pos: Tensor, y_pos: Tensor, values: Tensor, batch_x: Tensor | None,
                   batch_y: Tensor | None, query_attr: Tensor | None) -> Tensor:
        edges = radius_search(x_pos.detach(), y_pos.detach(), self.radius, batch_x, batch_y)
        qi, sj = edges[0], edges[1]
        disp = (y_pos[qi] - x_pos[sj]) / self.radius
        feats = [disp, disp.norm(dim=-1, keepdim=True)]
        if query_attr is not None:
            feats.append(query_attr[qi])
        msg = self.kernel(torch.cat(feats, dim=-1)) * values[sj]
        return scatter(msg, qi, 0, dim_size=y_pos.shape[0], reduce=self.reduction, sorted=True)

    def __repr__(self) -> str:
        return (f"KernelIntegral({self.in_channels}, {self.out_channels}, pos_dim={self.pos_dim}, "
                f"radius={self.radius:g}, query_channels={self.query_channels}, "
                f"reduction={self.reduction!r})")
