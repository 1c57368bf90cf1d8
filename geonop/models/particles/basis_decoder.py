"""A kernel integral from sparse nodes whose per-query cost is a handful of flops.

The graph interaction operator decodes accelerations at up to 100k+ query points from
~1k sparse nodes. A learned kernel MLP per query-node edge (:class:`~geonop.nn.KernelIntegral`)
makes the decoder's cost grow with the number of queries at the price of an MLP each; this
decoder moves all learned computation to the sparse nodes and leaves the queries a fixed,
cheap kernel.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from geonop import optional
from geonop.errors import InvalidArgumentError
from geonop.graph import radius as radius_search
from geonop.nn import MLP


class BasisKernelDecoder(nn.Module):
    r"""Evaluate a field at query points from sparse nodes with learned per-node coefficients.

    Every sparse node :math:`j` (position :math:`x_j`, latent :math:`h_j`) carries
    coefficients :math:`C_j = \mathrm{MLP}(h_j)` of ``B`` fixed basis functions; at a query
    :math:`y` with features :math:`a(y)`

    .. math::

        u(y) = \frac{\sum_{|y - x_j| \le \rho} w_j\, \sum_b \phi_b(s_j, a(y))\, C_{jb}}
                    {\sum_{|y - x_j| \le \rho} w_j},
        \qquad s_j = \frac{y - x_j}{\rho},\quad w_j = (1 - |s_j|^2)^2,

    with the basis :math:`\phi = (1, s, s \otimes s\ \text{(upper triangle, order 2)}, a(y),
    b(y) - b_j)`, where :math:`b` are optional *relative* features known at the queries and
    at the nodes (velocities, say): they enter as the difference query minus node, so the
    learned coefficients act on how a query moves relative to the nodes around it (the form
    of a viscous or damping force), which a field of the position alone cannot see.
    It is a kernel integral from the sparse nodes (kernel :math:`w \phi`, normalised weights,
    hence independent of the node density) in which the only learned part, the MLP, runs
    once per node. Per query-node edge the work is ``B * out_channels`` multiply-adds; nothing
    per query is an MLP. The weight falls smoothly to zero at the ball's edge, so the field is
    continuous in ``y``; a query with no node within ``rho`` gets 0.

    Without gradients on the CPU (rollouts, inference) and with numba installed, the
    neighbour search and the sums run fused in one compiled pass over the queries
    (:mod:`geonop.models.particles._basis_numba`), with no edge list; otherwise (training,
    GPU, no numba) the same sums run on an edge list in torch.

    Args:
        latent_channels: channels of the node latents ``h``.
        out_channels: channels of the decoded field.
        pos_dim: spatial dimension ``d``.
        radius: ball radius ``rho`` (units of the positions).
        query_channels: channels of the query features ``a(y)`` (0: none), e.g. wall
            distances; they enter linearly, with per-node coefficients.
        relative_channels: channels of the relative features ``b`` (0: none), given at the
            nodes and at the queries; ``b(y) - b_j`` enters linearly, with per-node
            coefficients.
        order: 1 (constant and linear terms in ``s``) or 2 (also the quadratic ones, default).
        hidden_channels: hidden width of the coefficient MLP.
        num_hidden_layers: hidden layers of the coefficient MLP.
        chunk_size: queries per chunk (None: all at once); the result does not depend on it.

    Shapes:
        - **input:** ``x_pos`` [K, d], ``latent`` [K, latent_channels], ``y_pos`` [M, d],
          optional ``batch_x`` [K], ``batch_y`` [M], ``query_attr`` [M, query_channels],
          ``x_rel`` [K, relative_channels] and ``y_rel`` [M, relative_channels]
        - **output:** [M, out_channels]
    """

    def __init__(
        self,
        latent_channels: int,
        out_channels: int,
        pos_dim: int,
        radius: float,
        query_channels: int = 0,
        order: int = 2,
        relative_channels: int = 0,
        hidden_channels: int = 64,
        num_hidden_layers: int = 2,
        chunk_size: int | None = 131072,
    ) -> None:
        super().__init__()
        if order not in (1, 2):
            raise InvalidArgumentError(f"BasisKernelDecoder: order must be 1 or 2, got {order}")
        if not radius > 0:
            raise InvalidArgumentError(f"BasisKernelDecoder: radius must be > 0, got {radius}")
        if chunk_size is not None and chunk_size < 1:
            raise InvalidArgumentError(
                f"BasisKernelDecoder: chunk_size must be >= 1 or None, got {chunk_size}")
        self.out_channels = out_channels
        self.pos_dim = pos_dim
        self.radius = float(radius)
        self.query_channels = query_channels
        self.relative_channels = relative_channels
        self.order = order
        self.chunk_size = chunk_size
        quadratic = pos_dim * (pos_dim + 1) // 2 if order == 2 else 0
        self.num_basis = 1 + pos_dim + quadratic + query_channels + relative_channels
        self.coefficients = MLP(latent_channels, self.num_basis * out_channels, hidden_channels,
                                num_hidden_layers, layer_norm=False)
        rows, cols = torch.triu_indices(pos_dim, pos_dim)
        self.register_buffer("_quad_rows", rows, persistent=False)
        self.register_buffer("_quad_cols", cols, persistent=False)

    def reset_parameters(self) -> None:
        """Re-initialise the coefficient MLP."""
        self.coefficients.reset_parameters()

    def forward(
        self,
        x_pos: Tensor,
        latent: Tensor,
        y_pos: Tensor,
        batch_x: Tensor | None = None,
        batch_y: Tensor | None = None,
        query_attr: Tensor | None = None,
        x_rel: Tensor | None = None,
        y_rel: Tensor | None = None,
    ) -> Tensor:
        """The field at the queries: tensor of shape [M, out_channels]."""
        if x_pos.dim() != 2 or x_pos.shape[1] != self.pos_dim or y_pos.dim() != 2 \
                or y_pos.shape[1] != self.pos_dim:
            raise InvalidArgumentError(
                f"BasisKernelDecoder: x_pos and y_pos must have shape [*, {self.pos_dim}], got "
                f"{list(x_pos.shape)} and {list(y_pos.shape)}")
        if latent.dim() != 2 or latent.shape[0] != x_pos.shape[0]:
            raise InvalidArgumentError(
                f"BasisKernelDecoder: latent must have shape [{x_pos.shape[0]}, C], got "
                f"{list(latent.shape)}")
        if self.query_channels and (query_attr is None
                                    or query_attr.shape != (y_pos.shape[0], self.query_channels)):
            raise InvalidArgumentError(
                f"BasisKernelDecoder: query_attr of shape [{y_pos.shape[0]}, "
                f"{self.query_channels}] required, got "
                f"{None if query_attr is None else list(query_attr.shape)}")
        if self.relative_channels and (
                x_rel is None or y_rel is None
                or x_rel.shape != (x_pos.shape[0], self.relative_channels)
                or y_rel.shape != (y_pos.shape[0], self.relative_channels)):
            raise InvalidArgumentError(
                f"BasisKernelDecoder: x_rel [{x_pos.shape[0]}, {self.relative_channels}] and "
                f"y_rel [{y_pos.shape[0]}, {self.relative_channels}] required, got "
                f"{None if x_rel is None else list(x_rel.shape)} and "
                f"{None if y_rel is None else list(y_rel.shape)}")
        if not self.relative_channels:
            x_rel = y_rel = None
        if (batch_x is None) != (batch_y is None):
            raise InvalidArgumentError("BasisKernelDecoder: give both batch_x and batch_y, or neither")
        coeff = self.coefficients(latent).view(-1, self.num_basis, self.out_channels)
        if self._compiled_path(coeff):
            return self._evaluate_compiled(x_pos, coeff, y_pos, batch_x, batch_y, query_attr,
                                           x_rel, y_rel)
        m = y_pos.shape[0]
        chunk = m if self.chunk_size is None else self.chunk_size
        outs = [self._evaluate(x_pos, coeff, y_pos[s:s + chunk], batch_x,
                               None if batch_y is None else batch_y[s:s + chunk],
                               None if query_attr is None else query_attr[s:s + chunk],
                               x_rel, None if y_rel is None else y_rel[s:s + chunk])
                for s in range(0, m, max(1, chunk))]
        if not outs:
            return coeff.new_zeros(0, self.out_channels)
        return outs[0] if len(outs) == 1 else torch.cat(outs, dim=0)

    def _compiled_path(self, coeff: Tensor) -> bool:
        return (optional.WITH_NUMBA and coeff.device.type == "cpu" and self.pos_dim <= 3
                and not (torch.is_grad_enabled() and coeff.requires_grad))

    def _evaluate_compiled(self, x_pos: Tensor, coeff: Tensor, y_pos: Tensor,
                           batch_x: Tensor | None, batch_y: Tensor | None,
                           query_attr: Tensor | None, x_rel: Tensor | None,
                           y_rel: Tensor | None) -> Tensor:
        from geonop.models.particles import _basis_numba

        def arr(t: Tensor) -> np.ndarray:
            return np.ascontiguousarray(t.detach().cpu().numpy(), dtype=np.float64)

        k, m = x_pos.shape[0], y_pos.shape[0]
        bx = (np.zeros(k, np.int64) if batch_x is None
              else np.ascontiguousarray(batch_x.cpu().numpy(), dtype=np.int64))
        by = (np.zeros(m, np.int64) if batch_y is None
              else np.ascontiguousarray(batch_y.cpu().numpy(), dtype=np.int64))
        graphs = 1 + max(int(bx.max()) if k else 0, int(by.max()) if m else 0)
        attr = np.zeros((m, 0)) if query_attr is None else arr(query_attr)
        xr = np.zeros((k, 0)) if x_rel is None else arr(x_rel)
        yr = np.zeros((m, 0)) if y_rel is None else arr(y_rel)
        rows = self._quad_rows.numpy() if self.order == 2 else np.zeros(0, np.int64)
        cols = self._quad_cols.numpy() if self.order == 2 else np.zeros(0, np.int64)
        out = _basis_numba.evaluate(arr(x_pos), bx, arr(coeff), arr(y_pos), by, attr, xr, yr,
                                    self.radius, rows, cols, graphs)
        return torch.from_numpy(out).to(coeff.dtype)

    def _evaluate(self, x_pos: Tensor, coeff: Tensor, y_pos: Tensor, batch_x: Tensor | None,
                  batch_y: Tensor | None, query_attr: Tensor | None,
                  x_rel: Tensor | None = None, y_rel: Tensor | None = None) -> Tensor:
        m = y_pos.shape[0]
        edges = radius_search(x_pos.detach(), y_pos.detach(), self.radius, batch_x, batch_y)
        qi, sj = edges[0], edges[1]
        s = (y_pos.index_select(0, qi) - x_pos.index_select(0, sj)).to(coeff.dtype) / self.radius
        w = (1.0 - (s * s).sum(dim=-1)).clamp_(min=0.0).square_()
        basis = [w[:, None], s * w[:, None]]
        if self.order == 2:
            basis.append(s[:, self._quad_rows] * s[:, self._quad_cols] * w[:, None])
        if query_attr is not None:
            basis.append(query_attr.to(coeff.dtype).index_select(0, qi) * w[:, None])
        if x_rel is not None and y_rel is not None:
            rel = y_rel.index_select(0, qi) - x_rel.index_select(0, sj)
            basis.append(rel.to(coeff.dtype) * w[:, None])
        phi = torch.cat(basis, dim=-1)                                          # [E, B]
        msg = torch.bmm(phi[:, None, :], coeff.index_select(0, sj)).squeeze(1)  # [E, out]
        out = coeff.new_zeros(m, self.out_channels).index_add_(0, qi, msg)
        total = coeff.new_zeros(m).index_add_(0, qi, w)
        # normalised weights: the field does not depend on how densely the nodes sample it
        return out / total.clamp_min(1e-12)[:, None]

    def __repr__(self) -> str:
        return (f"BasisKernelDecoder(out_channels={self.out_channels}, pos_dim={self.pos_dim}, "
                f"radius={self.radius:g}, num_basis={self.num_basis}, order={self.order}"
                + (f", relative_channels={self.relative_channels}" if self.relative_channels else "")
                + ")")
