"""Learned Lagrangian particle simulators.

* :class:`GraphInteractionOperator`: steps dynamics on a sparse graph and decodes
  accelerations at arbitrary query points (discretisation-agnostic).
* :class:`GNS`: the full-resolution encode-process-decode baseline.
* :class:`BasisKernelDecoder`: the operator's decoder, a kernel integral from sparse nodes
  with learned per-node coefficients of fixed basis functions (cheap per query).
* :func:`rollout`, :func:`constant_velocity_rollout`, :func:`estimate_gravity`,
  :func:`compare_with_floors` and :func:`floor_failures` (the issue's criterion).
* :mod:`~geonop.models.particles.metrics`: rollout MSE in both conventions, Chamfer,
  Sinkhorn divergence, kinetic-energy error.
"""

from geonop.models.particles.basis_decoder import BasisKernelDecoder
from geonop.models.particles.gio import GraphInteractionOperator
from geonop.models.particles.gns import GNS
from geonop.models.particles.rollout import (
    DECIDING_METRICS,
    compare_with_floors,
    constant_velocity_rollout,
    estimate_gravity,
    evaluate_rollouts,
    floor_failures,
    rollout,
)
from geonop.models.particles.simulator import ParticleSimulator

__all__ = [
    "DECIDING_METRICS",
    "GNS",
    "BasisKernelDecoder",
    "GraphInteractionOperator",
    "ParticleSimulator",
    "compare_with_floors",
    "constant_velocity_rollout",
    "estimate_gravity",
    "evaluate_rollouts",
    "floor_failures",
    "rollout",
]
