"""The graph interaction operator: particle dynamics stepped on a sparse graph, decoded anywhere."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from geonop.errors import InvalidArgumentError
from geonop.graph import farthest_point_sample, radius_graph, random_sample
from geonop.models.particles.basis_decoder import BasisKernelDecoder
from geonop.models.particles.features import wall_distances
from geonop.models.particles.simulator import ParticleSimulator
from geonop.nn import MLP, InteractionProcessor, KernelIntegral


class GraphInteractionOperator(ParticleSimulator):
    r"""Reduced-order neural operator for Lagrangian dynamics (after GIOROM, "Reduced-Order
    Neural Operators: Learning Lagrangian Dynamics on Highly Sparse Graphs",
    https://arxiv.org/abs/2407.03925).

    1. GNS node inputs of the dense cloud (last ``H`` normalised velocities, type embedding,
       wall distances / R) are lifted by an MLP;
    2. a sparse node set is selected (``sampling="random"`` or ``"fps"``; ``sparse_ratio`` of
       each cloud, or ``num_sparse`` nodes);
    3. a kernel integral (mean over a ball of ``encode_radius`` R) carries dense features to
       the sparse nodes;
    4. ``num_steps`` residual interaction-network steps (LayerNorm) run on the sparse radius
       graph (``process_radius`` R, self-edges included);
    5. a kernel integral (``decode_radius`` R) from the sparse nodes gives the normalised
       acceleration at arbitrary query points; positions advance by semi-implicit Euler.
       ``decoder="basis"`` (default, :class:`BasisKernelDecoder`): an MLP per sparse node
       gives the coefficients of a few fixed basis functions of the relative position and
       the query's wall distances, combined at each query with normalised weights, so a
       query costs a handful of flops per node in reach and the step time hardly grows
       with the number of queries. ``decoder="kernel"``: a learned kernel MLP per
       query-node edge (:class:`~geonop.nn.KernelIntegral`) followed by an MLP per query
       (the first version; about 10x more work per query).

    The mean-aggregated kernel integrals make the operator discretisation-agnostic: trained
    on clouds of one density, it can be fed and queried at another (the sparse set then
    follows ``sparse_ratio``, or stays fixed with ``num_sparse``).

    Args:
        latent_dim: width of latents and hidden layers (default 128).
        num_steps: interaction-network steps on the sparse graph (default 4).
        sampling: ``"random"`` (default) or ``"fps"``.
        sparse_ratio: fraction of each cloud kept as sparse nodes (default 1/8).
        num_sparse: fixed number of sparse nodes per cloud (overrides ``sparse_ratio``).
        encode_radius: encoder ball radius in units of ``connectivity_radius`` (2.5).
        process_radius: sparse-graph radius in units of ``connectivity_radius`` (3).
        decode_radius: decoder ball radius in units of ``connectivity_radius`` (2.5).
        decoder: ``"basis"`` (default) or ``"kernel"`` (see step 5).
        decoder_order: order of the basis decoder's polynomial in the relative position
            (1 or 2, default 2).
        kernel_hidden: hidden width of the encoder's kernel MLP (and of the kernel
            decoder's; default 64).
        chunk_size: query points per chunk of the decoder's edge lists (default 32768; the
            compiled no-gradient path of the basis decoder needs none).
        seed: seed of the random sparse selection in eval mode (training draws fresh nodes
            every step from torch's generator).
        relative_velocity: the basis decoder also sees each query's last velocity relative
            to the sparse nodes in reach (``(v(y) - v_j) / std``, entering linearly with
            per-node coefficients, the form of a viscous force). A field of the position
            alone gives neighbouring particles the same acceleration whatever their own
            motion, so velocity differences between them (rollout error, the training noise)
            are never corrected and grow into stripes and scattered particles; with this
            term the operator learns to damp them, as GNS does per particle. Queries then
            need a velocity (their last two positions).

    The remaining arguments are those of
    :class:`~geonop.models.particles.simulator.ParticleSimulator`.

    Shapes:
        - **input:** ``pos_history`` [N, H + 1, d], ``particle_type`` [N], ``batch`` [N];
          queries ``query`` [M, d] with ``query_batch`` [M]
        - **output:** normalised accelerations [N, d] (or [M, d] at the queries)
    """

    def __init__(
        self,
        pos_dim: int = 2,
        history: int = 5,
        connectivity_radius: float = 0.015,
        bounds: Sequence[Sequence[float]] | None = None,
        latent_dim: int = 128,
        num_steps: int = 4,
        num_hidden_layers: int = 2,
        sampling: str = "random",
        sparse_ratio: float = 0.125,
        num_sparse: int | None = None,
        encode_radius: float = 2.5,
        process_radius: float = 3.0,
        decode_radius: float = 2.5,
        decoder: str = "basis",
        decoder_order: int = 2,
        kernel_hidden: int = 64,
        chunk_size: int | None = 32768,
        num_particle_types: int = 9,
        type_embedding_dim: int = 16,
        noise_std: float = 6.7e-4,
        gravity_prior: bool = True,
        wall_clamp: bool = True,
        acceleration_inputs: bool = False,
        wall_range: float = 1.0,
        seed: int = 0,
        relative_velocity: bool = False,
        reference_inputs: bool = False,
    ) -> None:
        super().__init__(pos_dim, history, connectivity_radius, bounds, num_particle_types,
                         type_embedding_dim, noise_std, gravity_prior, wall_clamp,
                         acceleration_inputs, wall_range, reference_inputs)
        if sampling not in ("random", "fps"):
            raise InvalidArgumentError(
                f"GraphInteractionOperator: sampling must be 'random' or 'fps', got {sampling!r}")
        if decoder not in ("basis", "kernel"):
            raise InvalidArgumentError(
                f"GraphInteractionOperator: decoder must be 'basis' or 'kernel', got {decoder!r}")
        if relative_velocity and decoder != "basis":
            raise InvalidArgumentError(
                "GraphInteractionOperator: relative_velocity needs decoder='basis'")
        if num_sparse is None and not 0 < sparse_ratio <= 1:
            raise InvalidArgumentError(
                f"GraphInteractionOperator: sparse_ratio must be in (0, 1], got {sparse_ratio}")
        if num_sparse is not None and num_sparse < 1:
            raise InvalidArgumentError(
                f"GraphInteractionOperator: num_sparse must be >= 1, got {num_sparse}")
        for name, v in (("encode_radius", encode_radius), ("process_radius", process_radius),
                        ("decode_radius", decode_radius)):
            if not v > 0:
                raise InvalidArgumentError(f"GraphInteractionOperator: {name} must be > 0, got {v}")
        self.latent_dim = latent_dim
        self.num_steps = num_steps
        self.sampling = sampling
        self.sparse_ratio = float(sparse_ratio)
        self.num_sparse = num_sparse
        self.process_radius = process_radius * self.connectivity_radius
        self.seed = seed
        self.relative_velocity = bool(relative_velocity)
        r = self.connectivity_radius
        walls = 2 * pos_dim if self.has_walls else 0
        self.node_encoder = MLP(self.node_input_channels, latent_dim, latent_dim, num_hidden_layers)
        self.encoder = KernelIntegral(latent_dim, latent_dim, pos_dim, encode_radius * r,
                                      kernel_hidden=kernel_hidden, reduction="mean")
        self.encoder_norm = MLP(latent_dim, latent_dim, latent_dim, 1)
        self.edge_encoder = MLP(pos_dim + 1, latent_dim, latent_dim, num_hidden_layers)
        self.processor = InteractionProcessor(latent_dim, num_steps, latent_dim, latent_dim,
                                              num_hidden_layers)
        self.decoder_kind = decoder
        self.decoder: BasisKernelDecoder | KernelIntegral
        self.head: MLP | None = None
        if decoder == "basis":
            self.decoder = BasisKernelDecoder(latent_dim, pos_dim, pos_dim, decode_radius * r,
                                              query_channels=walls, order=decoder_order,
                                              relative_channels=pos_dim if relative_velocity else 0,
                                              hidden_channels=latent_dim,
                                              num_hidden_layers=num_hidden_layers,
                                              chunk_size=chunk_size)
            self._start_from_prior(self.decoder.coefficients)
        else:
            self.decoder = KernelIntegral(latent_dim, latent_dim, pos_dim, decode_radius * r,
                                          query_channels=walls, kernel_hidden=kernel_hidden,
                                          reduction="mean", chunk_size=chunk_size)
            self.head = MLP(latent_dim + walls, pos_dim, latent_dim, num_hidden_layers,
                            layer_norm=False)
            self._start_from_prior(self.head)

    # -- the pipeline -----------------------------------------------------------------------
    def select(self, pos: Tensor, batch: Tensor | None = None) -> Tensor:
        """Indices of the sparse nodes, ascending: LongTensor of shape [K]."""
        kwargs = ({"num_samples": min(self.num_sparse, _smallest_cloud(pos, batch))}
                  if self.num_sparse is not None else {"ratio": self.sparse_ratio})
        if self.sampling == "fps":
            idx = farthest_point_sample(pos.detach(), batch=batch, **kwargs)
        else:
            gen = None
            if not self.training:
                gen = torch.Generator(device=pos.device).manual_seed(self.seed)
            idx = random_sample(pos, batch=batch, generator=gen, **kwargs)
        return torch.sort(idx).values

    def latent(self, pos_history: Tensor, particle_type: Tensor, batch: Tensor | None = None,
               reference: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor | None, Tensor]:
        """Encode and process: ``(sparse positions [K, d], latents [K, C], batch [K] or None,
        last velocities [K, d])``."""
        pos = pos_history[:, -1]
        feats = self.node_encoder(self.node_inputs(pos_history, particle_type, reference, batch))
        idx = self.select(pos, batch)
        sparse_pos = pos[idx]
        sparse_vel = pos[idx] - pos_history[idx, -2]
        sparse_batch = None if batch is None else batch[idx]
        h = self.encoder(pos, sparse_pos, feats, batch, sparse_batch)
        h = self.encoder_norm(h)
        edge_index = radius_graph(sparse_pos.detach(), self.process_radius, sparse_batch, loop=True)
        disp = (sparse_pos[edge_index[0]] - sparse_pos[edge_index[1]]) / self.process_radius
        e = self.edge_encoder(torch.cat([disp, disp.norm(dim=-1, keepdim=True)], dim=-1).to(h.dtype))
        h, _ = self.processor(h, edge_index, e)
        return sparse_pos, h, sparse_batch, sparse_vel

    def decode(self, sparse_pos: Tensor, latent: Tensor, sparse_batch: Tensor | None,
               query: Tensor, query_batch: Tensor | None = None,
               sparse_velocity: Tensor | None = None,
               query_velocity: Tensor | None = None) -> Tensor:
        """Normalised accelerations at ``query`` [M, d]: tensor of shape [M, d].

        With ``relative_velocity``, the last velocities of the sparse nodes [K, d] and of
        the queries [M, d] (per frame) are required."""
        if query.dim() != 2 or query.shape[1] != self.pos_dim:
            raise InvalidArgumentError(
                f"GraphInteractionOperator: query must have shape [M, {self.pos_dim}], got "
                f"{list(query.shape)}")
        if (sparse_batch is None) != (query_batch is None):
            raise InvalidArgumentError(
                "GraphInteractionOperator: give query_batch when the input is batched (and only then)")
        q = query.to(latent.dtype)
        attr = (wall_distances(q, self.bounds, self.wall_scale)
                if self.has_walls else None)
        if self.head is None:
            x_rel = y_rel = None
            if self.relative_velocity:
                if sparse_velocity is None or query_velocity is None \
                        or query_velocity.shape != query.shape:
                    raise InvalidArgumentError(
                        "GraphInteractionOperator: relative_velocity needs the sparse nodes' "
                        f"and the queries' velocities ([M, {self.pos_dim}] for {query.shape[0]} "
                        "queries); give query_history or query_velocity")
                x_rel = self._velocity_features(sparse_velocity, latent.dtype)
                y_rel = self._velocity_features(query_velocity, latent.dtype)
            return self.decoder(sparse_pos.to(q.dtype), latent, q, sparse_batch, query_batch, attr,
                                x_rel, y_rel)
        u = self.decoder(sparse_pos.to(q.dtype), q, latent, sparse_batch, query_batch, attr)
        return self.head(u if attr is None else torch.cat([u, attr], dim=-1))

    def _velocity_features(self, velocity: Tensor, dtype: torch.dtype) -> Tensor:
        # differences of velocities: divide by the std only (the mean cancels)
        if "velocity" not in self.normalizer:
            return velocity.to(dtype)
        return (velocity / self.normalizer.std("velocity").to(velocity)).to(dtype)

    def accelerations(self, pos_history: Tensor, particle_type: Tensor,
                      batch: Tensor | None = None, query: Tensor | None = None,
                      query_batch: Tensor | None = None,
                      query_velocity: Tensor | None = None, *,
                      reference: Tensor | None = None) -> Tensor:
        """Normalised accelerations at the particles [N, d], or at ``query`` [M, d]
        (``query_velocity`` [M, d], per frame, is needed with ``relative_velocity``)."""
        sparse_pos, h, sparse_batch, sparse_vel = self.latent(pos_history, particle_type, batch,
                                                              reference)
        if query is None:
            query, query_batch = pos_history[:, -1], batch
            query_velocity = pos_history[:, -1] - pos_history[:, -2]
        return self.decode(sparse_pos, h, sparse_batch, query, query_batch, sparse_vel,
                           query_velocity)

    def step(self, pos_history: Tensor, particle_type: Tensor, batch: Tensor | None = None,
             query_history: Tensor | None = None, query_batch: Tensor | None = None, *,
             reference: Tensor | None = None) -> Tensor | tuple[Tensor, Tensor]:
        """One step of the particles and, optionally, of passive query points.

        Parameters
        ----------
        pos_history : Tensor of shape [N, H + 1, d]
        particle_type : LongTensor of shape [N]
        batch : LongTensor of shape [N], optional
        query_history : Tensor of shape [M, >= 2, d], optional
            Recent positions of query points (any number, any resolution); they move with the
            acceleration decoded at them.
        query_batch : LongTensor of shape [M], optional
        reference : Tensor of shape [N, d], optional
            Rest positions of the particles (with ``reference_inputs``).

        Returns
        -------
        Tensor of shape [N, d], or a tuple with the next query positions [M, d]
        """
        sparse_pos, h, sparse_batch, sparse_vel = self.latent(pos_history, particle_type, batch,
                                                              reference)
        pos = pos_history[:, -1]
        acc = self.decode_acceleration(self.decode(sparse_pos, h, sparse_batch, pos, batch,
                                                   sparse_vel, pos - pos_history[:, -2]))
        nxt = self.advance(pos, pos_history[:, -2], acc, particle_type)
        if query_history is None:
            return nxt
        if query_history.dim() != 3 or query_history.shape[1] < 2:
            raise InvalidArgumentError(
                "GraphInteractionOperator.step: query_history must have shape [M, >= 2, d], got "
                f"{list(query_history.shape)}")
        q = query_history[:, -1]
        qa = self.decode_acceleration(self.decode(sparse_pos, h, sparse_batch, q, query_batch,
                                                  sparse_vel, q - query_history[:, -2]))
        return nxt, self.advance(q, query_history[:, -2], qa)

    def __repr__(self) -> str:
        sparse = f"num_sparse={self.num_sparse}" if self.num_sparse else f"sparse_ratio={self.sparse_ratio:g}"
        return (f"GraphInteractionOperator(pos_dim={self.pos_dim}, history={self.history}, "
                f"latent_dim={self.latent_dim}, num_steps={self.num_steps}, "
                f"sampling={self.sampling!r}, {sparse}, decoder={self.decoder_kind!r}"
                + (", relative_velocity=True" if self.relative_velocity else "") + ")")


def _smallest_cloud(pos: Tensor, batch: Tensor | None) -> int:
    if batch is None:
        return int(pos.shape[0])
    return int(torch.bincount(batch).min())
