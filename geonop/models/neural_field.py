"""A neural-field operator from geometry to fields: anchored tokens, attention, local decoding.

The design follows the anchored neural-field surrogates for aerodynamics (AB-UPT,
https://arxiv.org/abs/2502.09692; enf2enf; MARIO; GINO's geometry-to-latent-to-query
pipeline):

1. **Geometry tokens.** The wall is described by its surface points and normals only (no
   CFD mesh at inference). Tokens are anchored in space: the surface points themselves
   (farthest-point subsampled when there are more than ``max_surface_tokens``), volume
   anchors offset from ``anchor_sources`` surface points along their normals at
   ``anchor_distances``, and far-field anchors on circles (spheres) of ``far_radii`` around
   the body. All are functions of the geometry alone, so predictions do not depend on where
   the user asks for them. With ``anchor_placement="mover"`` the near-wall anchors are
   instead the nodes of an ``anchor_grid`` x ``anchor_grid`` grid of a box around the body,
   moved by a Monge-Ampere mesh mover (:class:`~geonop.movers.MoverPlacement`, the learned
   mover by default) towards the wall: the mover is driven by the geometric field
   ``exp(-d / mover_length)`` of the wall distance ``d`` (``"grid"``: the same grid,
   unmoved, the baseline that isolates the mover's effect). Grid nodes inside the body are
   dropped.
2. **Conditioning.** Global inputs (Reynolds number, angle of attack, ...) are embedded and
   modulate every LayerNorm (adaptive LayerNorm, DiT style).
3. **Processing.** ``encoder_layers`` unmodulated then ``processor_layers`` modulated
   self-attention blocks over the tokens, with a learned spatial bias per head
   (:class:`~geonop.nn.attention.ModulatedAttentionBlock`).
4. **Decoding.** Any query point, described by Fourier features of its position and
   multi-scale features of its signed distance and wall direction, cross-attends to its
   sample's tokens (``decoder_layers`` blocks; heads with a spatial bias attend locally).
   A volume head and a surface head share the decoder, so one model predicts both.
5. **A physical prior (optional).** With ``prior_channels``, queries and wall tokens also
   read a cheap physical model's fields at their points (``Data.prior`` [N, P] and
   ``Data.surface_prior`` [M, P]; for airfoils the panel method's inviscid flow,
   :mod:`geonop.data.airfoil.potential`), and output channels listed in ``residual`` /
   ``surface_residual`` predict the correction to a prior channel instead of the field:
   the network learns the viscous part of the flow.
   Queries are decoded in chunks of ``chunk_size``: memory is bounded for any number of
   points, and the prediction at a point does not depend on the other queries (zero-shot
   super-resolution: train on random subsets, evaluate on the full mesh).

Inputs and targets follow :class:`~geonop.models.volume_surface.VolumeSurfaceModel` (query
points ``pos`` with wall features ``x``, wall points ``surface_pos``/``surface_normal``,
global inputs ``u``, targets ``y`` and ``surface_y``), which also defines the loss, the
validation metrics and :meth:`predict_all`.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor, nn
from torch_geometric.data import Batch, Data

from geonop.errors import InvalidArgumentError
from geonop.graph.sampling import farthest_point_sample
from geonop.models.volume_surface import VolumeSurfaceModel
from geonop.nn.attention import ModulatedAttentionBlock
from geonop.nn.encodings import DistanceEncoding, FourierEncoding
from geonop.nn.mlp import MLP
from geonop.utils.digest import array_digest

_TOKEN_TYPES = 3  # surface, near-wall anchor, far-field anchor
#: where the near-wall anchors go (see the module docstring)
ANCHOR_PLACEMENTS = ("normals", "grid", "mover")


class NeuralFieldOperator(VolumeSurfaceModel):
    """Geometry and global conditions to volume and surface fields at any query points.

    Args:
        out_channels: volume output channels (``Data.y``).
        surface_channels: surface output channels (``Data.surface_y``; 0: none).
        pos_dim: spatial dimension (2 or 3).
        global_channels: channels of ``Data.u`` (0: unconditioned).
        hidden_channels: token and query width.
        heads: attention heads.
        encoder_layers: geometry-only self-attention blocks.
        processor_layers: condition-modulated self-attention blocks.
        decoder_layers: condition-modulated cross-attention blocks of the queries.
        max_surface_tokens: surface points kept as tokens (farthest-point subsampled).
        anchor_sources: surface points that seed near-wall anchors.
        anchor_distances: offsets of near-wall anchors along the normals (length units).
        far_radii: radii of the far-field anchor circles/spheres around the body centroid.
        far_anchors: anchors per far-field radius.
        num_frequencies: wavelengths of the Fourier features of positions.
        min_wavelength: finest wavelength of the Fourier features (length units).
        max_wavelength: coarsest wavelength of the Fourier features.
        distance_scales: length scales of the signed-distance features.
        attention_lengths: initial (smallest, largest) attention length of the heads.
        decoder_neighbors: tokens each query attends to, the nearest ones (0: all tokens).
        surface_weight: weight of the surface loss relative to the volume loss.
        chunk_size: queries decoded at once (bounds memory at inference).
        prior_channels: channels of ``Data.prior`` / ``Data.surface_prior`` (0: no prior).
        residual: ``[output channel, prior channel]`` pairs of the volume: the output is the
            prior plus the network's correction (in the output's units).
        surface_residual: the same for the surface outputs.
        force_weight: weight of a loss on the lift and drag coefficients integrated from the
            wall outputs (``Cp``, wall shear over the dynamic pressure; 0: off).
        anchor_placement: ``"normals"`` (anchors offset along the normals), ``"grid"`` (a
            grid of ``anchor_box``) or ``"mover"`` (that grid moved towards the wall by a
            mesh mover); 2D only for the last two.
        anchor_grid: nodes per side of that grid.
        anchor_box: ``(x0, y0, x1, y1)`` of the grid, relative to the body's centroid.
        mover: ``"learned"`` (:class:`~geonop.movers.DataFreeMeshMover`) or
            ``"classical"`` (:class:`~geonop.movers.MongeAmpereMover`).
        mover_checkpoint: the learned mover's checkpoint (default: the shipped one); its
            weights are not part of this model's checkpoint.
        mover_length: length scale of the wall-distance field that drives the mover.
        force_floor: > 0 makes that loss one on relative errors, each case's lift error
            divided by ``|C_L| + force_floor`` (drag likewise), as the metric counts them;
            0 (default): absolute errors.

    Shapes:
        - **input:** see the module docstring
        - **output:** ``forward`` gives normalised volume predictions [N, out_channels];
          :meth:`forward_all` gives ``(volume [N, C], surface [M, C_s])``
    """

    def __init__(
        self,
        out_channels: int,
        surface_channels: int = 0,
        pos_dim: int = 2,
        global_channels: int = 0,
        hidden_channels: int = 96,
        heads: int = 4,
        encoder_layers: int = 1,
        processor_layers: int = 3,
        decoder_layers: int = 1,
        max_surface_tokens: int = 256,
        anchor_sources: int = 48,
        anchor_distances: Sequence[float] = (0.02, 0.08, 0.3),
        far_radii: Sequence[float] = (1.5, 5.0),
        far_anchors: int = 16,
        num_frequencies: int = 12,
        min_wavelength: float = 0.05,
        max_wavelength: float = 50.0,
        distance_scales: Sequence[float] = (1e-3, 4e-3, 1.6e-2, 6.4e-2, 0.25, 1.0, 4.0),
        attention_lengths: Sequence[float] = (0.05, 2.0),
        decoder_neighbors: int = 32,
        surface_weight: float = 1.0,
        chunk_size: int = 16384,
        prior_channels: int = 0,
        residual: Sequence[Sequence[int]] = (),
        surface_residual: Sequence[Sequence[int]] = (),
        force_weight: float = 0.0,
        force_floor: float = 0.0,
        anchor_placement: str = "normals",
        anchor_grid: int = 10,
        anchor_box: Sequence[float] = (-1.0, -1.0, 1.5, 1.0),
        mover: str = "learned",
        mover_checkpoint: str | None = None,
        mover_length: float = 0.1,
    ) -> None:
        super().__init__()
        if out_channels < 1 or surface_channels < 0 or global_channels < 0:
            raise InvalidArgumentError("NeuralFieldOperator: out_channels >= 1, surface_channels "
                                       "and global_channels >= 0")
        if pos_dim not in (2, 3):
            raise InvalidArgumentError(f"NeuralFieldOperator: pos_dim must be 2 or 3, got {pos_dim}")
        if min(max_surface_tokens, anchor_sources, chunk_size) < 1 or far_anchors < 0:
            raise InvalidArgumentError("NeuralFieldOperator: token counts and chunk_size must be "
                                       "positive")
        self.out_channels = out_channels
        self.surface_channels = surface_channels
        self.pos_dim = pos_dim
        self.global_channels = global_channels
        self.hidden_channels = hidden_channels
        self.max_surface_tokens = max_surface_tokens
        self.anchor_sources = anchor_sources
        self.anchor_distances = [float(d) for d in anchor_distances]
        self.far_radii = [float(r) for r in far_radii]
        self.far_anchors = far_anchors
        self.surface_weight = float(surface_weight)
        self.force_weight = float(force_weight)
        if not force_floor >= 0:
            raise InvalidArgumentError(f"NeuralFieldOperator: force_floor must be >= 0, got "
                                       f"{force_floor}")
        self.force_floor = float(force_floor)
        if anchor_placement not in ANCHOR_PLACEMENTS:
            raise InvalidArgumentError(f"NeuralFieldOperator: anchor_placement must be one of "
                                       f"{ANCHOR_PLACEMENTS}, got {anchor_placement!r}")
        box = [float(v) for v in anchor_box]
        if anchor_placement != "normals" and (
                pos_dim != 2 or int(anchor_grid) < 3 or len(box) != 4 or not box[2] > box[0]
                or not box[3] > box[1] or not mover_length > 0):
            raise InvalidArgumentError(
                f"NeuralFieldOperator: anchor_placement={anchor_placement!r} needs pos_dim 2, "
                f"anchor_grid >= 3, anchor_box (x0, y0, x1, y1) with x1 > x0, y1 > y0 and "
                f"mover_length > 0; got {pos_dim}, {anchor_grid}, {anchor_box}, {mover_length}")
        self.anchor_placement = anchor_placement
        self.anchor_grid = int(anchor_grid)
        self.anchor_box = box
        self.mover_length = float(mover_length)
        self._placer = None
        self._anchor_cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        if anchor_placement == "mover":
            # geonop.movers builds on geonop.models.base: imported here, not at module level
            from geonop.movers.placement import MoverPlacement

            self._placer = MoverPlacement.named(mover, mover_checkpoint, self.anchor_grid)
        self.chunk_size = int(chunk_size)
        self.decoder_neighbors = int(decoder_neighbors)
        self.prior_channels = int(prior_channels)
        self.residual = _pairs(residual, out_channels, self.prior_channels, "residual")
        self.surface_residual = _pairs(surface_residual, surface_channels, self.prior_channels,
                                       "surface_residual")

        self.pos_enc = FourierEncoding(pos_dim, num_frequencies, min_wavelength, max_wavelength)
        self.dist_enc = DistanceEncoding(distance_scales)
        local = (self.pos_enc.out_channels + self.dist_enc.out_channels + pos_dim
                 + self.prior_channels)
        self.token_in = MLP(local + _TOKEN_TYPES, hidden_channels, hidden_channels, 1, "gelu",
                            layer_norm=True)
        self.query_in = MLP(local, hidden_channels, hidden_channels, 1, "gelu", layer_norm=True)
        cond = hidden_channels if global_channels else 0
        self.cond = (nn.Sequential(nn.Linear(global_channels, hidden_channels), nn.GELU(),
                                   nn.Linear(hidden_channels, hidden_channels), nn.GELU())
                     if global_channels else None)
        lengths = tuple(attention_lengths)
        self.encoder = nn.ModuleList(
            ModulatedAttentionBlock(hidden_channels, heads, 0, length_scales=lengths)
            for _ in range(encoder_layers))
        self.processor = nn.ModuleList(
            ModulatedAttentionBlock(hidden_channels, heads, cond, length_scales=lengths)
            for _ in range(processor_layers))
        self.decoder = nn.ModuleList(
            ModulatedAttentionBlock(hidden_channels, heads, cond, length_scales=lengths, cross=True)
            for _ in range(decoder_layers))
        self.volume_head = MLP(hidden_channels, out_channels, hidden_channels, 1, "gelu",
                               layer_norm=False)
        self.surface_head = (MLP(hidden_channels, surface_channels, hidden_channels, 1, "gelu",
                                 layer_norm=False) if surface_channels else None)
        directions = _sphere_directions(far_anchors, pos_dim) if far_anchors else torch.zeros(0, pos_dim)
        self.register_buffer("far_directions", directions, persistent=False)

    # -- inputs ---------------------------------------------------------------------------
    def _local(self, pos: Tensor, sdf: Tensor, direction: Tensor,
               prior: Tensor | None = None) -> Tensor:
        parts = [self.pos_enc(pos), self.dist_enc(sdf), direction]
        if self.prior_channels:
            parts.append(prior if prior is not None
                         else pos.new_zeros(pos.shape[0], self.prior_channels))
        return torch.cat(parts, dim=-1)

    def priors(self, data: Data | Batch, surface: bool = False) -> tuple[Tensor | None, Tensor | None]:
        """The prior of the volume queries (or of the wall points): raw [N, P] and
        standardised [N, P] (``None, None`` without a prior)."""
        if not self.prior_channels:
            return None, None
        name = "surface_prior" if surface else "prior"
        raw = getattr(data, name, None)
        n = (data.surface_pos if surface else data.pos).shape[0]
        if raw is None or raw.shape != (n, self.prior_channels):
            raise InvalidArgumentError(
                f"{type(self).__name__} expects {name} of shape [{n}, {self.prior_channels}] "
                f"(a dataset with potential_flow=True), got "
                f"{None if raw is None else list(raw.shape)}")
        raw = raw.float()
        enc = self.normalizer.encode(name, raw).float() if name in self.normalizer else raw
        return raw, enc

    def _with_residual(self, out: Tensor, prior: Tensor | None, surface: bool) -> Tensor:
        """Add the prior channels (standardised as the outputs) to the residual outputs."""
        pairs = self.surface_residual if surface else self.residual
        if not pairs or prior is None:
            return out
        name = "surface_y" if surface else "y"
        base = prior.new_zeros(out.shape)
        for o, q in pairs:
            base[:, o] = prior[:, q]
        if name in self.normalizer:
            base = self.normalizer.encode(name, base).float()
        mask = torch.zeros(out.shape[1], dtype=out.dtype, device=out.device)
        mask[[o for o, _ in pairs]] = 1.0
        return out + base.to(out.dtype) * mask

    # -- tokens ---------------------------------------------------------------------------
    def _tokens_of(self, sp: Tensor, sn: Tensor, prior: Tensor | None = None
                   ) -> tuple[Tensor, Tensor]:
        """Token positions [T, d] and inputs [T, F] of one sample's geometry (``prior``:
        standardised wall prior [M, P])."""
        if sp.shape[0] > self.max_surface_tokens:
            keep = farthest_point_sample(sp, self.max_surface_tokens)
            surf_p, surf_n = sp[keep], sn[keep]
            prior = None if prior is None else prior[keep]
        else:
            surf_p, surf_n = sp, sn
        parts_p, parts_f = [], []
        zeros = surf_p.new_zeros(surf_p.shape[0])
        parts_p.append(surf_p)
        parts_f.append(self._typed(self._local(surf_p, zeros, surf_n, prior), 0))
        if self.anchor_placement != "normals":
            p, d, direction = self._grid_anchors(sp, sn)
            parts_p.append(p)
            parts_f.append(self._typed(self._local(p, d, direction), 1))
        elif self.anchor_distances:
            k = min(self.anchor_sources, sp.shape[0])
            src = farthest_point_sample(sp, k)
            for dist in self.anchor_distances:
                p = sp[src] + dist * sn[src]
                parts_p.append(p)
                parts_f.append(self._typed(self._local(p, sp.new_full((k,), dist), sn[src]), 1))
        if self.far_anchors and self.far_radii:
            centre = sp.mean(0, keepdim=True)
            dirs = self.far_directions.to(sp.dtype)
            for r in self.far_radii:
                p = centre + r * dirs
                parts_p.append(p)
                parts_f.append(self._typed(self._local(p, sp.new_full((len(dirs),), r), dirs), 2))
        return torch.cat(parts_p), torch.cat(parts_f)

    def _grid_anchors(self, sp: Tensor, sn: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """The grid anchors of one body (wall points ``sp`` [M, 2], normals ``sn``):
        positions [K, 2] outside the body, their wall distance [K] and direction [K, 2]."""
        key = array_digest(sp.detach().cpu().numpy())
        nodes = self._anchor_cache.get(key)
        if nodes is None:
            nodes = self._place_grid(sp.detach().double().cpu().numpy(),
                                     sn.detach().double().cpu().numpy())
            self._anchor_cache[key] = nodes
            while len(self._anchor_cache) > 4096:
                self._anchor_cache.popitem(last=False)
        else:
            self._anchor_cache.move_to_end(key)
        p = torch.as_tensor(nodes, dtype=sp.dtype, device=sp.device)
        dist, nearest = torch.cdist(p, sp).min(dim=1)
        direction = p - sp[nearest]
        direction = direction / direction.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return p, dist, direction

    def _place_grid(self, sp: np.ndarray, sn: np.ndarray) -> np.ndarray:
        """Grid nodes [K, 2] (moved for ``"mover"``) with those inside the body dropped."""
        from scipy.spatial import cKDTree

        c = sp.mean(0)
        x0, y0, x1, y1 = self.anchor_box
        s = np.linspace(0.0, 1.0, self.anchor_grid)
        gx, gy = np.meshgrid(c[0] + x0 + (x1 - x0) * s, c[1] + y0 + (y1 - y0) * s)
        nodes = np.stack([gx.ravel(), gy.ravel()], 1)
        tree = cKDTree(sp)
        if self._placer is not None:
            dist, _ = tree.query(nodes)
            nodes = np.asarray(self._placer(nodes, np.exp(-dist / self.mover_length)))
        dist, j = tree.query(nodes)
        outside = np.einsum("ij,ij->i", nodes - sp[j], sn[j]) > 0
        return nodes[outside & (dist > 1e-6)]

    @staticmethod
    def _typed(features: Tensor, kind: int) -> Tensor:
        onehot = features.new_zeros(features.shape[0], _TOKEN_TYPES)
        onehot[:, kind] = 1.0
        return torch.cat([features, onehot], dim=-1)

    def encode(self, data: Data | Batch) -> tuple[Tensor, Tensor, Tensor, Tensor | None]:
        """Processed geometry tokens of every sample.

        Returns
        -------
        (tokens [B, T, D], token_pos [B, T, d], mask [B, T] bool (``None``: no padding),
        cond [B, D] or None)
        """
        sp, sn, sb = self.surface_inputs(data)
        num_graphs = int(sb.max().item()) + 1 if sb.numel() else 1
        num_graphs = max(num_graphs, self.num_graphs(data))
        _, s_prior = self.priors(data, surface=True)
        per = [self._tokens_of(sp[sb == g], sn[sb == g],
                               None if s_prior is None else s_prior[sb == g])
               for g in range(num_graphs)]
        t_max = max(p.shape[0] for p, _ in per)
        dev = sp.device
        pos = sp.new_zeros(num_graphs, t_max, self.pos_dim)
        feats = sp.new_zeros(num_graphs, t_max, per[0][1].shape[1])
        mask = torch.zeros(num_graphs, t_max, dtype=torch.bool, device=dev)
        for g, (p, f) in enumerate(per):
            pos[g, : len(p)], feats[g, : len(p)], mask[g, : len(p)] = p, f, True
        if bool(mask.all()):
            mask = None
        tokens = self.token_in(feats)
        cond = None if self.cond is None else self.cond(self.conditions(data, num_graphs))
        for block in self.encoder:
            tokens = block(tokens, pos, None, context_mask=mask)
        for block in self.processor:
            tokens = block(tokens, pos, cond, context_mask=mask)
        return tokens, pos, mask, cond

    # -- decoding -------------------------------------------------------------------------
    def decode(self, encoded: tuple[Tensor, Tensor, Tensor, Tensor | None], pos: Tensor,
               sdf: Tensor, direction: Tensor, batch: Tensor, surface: bool = False,
               prior: Tensor | None = None) -> Tensor:
        """Normalised fields at query points, in chunks of :attr:`chunk_size` per sample.

        Parameters
        ----------
        encoded : tuple
            The output of :meth:`encode`.
        pos : Tensor of shape [N, d]
        sdf : Tensor of shape [N]
        direction : Tensor of shape [N, d]
        batch : LongTensor of shape [N]
        surface : bool
            Use the surface head instead of the volume head.
        prior : Tensor of shape [N, P], optional
            Standardised prior at the queries (models with ``prior_channels``).

        Returns
        -------
        Tensor of shape [N, C] (C: ``surface_channels`` or ``out_channels``)
        """
        tokens, tpos, mask, cond = encoded
        head = self.surface_head if surface else self.volume_head
        if head is None:
            raise InvalidArgumentError("this NeuralFieldOperator has no surface head")
        out = pos.new_empty(pos.shape[0], head.out_channels)
        for g in range(tokens.shape[0]):
            idx = (batch == g).nonzero().squeeze(1)
            for s in range(0, idx.numel(), self.chunk_size):
                rows = idx[s: s + self.chunk_size]
                q_pos = pos[rows].unsqueeze(0)
                h = self.query_in(self._local(pos[rows], sdf[rows], direction[rows],
                                              None if prior is None else prior[rows])).unsqueeze(0)
                c = None if cond is None else cond[g: g + 1]
                m = None if mask is None else mask[g: g + 1]
                nbr = self._nearest_tokens(q_pos, tpos[g: g + 1], m)
                for block in self.decoder:
                    h = block(h, q_pos, c, tokens[g: g + 1], tpos[g: g + 1], m, nbr)
                out[rows] = head(h.squeeze(0)).to(out.dtype)
        return out

    def _nearest_tokens(self, q_pos: Tensor, t_pos: Tensor, mask: Tensor | None) -> Tensor | None:
        """Indices [1, n, k] of each query's ``decoder_neighbors`` nearest real tokens."""
        k = self.decoder_neighbors
        t = t_pos.shape[1] if mask is None else int(mask.sum())
        if k <= 0 or k >= t:
            return None
        d2 = torch.cdist(q_pos, t_pos)
        if mask is not None:
            d2 = d2.masked_fill(~mask.view(1, 1, -1), float("inf"))
        return d2.topk(k, dim=-1, largest=False).indices

    def _volume(self, data: Data | Batch, encoded: tuple) -> Tensor:
        pos, sdf, direction, batch = self.volume_inputs(data)
        raw, enc = self.priors(data)
        vol = self.decode(encoded, pos, sdf, direction, batch, prior=enc)
        return self._with_residual(vol, raw, surface=False)

    def forward(self, data: Data | Batch) -> Tensor:
        """Normalised volume predictions: tensor of shape [N, out_channels]."""
        return self._volume(data, self.encode(data))

    def forward_all(self, data: Data | Batch) -> tuple[Tensor, Tensor | None]:
        """Normalised volume [N, C] and surface [M, C_s] predictions (surface ``None``
        without a surface head), sharing one encoding."""
        encoded = self.encode(data)
        vol = self._volume(data, encoded)
        if self.surface_head is None:
            return vol, None
        sp, sn, sb = self.surface_inputs(data)
        raw, enc = self.priors(data, surface=True)
        surf = self.decode(encoded, sp, sp.new_zeros(sp.shape[0]), sn, sb, surface=True,
                           prior=enc)
        return vol, self._with_residual(surf, raw, surface=True)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(out_channels={self.out_channels}, "
                f"surface_channels={self.surface_channels}, pos_dim={self.pos_dim}, "
                f"global_channels={self.global_channels}, hidden_channels={self.hidden_channels}, "
                f"layers={len(self.encoder)}+{len(self.processor)}+{len(self.decoder)})")


def _pairs(pairs: Sequence[Sequence[int]], outputs: int, priors: int, name: str
           ) -> list[list[int]]:
    """Validated ``[output, prior]`` channel pairs."""
    out = [[int(o), int(q)] for o, q in (tuple(p) for p in pairs)]
    for o, q in out:
        if not (0 <= o < outputs and 0 <= q < priors):
            raise InvalidArgumentError(
                f"NeuralFieldOperator: {name} pair [{o}, {q}] out of range ({outputs} output "
                f"and {priors} prior channels)")
    if len({o for o, _ in out}) != len(out):
        raise InvalidArgumentError(f"NeuralFieldOperator: {name} lists an output twice")
    return out


def _sphere_directions(n: int, dim: int) -> Tensor:
    """``n`` unit vectors spread evenly on the circle (2D) or sphere (3D, Fibonacci)."""
    if dim == 2:
        th = torch.arange(n, dtype=torch.float64) * (2 * math.pi / n)
        return torch.stack([torch.cos(th), torch.sin(th)], 1).float()
    i = torch.arange(n, dtype=torch.float64) + 0.5
    z = 1 - 2 * i / n
    r = torch.sqrt(1 - z * z)
    phi = i * math.pi * (3 - math.sqrt(5))
    return torch.stack([r * torch.cos(phi), r * torch.sin(phi), z], 1).float()
