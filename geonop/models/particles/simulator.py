"""The base class of learned particle simulators: inputs, loss with noise, one step.

:class:`ParticleSimulator` holds what GNS and the graph interaction operator share: the
GNS node inputs (last ``H`` normalised velocities, a particle-type embedding, clipped wall
distances), random-walk training noise, the loss on normalised accelerations (kinematic
particles excluded), validation metrics, and the semi-implicit Euler step. Subclasses
implement :meth:`ParticleSimulator.accelerations`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch_geometric.data import Batch, Data

from geonop.errors import InvalidArgumentError
from geonop.models.base import GeonopModel, MetricSums, StepOutput
from geonop.models.particles.features import (
    KINEMATIC_TYPE,
    as_bounds,
    check_history,
    clamp_to_bounds,
    deformation_gradient,
    random_walk_noise,
    semi_implicit_euler,
    target_acceleration,
    velocities,
    wall_distances,
)
from geonop.nn import MLP


class ParticleSimulator(GeonopModel):
    """Shared machinery of learned Lagrangian simulators (not used on its own).

    Args:
        pos_dim: spatial dimension ``d``.
        history: ``H``, past velocities in the input (``H + 1`` positions).
        connectivity_radius: ``R`` in box units (edge features and wall distances are in units
            of it).
        bounds: ``[[lo, hi], ...]`` walls per dimension (None: no wall features).
        num_particle_types: size of the type embedding table (9 covers the GNS codes and
            geonop's jelly, 8).
        type_embedding_dim: width of the type embedding (16 as in GNS).
        noise_std: std of the random-walk noise on the last input velocity during training.
        gravity_prior: predict the correction to free fall: accelerations are
            ``g + std * output`` with ``g`` the dataset's ``gravity`` statistic (see
            :meth:`~geonop.data.particles.ParticleDataset.statistics`) instead of
            ``mean + std * output``. Free-falling particles then need a zero output,
            which an untrained or briefly trained network gives, rather than a small
            offset drowned in the training noise. Subclasses also zero the last layer
            of their acceleration decoder then, so that an untrained model is exactly the
            constant-velocity-plus-gravity floor and training learns the correction.
        wall_clamp: in :meth:`step`, clamp the new positions into ``bounds``, as the
            MPM generator does with its particles: a wall is a hard constraint, and a
            prediction that crosses it would otherwise leave the box for good (the next
            velocity ``x' - x`` then carries the wall's reaction).
        acceleration_inputs: also feed the last ``H - 1`` accelerations (differences of
            the input velocities), normalised as the network's output is (``(a - g) / std``
            with the gravity prior). Free fall then reads as inputs of 0 and rest as inputs of
            ``-g / std``: a particle's recent acceleration is the best single predictor of
            its next one, which plain velocities (GNS) show only as small differences of large
            numbers.
        wall_range: wall distances enter the inputs divided by ``wall_range * R`` and
            clipped to [-1, 1]. 1 (default) is GNS: only walls closer than ``R`` are seen.
            A larger range also shows how high a particle is above the floor, which tells
            a particle held up by a pile below it from one in flight.
        reference_inputs: also feed each particle's local deformation gradient ``F - I``
            relative to the rest configuration (:func:`~geonop.models.particles.features.
            deformation_gradient`; the rest positions are the trajectory's first frame,
            ``pos_reference`` in the data, the first input frame in
            :func:`~geonop.models.particles.rollout.rollout`). Elastic solids push back
            towards their rest shape, which velocities and current positions do not show.

    Data in: ``pos_history`` [N, H + 1, d], ``particle_type`` [N], ``y`` [N, d] (the next
    positions, training only), ``batch`` [N] for several clouds, ``pos_reference`` [N, d]
    (rest positions, with ``reference_inputs``). Normalisation statistics
    ``velocity`` and ``acceleration`` (per frame) and ``gravity`` (per frame^2) come from
    the dataset.
    """

    def __init__(
        self,
        pos_dim: int = 2,
        history: int = 5,
        connectivity_radius: float = 0.015,
        bounds: Sequence[Sequence[float]] | None = None,
        num_particle_types: int = 9,
        type_embedding_dim: int = 16,
        noise_std: float = 6.7e-4,
        gravity_prior: bool = True,
        wall_clamp: bool = True,
        acceleration_inputs: bool = False,
        wall_range: float = 1.0,
        reference_inputs: bool = False,
    ) -> None:
        super().__init__()
        if pos_dim < 1 or history < 1 or not connectivity_radius > 0:
            raise InvalidArgumentError(
                f"{type(self).__name__}: pos_dim and history must be >= 1 and connectivity_radius "
                f"> 0, got {pos_dim}, {history}, {connectivity_radius}"
            )
        if not wall_range > 0:
            raise InvalidArgumentError(f"{type(self).__name__}: wall_range must be > 0, got {wall_range}")
        if noise_std < 0:
            raise InvalidArgumentError(f"{type(self).__name__}: noise_std must be >= 0")
        self.pos_dim = pos_dim
        self.history = history
        self.connectivity_radius = float(connectivity_radius)
        self.has_walls = bounds is not None
        self.register_buffer("bounds", as_bounds(bounds, pos_dim, type(self).__name__).float())
        self.num_particle_types = num_particle_types
        self.noise_std = float(noise_std)
        self.gravity_prior = bool(gravity_prior)
        self.wall_clamp = bool(wall_clamp)
        self.acceleration_inputs = bool(acceleration_inputs) and history >= 2
        #: distance (box units) at which the wall features saturate
        self.wall_scale = float(wall_range) * self.connectivity_radius
        self.reference_inputs = bool(reference_inputs)
        self.type_embedding = nn.Embedding(num_particle_types, type_embedding_dim)

    @property
    def node_input_channels(self) -> int:
        """Width of :meth:`node_inputs`."""
        walls = 2 * self.pos_dim if self.has_walls else 0
        accs = (self.history - 1) * self.pos_dim if self.acceleration_inputs else 0
        strain = self.pos_dim ** 2 if self.reference_inputs else 0
        return (self.history * self.pos_dim + accs + walls + strain
                + self.type_embedding.embedding_dim)

    def node_inputs(self, pos_history: Tensor, particle_type: Tensor,
                    reference: Tensor | None = None, batch: Tensor | None = None) -> Tensor:
        """GNS node inputs: [N, H + 1, d], [N] (and rest positions [N, d] with
        ``reference_inputs``) -> [N, node_input_channels]."""
        n = pos_history.shape[0]
        if particle_type.shape != (n,):
            raise InvalidArgumentError(
                f"{type(self).__name__}: particle_type must have shape [{n}], got "
                f"{list(particle_type.shape)}"
            )
        if n and (int(particle_type.min()) < 0 or int(particle_type.max()) >= self.num_particle_types):
            raise InvalidArgumentError(
                f"{type(self).__name__}: particle types must be in [0, {self.num_particle_types}), "
                f"got {int(particle_type.min())}..{int(particle_type.max())}"
            )
        vel = velocities(pos_history)
        feats = [self.normalizer.encode("velocity", vel).reshape(n, -1)]
        if self.acceleration_inputs:
            feats.append(self.encode_acceleration(vel[:, 1:] - vel[:, :-1]).reshape(n, -1))
        if self.has_walls:
            feats.append(wall_distances(pos_history[:, -1], self.bounds, self.wall_scale))
        if self.reference_inputs:
            if reference is None or reference.shape != pos_history[:, -1].shape:
                raise InvalidArgumentError(
                    f"{type(self).__name__}: reference_inputs needs the rest positions "
                    f"(pos_reference) of shape {list(pos_history[:, -1].shape)}, got "
                    f"{None if reference is None else list(reference.shape)}")
            feats.append(deformation_gradient(pos_history[:, -1], reference,
                                              self.connectivity_radius, batch))
        feats.append(self.type_embedding(particle_type.long()))
        return torch.cat([f.to(self.type_embedding.weight.dtype) for f in feats], dim=-1)

    def _start_from_prior(self, decoder: MLP) -> None:
        # the decoder's last layer at zero makes the untrained model the free-fall floor
        if self.gravity_prior:
            last = decoder.net[-1]
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)

    # -- accelerations in the units the network predicts --------------------------------
    def _acceleration_prior(self, like: Tensor) -> Tensor:
        if self.gravity_prior and "gravity" in self.normalizer:
            return self.normalizer.mean("gravity").to(like)
        if "acceleration" in self.normalizer:
            return self.normalizer.mean("acceleration").to(like)
        return torch.zeros(self.pos_dim, dtype=like.dtype, device=like.device)

    def encode_acceleration(self, acc: Tensor) -> Tensor:
        """Accelerations per frame^2 -> network targets: [N, d] -> [N, d]."""
        centred = acc - self._acceleration_prior(acc)
        if "acceleration" not in self.normalizer:
            return centred
        return centred / self.normalizer.std("acceleration").to(acc)

    def decode_acceleration(self, pred: Tensor) -> Tensor:
        """Network outputs -> accelerations per frame^2: [N, d] -> [N, d]."""
        return self.normalizer.scale("acceleration", pred) + self._acceleration_prior(pred)

    # -- to implement ---------------------------------------------------------------------
    def accelerations(self, pos_history: Tensor, particle_type: Tensor,
                      batch: Tensor | None = None, *, reference: Tensor | None = None) -> Tensor:
        """Normalised accelerations of the particles: tensor of shape [N, d]."""
        raise NotImplementedError

    def _reference(self, data: Data | Batch) -> Tensor | None:
        return getattr(data, "pos_reference", None) if self.reference_inputs else None

    # -- the GeonopModel interface ----------------------------------------------------------
    def forward(self, data: Data | Batch) -> Tensor:
        """Normalised accelerations of every particle of ``data``: tensor of shape [N, d]."""
        hist = getattr(data, "pos_history", None)
        check_history(hist, self.history, self.pos_dim, type(self).__name__)
        return self.accelerations(hist, data.particle_type, getattr(data, "batch", None),
                                  reference=self._reference(data))

    def _noisy(self, data: Data | Batch) -> tuple[Tensor, Tensor, Tensor]:
        hist = data.pos_history
        check_history(hist, self.history, self.pos_dim, type(self).__name__)
        movable = data.particle_type != KINEMATIC_TYPE
        target_pos = data.y
        if self.training and self.noise_std > 0:
            noise = random_walk_noise(hist, self.noise_std, movable)
            hist = hist + noise
            target_pos = target_pos + noise[:, -1]
        return hist, target_acceleration(hist, target_pos), movable

    def training_step(self, batch: Data | Batch) -> StepOutput:
        """MSE of normalised accelerations over movable particles, with random-walk noise."""
        hist, acc, movable = self._noisy(batch)
        pred = self.accelerations(hist, batch.particle_type, getattr(batch, "batch", None),
                                  reference=self._reference(batch))
        target = self.encode_acceleration(acc).to(pred.dtype)
        err = ((pred - target) ** 2)[movable]
        count = max(1, err.numel())
        return StepOutput(err.sum() / count, float(count))

    @torch.no_grad()
    def validation_step(self, batch: Data | Batch) -> MetricSums:
        """``loss`` (normalised acceleration MSE, no noise) and ``mse_position`` (one-step
        position MSE in box units, averaged over dimensions: the GNS convention)."""
        hist = batch.pos_history
        check_history(hist, self.history, self.pos_dim, type(self).__name__)
        movable = batch.particle_type != KINEMATIC_TYPE
        pred_n = self.accelerations(hist, batch.particle_type, getattr(batch, "batch", None),
                                    reference=self._reference(batch)).float()
        target_n = self.encode_acceleration(target_acceleration(hist, batch.y).float())
        pred_acc = self.decode_acceleration(pred_n)
        next_pos = semi_implicit_euler(hist[:, -1].float(), hist[:, -2].float(), pred_acc)
        count = torch.tensor(float(int(movable.sum()) * self.pos_dim), device=hist.device)
        return {
            "loss": (((pred_n - target_n) ** 2)[movable].sum(), count),
            "mse_position": (((next_pos - batch.y.float()) ** 2)[movable].sum(), count),
        }

    @torch.no_grad()
    def predict(self, data: Data | Batch) -> Tensor:
        """Next positions in box units: tensor of shape [N, d] (eval mode)."""
        self.eval()
        check_history(getattr(data, "pos_history", None), self.history, self.pos_dim,
                      type(self).__name__)
        return self.step(data.pos_history, data.particle_type, getattr(data, "batch", None),
                         reference=self._reference(data))

    def step(self, pos_history: Tensor, particle_type: Tensor, batch: Tensor | None = None, *,
             reference: Tensor | None = None) -> Tensor:
        """One semi-implicit Euler step: [N, H + 1, d] -> next positions [N, d]; kinematic
        particles stay where they are (``reference`` [N, d]: rest positions, with
        ``reference_inputs``)."""
        acc = self.decode_acceleration(self.accelerations(pos_history, particle_type, batch,
                                                          reference=reference))
        return self.advance(pos_history[:, -1], pos_history[:, -2], acc, particle_type)

    def advance(self, pos: Tensor, prev_pos: Tensor, acc: Tensor,
                particle_type: Tensor | None = None) -> Tensor:
        """Semi-implicit Euler with accelerations per frame^2, then the wall clamp (when
        on); kinematic particles stay where they are. All [N, d] -> [N, d]."""
        nxt = semi_implicit_euler(pos, prev_pos, acc.to(pos.dtype))
        if self.wall_clamp and self.has_walls:
            nxt = clamp_to_bounds(nxt, self.bounds)
        if particle_type is None:
            return nxt
        return torch.where((particle_type == KINEMATIC_TYPE)[:, None], pos, nxt)
