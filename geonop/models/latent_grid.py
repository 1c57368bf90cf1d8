r"""A GINO-style graph operator through a grid of latent nodes that a mesh mover can place.

Input points with field values -> kernel integral onto a grid of latent nodes -> message
passing along the grid's edges -> kernel integral onto any query points (Li et al., "Geometry-
Informed Neural Operator", https://arxiv.org/abs/2309.00583, with a graph processor instead
of the FNO so that the latent grid may be moved).

Where the latent nodes sit is a constructor argument (``placement``):

- ``"uniform"``: a uniform ``nodes_per_side`` x ``nodes_per_side`` grid of the domain box;
- ``"mover"``: that grid moved, per sample, by a Monge-Ampere mesh mover driven by the input
  field (:class:`~geonop.movers.MoverPlacement`: the learned
  :class:`~geonop.movers.DataFreeMeshMover` of the shipped checkpoint by default), so nodes
  gather at fronts; the operator works in physical coordinates;
- ``"computational"``: the same move, but the operator works in the mover's computational
  coordinates: input and query points are mapped back through the moved grid
  (:meth:`~geonop.movers.MoverPlacement.to_computational`), where the latent nodes are the
  uniform grid again, so the fixed kernel radii cover less physical space where the mover
  gathered nodes (the MM-PDE idea applied to a neural operator).

The mover runs outside the autograd graph (it is a preprocessing of each sample's inputs,
10-25 ms per field) and its results are cached per sample, keyed on the input points and
values, so an epoch over the same fields moves each grid once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Batch, Data

from geonop.errors import InvalidArgumentError
from geonop.models.base import GeonopModel
from geonop.nn.interaction_network import InteractionNetwork
from geonop.nn.kernel_integral import KernelIntegral
from geonop.nn.mlp import MLP
from geonop.utils.digest import array_digest

#: where the latent nodes go (see the module docstring)
PLACEMENTS = ("uniform", "mover", "computational")
#: which mover places them
MOVERS = ("learned", "classical")


class LatentGridOperator(GeonopModel):
    r"""Graph neural operator: inputs -> latent grid (uniform or moved) -> queries.

    With lifted input features :math:`f_j = \mathrm{MLP}(a_j)` at input points :math:`x_j`,
    latent nodes :math:`z_l` and query points :math:`q`:

    .. math::

        h_l = \mathrm{MLP}\big([\mathcal K_{r_e}(f)(z_l), \hat z_l]\big),\quad
        h \leftarrow \mathrm{IN}_k(h, E_{grid}),\quad
        u(q) = \mathrm{MLP}\big([\mathcal K_{r_d}(h)(q), \hat q]\big)

    where :math:`\mathcal K_r` is a :class:`~geonop.nn.KernelIntegral` of radius :math:`r`
    (mean over the ball), :math:`\mathrm{IN}_k` are ``processor_layers``
    :class:`~geonop.nn.InteractionNetwork` steps along the edges of the grid's triangles
    (edge features: offsets between the nodes in grid spacings) and :math:`\hat z, \hat q`
    positions scaled to the unit box. Radii are in the units of the positions (of the
    computational coordinates with ``placement="computational"``, which span the same box).

    Args:
        out_channels: channels of the target ``y``.
        in_channels: channels of the input values ``input_x``; the mover is driven by the
            first one.
        nodes_per_side: latent grid nodes per side (``nodes_per_side**2`` latent nodes).
        placement: ``"uniform"``, ``"mover"`` or ``"computational"`` (module docstring).
        mover: ``"learned"`` (:class:`~geonop.movers.DataFreeMeshMover`, about 10 ms per
            field) or ``"classical"`` (:class:`~geonop.movers.MongeAmpereMover` with the
            recovered curvature monitor of strength ``alpha``, about 1 s per field).
        mover_checkpoint: checkpoint of the learned mover (``None``: the shipped
            ``datasets/movers/dmm_fronts.pt``); a relative path is taken from the working
            directory. Its weights are not part of this model's checkpoint.
        alpha: monitor strength of the classical mover.
        bounds: ``[x0, y0, x1, y1]`` of the latent grid; ``None``: the bounding box of each
            sample's input points.
        hidden_channels: width of every latent feature.
        processor_layers: message-passing steps on the latent grid (0: none).
        encoder_radius: radius of the input -> latent kernel integral.
        decoder_radius: radius of the latent -> query kernel integral.
        kernel_hidden: hidden width of the kernel MLPs.
        cache_size: placements kept in memory (per sample; 0: none).

    Shapes:
        - **input:** ``Data``/``Batch`` with ``input_pos`` [N, 2], ``input_x`` [N, in_channels],
          ``pos`` [M, 2] (queries), optional ``input_pos_batch`` [N] and ``batch`` [M]
        - **output:** normalised predictions [M, out_channels] (:meth:`predict`: raw units)
    """

    follow_batch: ClassVar[tuple[str, ...]] = ("input_pos",)

    def __init__(
        self,
        out_channels: int = 1,
        in_channels: int = 1,
        nodes_per_side: int = 16,
        placement: str = "uniform",
        mover: str = "learned",
        mover_checkpoint: str | None = None,
        alpha: float = 5.0,
        bounds: Sequence[float] | None = None,
        hidden_channels: int = 32,
        processor_layers: int = 2,
        encoder_radius: float = 0.05,
        decoder_radius: float = 0.1,
        kernel_hidden: int = 32,
        cache_size: int = 4096,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if placement not in PLACEMENTS:
            raise InvalidArgumentError(f"{name}: placement must be one of {PLACEMENTS}, "
                                       f"got {placement!r}")
        if mover not in MOVERS:
            raise InvalidArgumentError(f"{name}: mover must be one of {MOVERS}, got {mover!r}")
        if min(out_channels, in_channels, hidden_channels, kernel_hidden) < 1 \
                or processor_layers < 0 or cache_size < 0:
            raise InvalidArgumentError(
                f"{name}: out_channels, in_channels, hidden_channels and kernel_hidden must be "
                f">= 1, processor_layers and cache_size >= 0, got {out_channels}, "
                f"{in_channels}, {hidden_channels}, {kernel_hidden}, {processor_layers}, "
                f"{cache_size}")
        if int(nodes_per_side) < 3:
            raise InvalidArgumentError(f"{name}: nodes_per_side must be >= 3, got {nodes_per_side}")
        if not (encoder_radius > 0 and decoder_radius > 0 and alpha >= 0):
            raise InvalidArgumentError(f"{name}: encoder_radius and decoder_radius must be > 0 "
                                       f"and alpha >= 0, got {encoder_radius}, {decoder_radius}, "
                                       f"{alpha}")
        if bounds is not None:
            b = [float(v) for v in bounds]
            if len(b) != 4 or not (b[2] > b[0] and b[3] > b[1]) or not np.isfinite(b).all():
                raise InvalidArgumentError(f"{name}: bounds must be [x0, y0, x1, y1] with "
                                           f"x1 > x0 and y1 > y0, got {bounds}")
        self.out_channels = int(out_channels)
        self.in_channels = int(in_channels)
        self.nodes_per_side = int(nodes_per_side)
        self.placement = placement
        self.mover = mover
        self.alpha = float(alpha)
        self.bounds = None if bounds is None else tuple(float(v) for v in bounds)
        self.hidden_channels = int(hidden_channels)
        self.cache_size = int(cache_size)
        # geonop.movers builds on geonop.models.base: imported here, not at module level
        from geonop.movers.placement import MoverPlacement, shipped_mover_checkpoint

        learned = placement != "uniform" and mover == "learned"
        self.mover_checkpoint: Path | None = None
        if learned:
            self.mover_checkpoint = (shipped_mover_checkpoint() if mover_checkpoint is None
                                     else Path(mover_checkpoint))
        # uniform: the placement only supplies the reference grid, no mover runs
        self._placer: Any = MoverPlacement.named("learned" if learned else "classical",
                                                 self.mover_checkpoint, self.nodes_per_side,
                                                 self.bounds, self.alpha)
        self._cache: OrderedDict[tuple[str, bytes], np.ndarray] = OrderedDict()

        width = self.hidden_channels
        self.lift = MLP(in_channels, width, width, 1, activation="gelu", layer_norm=False)
        self.encoder = KernelIntegral(width, width, 2, encoder_radius, kernel_hidden=kernel_hidden)
        self.latent_in = MLP(width + 2, width, width, 1, activation="gelu", layer_norm=True)
        self.edge_in = MLP(3, width, width, 1, activation="gelu", layer_norm=True)
        self.processor = torch.nn.ModuleList(
            InteractionNetwork(width, width, width, 1) for _ in range(processor_layers))
        self.decoder = KernelIntegral(width, width, 2, decoder_radius, kernel_hidden=kernel_hidden)
        self.head = MLP(width + 2, out_channels, width, 2, activation="gelu", layer_norm=False)
        edges = _grid_edges(self.nodes_per_side)
        self.register_buffer("grid_edges", edges, persistent=False)

    @property
    def num_latent(self) -> int:
        """Latent nodes per sample."""
        return self.nodes_per_side**2

    # -- placement -------------------------------------------------------------------------
    @property
    def placer(self) -> Any:
        """The :class:`~geonop.movers.MoverPlacement` this model uses."""
        return self._placer

    def _cached(self, kind: str, key: bytes, compute: Any) -> np.ndarray:
        if self.cache_size == 0:
            return compute()
        k = (kind, key)
        hit = self._cache.get(k)
        if hit is not None:
            self._cache.move_to_end(k)
            return hit
        value = compute()
        self._cache[k] = value
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return value

    def latent_positions(self, input_pos: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Physical positions of one sample's latent nodes: ndarray [L, 2] (the uniform grid
        for ``placement="uniform"``, the moved one otherwise), from its input points [N, 2]
        and the mover's input values [N]."""
        if self.placement == "uniform":
            return self.placer.reference(input_pos)[0]
        key = array_digest(input_pos, values)
        return self._cached("moved", key, lambda: self.placer(input_pos, values))

    def _sample(self, input_pos: np.ndarray, values: np.ndarray, queries: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One sample's latent nodes [L, 2], input points [N, 2] and queries [M, 2] in the
        coordinates the operator works in, and the box ``[x0, y0, x1, y1]`` of the grid."""
        ref = self.placer.reference(input_pos)[0]
        box = np.concatenate([ref.min(0), ref.max(0)])
        if self.placement != "computational":
            return self.latent_positions(input_pos, values), input_pos, queries, box
        moved = self.latent_positions(input_pos, values)
        key = array_digest(input_pos, values)
        to_comp = self.placer.to_computational
        x = self._cached("inputs", key, lambda: to_comp(moved, input_pos, input_pos))
        if self.training:  # random queries each step: caching them would evict the grids
            q = to_comp(moved, queries, input_pos)
        else:
            q = self._cached("queries", key + array_digest(queries),
                             lambda: to_comp(moved, queries, input_pos))
        return ref, x, q, box

    # -- forward ---------------------------------------------------------------------------
    def _inputs(self, data: Data | Batch) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, int]:
        name = type(self).__name__
        xp, xv, q = (getattr(data, k, None) for k in ("input_pos", "input_x", "pos"))
        if xp is None or xp.dim() != 2 or xp.shape[1] != 2 or xp.shape[0] < 4:
            raise InvalidArgumentError(f"{name} expects input_pos of shape [N >= 4, 2], got "
                                       f"{None if xp is None else list(xp.shape)}")
        if xv is None or xv.shape != (xp.shape[0], self.in_channels):
            raise InvalidArgumentError(f"{name} expects input_x of shape [{xp.shape[0]}, "
                                       f"{self.in_channels}], got "
                                       f"{None if xv is None else list(xv.shape)}")
        if q is None or q.dim() != 2 or q.shape[1] != 2:
            raise InvalidArgumentError(f"{name} expects query points pos of shape [M, 2], got "
                                       f"{None if q is None else list(q.shape)}")
        bx = getattr(data, "input_pos_batch", None)
        bq = getattr(data, "batch", None)
        bx = torch.zeros(xp.shape[0], dtype=torch.long, device=xp.device) if bx is None else bx
        bq = torch.zeros(q.shape[0], dtype=torch.long, device=q.device) if bq is None else bq
        graphs = int(getattr(data, "num_graphs", 1) or 1)
        graphs = max(graphs, int(bx.max()) + 1 if bx.numel() else 1)
        return xp, xv, q, bx, bq, graphs

    def forward(self, data: Data | Batch) -> Tensor:
        """Normalised predictions at the queries ``data.pos``: tensor of shape [M, out_channels]."""
        xp, xv, q, bx, bq, graphs = self._inputs(data)
        dev, dt = xp.device, xp.dtype
        xp_np = xp.detach().double().cpu().numpy()
        v_np = xv[:, 0].detach().double().cpu().numpy()
        q_np = q.detach().double().cpu().numpy()
        bx_np, bq_np = bx.cpu().numpy(), bq.cpu().numpy()
        comp = self.placement == "computational"
        zs, zhat, spacing = [], [], []
        x_work, q_work, q_hat = xp_np.copy(), q_np.copy(), np.empty_like(q_np)
        for g in range(graphs):
            ix, iq = np.flatnonzero(bx_np == g), np.flatnonzero(bq_np == g)
            if len(ix) < 4:
                raise InvalidArgumentError(f"{type(self).__name__}: sample {g} has {len(ix)} "
                                           "input points; need at least 4")
            z, x, qq, box = self._sample(xp_np[ix], v_np[ix], q_np[iq])
            lo, span = box[:2], box[2:] - box[:2]
            zs.append(z)
            zhat.append((z - lo) / span)
            # edge offsets in grid spacings: the same features for any domain size
            spacing.append(np.broadcast_to(span / (self.nodes_per_side - 1), z.shape))
            x_work[ix], q_work[iq], q_hat[iq] = x, qq, (qq - lo) / span

        def as_t(a: np.ndarray) -> Tensor:
            return torch.as_tensor(a, dtype=dt, device=dev)

        z = as_t(np.concatenate(zs))
        x, qw = (as_t(x_work), as_t(q_work)) if comp else (xp, q)
        L = self.num_latent
        bz = torch.arange(graphs, device=dev).repeat_interleave(L)

        f = self.lift(self.normalizer.encode("input_x", xv).to(dt))
        h = self.encoder(x, z, f, bx, bz)
        h = self.latent_in(torch.cat([h, as_t(np.concatenate(zhat))], dim=1))
        if len(self.processor):
            e = self.grid_edges.to(dev)
            offsets = torch.arange(graphs, device=dev).repeat_interleave(e.shape[1]) * L
            edge_index = e.repeat(1, graphs) + offsets
            d = (z[edge_index[1]] - z[edge_index[0]]) / as_t(np.concatenate(spacing))[edge_index[0]]
            ea = self.edge_in(torch.cat([d, d.norm(dim=1, keepdim=True)], dim=1))
            for layer in self.processor:
                h, ea = layer(h, edge_index, ea)
        out = self.decoder(z, qw, h, bz, bq)
        return self.head(torch.cat([out, as_t(q_hat)], dim=1))

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(out_channels={self.out_channels}, "
                f"in_channels={self.in_channels}, nodes_per_side={self.nodes_per_side}, "
                f"placement={self.placement!r}, hidden_channels={self.hidden_channels}, "
                f"processor_layers={len(self.processor)})")


def _grid_edges(n: int) -> Tensor:
    """Both-direction edges of the triangles of the ``n`` x ``n`` structured grid of
    :func:`geonop.movers.structured_triangle_mesh` (same node order): LongTensor [2, E]."""
    from geonop.movers.grids import structured_triangle_mesh

    _, tri = structured_triangle_mesh(n)
    e = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]])
    e = np.unique(np.sort(e, axis=1), axis=0)
    return torch.from_numpy(np.concatenate([e, e[:, ::-1]]).T.copy()).long()
