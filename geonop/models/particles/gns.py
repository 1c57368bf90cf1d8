"""GNS: the full-resolution learned particle simulator (the baseline)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from geonop.graph import radius_graph
from geonop.models.particles.simulator import ParticleSimulator
from geonop.nn import MLP, InteractionProcessor


class GNS(ParticleSimulator):
    r"""Graph Network-based Simulator (Sanchez-Gonzalez et al., "Learning to Simulate Complex
    Physics with Graph Networks", https://arxiv.org/abs/2002.09405).

    Encode-process-decode on the radius graph of every particle (self-edges included):
    node inputs = last ``H`` normalised velocities, type embedding, wall distances / R
    clipped to [-1, 1]; edge inputs = displacement / R and its norm; ``num_steps`` unshared
    residual interaction-network steps; an MLP decodes normalised accelerations; positions
    advance by semi-implicit Euler.

    Args:
        latent_dim: width of node and edge latents and MLP hidden layers (128).
        num_steps: message-passing steps (10).
        num_hidden_layers: hidden layers per MLP (2).

    The remaining arguments are those of
    :class:`~geonop.models.particles.simulator.ParticleSimulator`.

    Shapes:
        - **input:** ``Data``/``Batch`` with ``pos_history`` [N, H + 1, d],
          ``particle_type`` [N], optional ``batch`` [N]
        - **output:** normalised accelerations [N, d]; :meth:`predict` gives next positions
    """

    def __init__(
        self,
        pos_dim: int = 2,
        history: int = 5,
        connectivity_radius: float = 0.015,
        bounds: Sequence[Sequence[float]] | None = None,
        latent_dim: int = 128,
        num_steps: int = 10,
        num_hidden_layers: int = 2,
        num_particle_types: int = 9,
        type_embedding_dim: int = 16,
        noise_std: float = 6.7e-4,
        gravity_prior: bool = True,
        wall_clamp: bool = True,
        acceleration_inputs: bool = False,
        wall_range: float = 1.0,
        reference_inputs: bool = False,
    ) -> None:
        super().__init__(pos_dim, history, connectivity_radius, bounds, num_particle_types,
                         type_embedding_dim, noise_std, gravity_prior, wall_clamp,
                         acceleration_inputs, wall_range, reference_inputs)
        self.latent_dim = latent_dim
        self.num_steps = num_steps
        self.node_encoder = MLP(self.node_input_channels, latent_dim, latent_dim, num_hidden_layers)
        self.edge_encoder = MLP(pos_dim + 1, latent_dim, latent_dim, num_hidden_layers)
        self.processor = InteractionProcessor(latent_dim, num_steps, latent_dim, latent_dim,
                                              num_hidden_layers)
        self.decoder = MLP(latent_dim, pos_dim, latent_dim, num_hidden_layers, layer_norm=False)
        self._start_from_prior(self.decoder)

    def accelerations(self, pos_history: Tensor, particle_type: Tensor,
                      batch: Tensor | None = None, *, reference: Tensor | None = None) -> Tensor:
        """Normalised accelerations: tensor of shape [N, d]."""
        pos = pos_history[:, -1]
        r = self.connectivity_radius
        edge_index = radius_graph(pos.detach(), r, batch, loop=True)
        disp = (pos[edge_index[0]] - pos[edge_index[1]]) / r
        edge_attr = self.edge_encoder(torch.cat([disp, disp.norm(dim=-1, keepdim=True)], dim=-1)
                                      .to(self.type_embedding.weight.dtype))
        x = self.node_encoder(self.node_inputs(pos_history, particle_type, reference, batch))
        x, _ = self.processor(x, edge_index, edge_attr)
        return self.decoder(x)

    def __repr__(self) -> str:
        return (f"GNS(pos_dim={self.pos_dim}, history={self.history}, latent_dim={self.latent_dim}, "
                f"num_steps={self.num_steps}, connectivity_radius={self.connectivity_radius:g})")
