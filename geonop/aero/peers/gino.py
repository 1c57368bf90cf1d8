"""GINO (``neuralop.models.GINO`` of the pinned ``neuraloperator`` package) as a benchmark peer.

The Geometry-Informed Neural Operator (Li et al. 2023,
https://arxiv.org/abs/2309.00583) maps the geometry, as a point cloud, onto a regular
latent grid with a graph-neural-operator kernel integral (input GNO), processes the grid with
an FNO, and integrates the grid back onto any query points (output GNO). This wrapper uses
the published class unchanged and only prepares its inputs, the way neuraloperator's
car and airfoil examples do:

- ``input_geom``: the wall-face centres of the airfoil;
- ``latent_queries``: a ``grid_size`` x ``grid_size`` grid; ``latent_features``: multi-scale
  features of the signed distance to the wall at the grid points (as the Car-CFD example's
  SDF grid) plus the standardised free stream (Re, angle of attack) broadcast over the grid,
  which is how global conditions enter an FNO;
- ``output_queries``: ``{"volume": cell centres, "surface": wall faces}``; one GINO with
  ``out_channels + surface_channels`` outputs, the first for volume points, the rest for
  wall points.

Adaptations around the package (not changes to it):

- **Coordinates.** An FNO needs a regular grid, but the flow domain is a disc of 20 chords
  with all the detail within a chord of the airfoil. Every coordinate handed to GINO is
  first stretched radially about ``centre``, ``r -> stretch * asinh(r / stretch)``, so the grid
  spans the whole domain and stays nearly uniform (in metres) near the airfoil, then scaled by
  ``coord_scale`` so that its "transformer" positional embedding (wavelengths from 2 pi
  units up) resolves the grid spacing. The radii are given in stretched units and scaled the
  same way.
- **Batching.** GINO batches only samples that share one geometry, so every sample of a
  batch is its own call.
- **Segment reduction.** Without torch-scatter, neuraloperator reduces neighbourhoods with a
  Python loop over query points (``neuralop.layers.segment_csr``), seconds per training
  step on CPU. With ``fast_reduction=True`` (default) that function is swapped, only during
  this model's calls, for :func:`geonop.utils.segment_csr`, which computes the same sums and
  means (tested to equal it), the role torch-scatter plays when it is installed.
- **Neighbour search.** Without open3d (3D only), neuraloperator searches neighbourhoods with
  a dense [queries, points] distance matrix, most of the inference time at 11,000 query
  points. With ``fast_neighbors=True`` (default) the two GNO blocks' search function is set
  to :func:`geonop.graph.radius` (a k-d tree) returning the same neighbourhoods in the same
  CSR layout (tested to equal the native search), the role open3d plays in 3D.
  ``fast_neighbors=False`` and ``fast_reduction=False`` run the package exactly as shipped.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Batch, Data

from geonop.aero.peers._base import AeroPeer
from geonop.errors import InvalidArgumentError, MissingDependencyError
from geonop.graph import radius as radius_search
from geonop.nn.encodings import DistanceEncoding
from geonop.utils.scatter import segment_csr

#: the neuraloperator release the peer is written and tested against (extra ``bench``)
NEURALOP_VERSION = "2.0.0"


def neuralop_available() -> bool:
    """Whether ``neuralop`` can be imported (read at call time, like :mod:`geonop.optional`)."""
    from geonop import optional

    flag = getattr(optional, "WITH_NEURALOP", None)
    if flag is not None:
        return bool(flag)
    return importlib.util.find_spec("neuralop") is not None


def _require_gino():
    if not neuralop_available():
        raise MissingDependencyError("neuraloperator", "bench", "GINO peer")
    try:
        from neuralop.models import GINO
    except ImportError as exc:
        raise MissingDependencyError("neuraloperator", "bench", "GINO peer") from exc
    return GINO


def _segment_csr(src: Tensor, indptr: Tensor, reduction: str, use_scatter: bool = True) -> Tensor:
    """neuraloperator's ``segment_csr(src, indptr, reduction, use_scatter)`` without its
    per-query Python loop: ``src`` [E, C] with ``indptr`` [n + 1], or batched [B, E, C] with
    ``indptr`` [B, n + 1] (the same offsets for every batch entry, as GINO builds them)."""
    if reduction not in ("mean", "sum"):
        raise ValueError("reduce must be one of 'mean', 'sum'")
    if src.ndim == 3:
        out = segment_csr(src.transpose(0, 1), indptr[0].long(), reduction)
        return out.transpose(0, 1).float()
    return segment_csr(src, indptr.long(), reduction).float()


def _radius_search(data: Tensor, queries: Tensor, radius: float, return_norm: bool = False
                   ) -> dict[str, Tensor]:
    """neuraloperator's ``native_neighbor_search`` (same arguments, same CSR output: each
    query's neighbours in increasing index order) on :func:`geonop.graph.radius` (a k-d
    tree) instead of a dense [queries, data] distance matrix."""
    q, j = radius_search(data.detach(), queries.detach(), float(radius))
    counts = torch.bincount(q, minlength=queries.shape[0])
    splits = torch.cat([counts.new_zeros(1), torch.cumsum(counts, 0)])
    out = {"neighbors_index": j, "neighbors_row_splits": splits}
    if return_norm:
        out["weights"] = ((data[j] - queries[q]) ** 2).sum(-1)
    return out


@contextlib.contextmanager
def _fast_reduction(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    import neuralop.layers.integral_transform as it

    original = it.segment_csr
    it.segment_csr = _segment_csr
    try:
        yield
    finally:
        it.segment_csr = original


def wall_signed_distance(query: Tensor, surface_pos: Tensor, surface_normal: Tensor,
                         surface_length: Tensor) -> Tensor:
    """Signed distance from points to a closed wall given as faces (negative inside).

    Parameters
    ----------
    query : Tensor of shape [Q, 2]
    surface_pos, surface_normal : Tensor of shape [M, 2]
        Face centres and unit outward normals.
    surface_length : Tensor of shape [M]

    Returns
    -------
    Tensor of shape [Q]
        Distance to the nearest face; the sign comes from the even-odd rule on the faces'
        segments (a horizontal ray), so it is right at sharp trailing edges too.
    """
    tangent = torch.stack([-surface_normal[:, 1], surface_normal[:, 0]], 1)
    half = 0.5 * surface_length.unsqueeze(1) * tangent
    a, b = surface_pos - half, surface_pos + half
    ab = b - a
    aq = query.unsqueeze(1) - a.unsqueeze(0)                              # [Q, M, 2]
    t = ((aq * ab).sum(-1) / (ab * ab).sum(-1).clamp_min(1e-30)).clamp(0, 1)
    dist = (aq - t.unsqueeze(-1) * ab).norm(dim=-1).min(1).values
    qy, qx = query[:, 1:2], query[:, 0:1]
    ay, by, ax, bx = a[:, 1], b[:, 1], a[:, 0], b[:, 0]
    straddles = (ay > qy) != (by > qy)
    x_cross = ax + (qy - ay) * (bx - ax) / torch.where(by == ay, torch.ones_like(by), by - ay)
    inside = ((straddles & (qx < x_cross)).sum(1) % 2) == 1
    return torch.where(inside, -dist, dist)


class GINOPeer(AeroPeer):
    """``neuralop.models.GINO`` on the airfoil data (see the module docstring).

    Args:
        out_channels: volume channels (``Data.y``).
        surface_channels: surface channels (``Data.surface_y``).
        global_channels: channels of ``Data.u``.
        grid_size: latent grid points per axis.
        stretch: length (chords) below which the radial stretch is nearly the identity.
        domain_radius: radius (chords) about ``centre`` that the latent grid covers.
        centre: centre of the stretch and of the grid.
        coord_scale: factor from stretched coordinates to GINO's coordinates.
        in_gno_radius: input GNO radius in stretched units (the grid spacing is
            ``2 * stretch * asinh(domain_radius / stretch) / (grid_size - 1)``).
        out_gno_radius: output GNO radius in stretched units.
        fno_modes: Fourier modes per axis.
        fno_hidden_channels: FNO width.
        fno_layers: FNO depth.
        gno_embed_channels: frequencies of GINO's positional embedding.
        in_gno_mlp: hidden widths of the input GNO kernel.
        out_gno_mlp: hidden widths of the output GNO kernel.
        projection_channel_ratio: GINO's projection width over ``fno_hidden_channels``.
        distance_scales: length scales of the latent grid's signed-distance features.
        surface_weight: weight of the surface loss.
        fast_reduction: vectorised segment reduction (see the module docstring).
        fast_neighbors: k-d tree radius search instead of the package's dense one (same
            neighbourhoods; see the module docstring).

    Raises:
        MissingDependencyError: when ``neuraloperator`` is not installed (extra ``bench``).
    """

    def __init__(self, out_channels: int = 4, surface_channels: int = 3, global_channels: int = 2,
                 grid_size: int = 64, stretch: float = 0.5, domain_radius: float = 21.0,
                 centre: Sequence[float] = (0.5, 0.0), coord_scale: float = 100.0,
                 in_gno_radius: float = 0.1, out_gno_radius: float = 0.1, fno_modes: int = 16,
                 fno_hidden_channels: int = 32, fno_layers: int = 4, gno_embed_channels: int = 16,
                 in_gno_mlp: Sequence[int] = (64, 64), out_gno_mlp: Sequence[int] = (128, 128),
                 projection_channel_ratio: int = 4,
                 distance_scales: Sequence[float] = (0.01, 0.05, 0.25, 1.0, 4.0),
                 surface_weight: float = 1.0, fast_reduction: bool = True,
                 fast_neighbors: bool = True) -> None:
        gino_cls = _require_gino()
        super().__init__()
        if min(out_channels, surface_channels, grid_size - 1, fno_modes) < 1:
            raise InvalidArgumentError("GINOPeer: channels, fno_modes >= 1 and grid_size >= 2")
        if 2 * fno_modes > grid_size:
            raise InvalidArgumentError(f"GINOPeer: fno_modes {fno_modes} must be at most half of "
                                       f"grid_size {grid_size}")
        if min(stretch, domain_radius, coord_scale, in_gno_radius, out_gno_radius) <= 0:
            raise InvalidArgumentError("GINOPeer: stretch, domain_radius, coord_scale and radii "
                                       "must be positive")
        self.out_channels, self.surface_channels = out_channels, surface_channels
        self.global_channels = global_channels
        self.grid_size, self.stretch, self.coord_scale = grid_size, float(stretch), float(coord_scale)
        self.surface_weight = float(surface_weight)
        self.fast_reduction = bool(fast_reduction)
        self.fast_neighbors = bool(fast_neighbors)
        self.dist_enc = DistanceEncoding(distance_scales)
        self.gino = gino_cls(
            in_channels=1, out_channels=out_channels + surface_channels,
            latent_feature_channels=self.dist_enc.out_channels + global_channels,
            projection_channel_ratio=projection_channel_ratio, gno_coord_dim=2,
            in_gno_radius=in_gno_radius * coord_scale, out_gno_radius=out_gno_radius * coord_scale,
            fno_n_modes=(fno_modes, fno_modes), fno_hidden_channels=fno_hidden_channels,
            fno_n_layers=fno_layers, gno_embed_channels=gno_embed_channels,
            in_gno_channel_mlp_hidden_layers=[int(w) for w in in_gno_mlp],
            out_gno_channel_mlp_hidden_layers=[int(w) for w in out_gno_mlp],
            gno_use_open3d=False, gno_use_torch_scatter=False)
        if self.fast_neighbors:
            for block in (self.gino.gno_in, self.gino.gno_out):
                block.neighbor_search.search_fn = _radius_search
        extent = self.stretch * math.asinh(float(domain_radius) / self.stretch)
        axis = torch.linspace(-extent, extent, grid_size)
        gx, gy = torch.meshgrid(axis, axis, indexing="ij")
        stretched = torch.stack([gx, gy], -1)                              # [G, G, 2]
        self.register_buffer("centre", torch.tensor([float(c) for c in centre]), persistent=False)
        self.register_buffer("grid", stretched * self.coord_scale, persistent=False)
        self.register_buffer("grid_physical", self._unstretch(stretched.reshape(-1, 2)),
                             persistent=False)

    def state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Tensors only: neuraloperator's ``BaseModel.state_dict`` adds its constructor
        arguments (functions and classes) under ``_metadata``, which a geonop checkpoint
        neither needs (it records this wrapper's arguments) nor can store."""
        sd = super().state_dict(*args, **kwargs)
        if isinstance(sd.get("_metadata"), dict):
            del sd["_metadata"]
        return sd

    # -- coordinates ------------------------------------------------------------------------
    def _to_gino(self, p: Tensor) -> Tensor:
        d = p - self.centre
        r = d.norm(dim=-1, keepdim=True)
        s = self.stretch
        factor = torch.where(r > 1e-12, s * torch.asinh(r / s) / r.clamp_min(1e-12),
                             torch.ones_like(r))
        return d * factor * self.coord_scale

    def _unstretch(self, xi: Tensor) -> Tensor:
        rho = xi.norm(dim=-1, keepdim=True)
        s = self.stretch
        factor = torch.where(rho > 1e-12, s * torch.sinh(rho / s) / rho.clamp_min(1e-12),
                             torch.ones_like(rho))
        return xi * factor + self.centre

    # -- model ------------------------------------------------------------------------------
    def forward_all(self, data: Data | Batch) -> tuple[Tensor, Tensor]:
        pos, _, _, batch = self.volume_inputs(data)
        sp, sn, sb = self.surface_inputs(data)
        length = getattr(data, "surface_length", None)
        if length is None or length.shape != (sp.shape[0],):
            raise InvalidArgumentError("GINOPeer needs surface_length of shape [M] (the wall "
                                       "faces' lengths) for the signed distance of its grid")
        num_graphs = self.num_graphs(data)
        cond = self.conditions(data, num_graphs)
        vol = pos.new_empty(pos.shape[0], self.out_channels)
        surf = pos.new_empty(sp.shape[0], self.surface_channels)
        g_shape = self.grid.shape[:2]
        with _fast_reduction(self.fast_reduction):
            for g in range(num_graphs):
                rows, srows = (batch == g).nonzero().squeeze(1), (sb == g).nonzero().squeeze(1)
                sdf = wall_signed_distance(self.grid_physical, sp[srows], sn[srows],
                                           length[srows].float())
                latent = torch.cat([self.dist_enc(sdf),
                                    cond[g].expand(sdf.shape[0], -1)], -1)
                out = self.gino(
                    input_geom=self._to_gino(sp[srows]).unsqueeze(0),
                    latent_queries=self.grid.unsqueeze(0),
                    output_queries={"volume": self._to_gino(pos[rows]).unsqueeze(0),
                                    "surface": self._to_gino(sp[srows]).unsqueeze(0)},
                    latent_features=latent.reshape(1, *g_shape, -1))
                vol[rows] = out["volume"][0, :, : self.out_channels]
                surf[srows] = out["surface"][0, :, self.out_channels:]
        return vol, surf

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(out_channels={self.out_channels}, "
                f"surface_channels={self.surface_channels}, grid_size={self.grid_size}, "
                f"stretch={self.stretch})")
