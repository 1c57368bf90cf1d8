"""Learned Lagrangian particle simulators.

* :class:`GraphInteractionOperator`: steps dynamics on a sparse graph and decodes
  accelerations at arbitrary query points (discretisation-agnostic).
* :class:`GNS`: the full-resolution encode-process-decode baseline.
* :func:`rollout`, :func:`constant_velocity_rollout`, :func:`estimate_gravity`.
* :mod:`~geonop.models.particles.metrics`: rollout MSE in both conventions, Chamfer,
  Sinkhorn divergence, kinetic-energy error.
"""

from geonop.models.particles.gio import GraphInteractionOperator
from geonop.models.particles.gns import GNS
from geonop.models.particles.rollout import (
    constant_velocity_rollout,
    estimate_gravity,
    evaluate_rollouts,
    rollout,
)
from geonop.models.particles.simulator import ParticleSimulator

__all__ = [
    "GNS",
    "GraphInteractionOperator",
    "ParticleSimulator",
    "constant_velocity_rollout",
    "estimate_gravity",
    "evaluate_rollouts",
    "rollout",
]
