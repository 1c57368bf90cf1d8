"""Lagrangian particle datasets: readers, writers and an MPM generator.

- :mod:`~geonop.data.particles.trajectory`: :class:`Trajectory` (positions [T, N, d],
  particle types, dt, bounds) and :class:`ParticleDataset` (lazy one-step windows);
  particle type codes (:data:`PARTICLE_TYPES`).
- :mod:`~geonop.data.particles.deepmind`: DeepMind "Learning to Simulate" layout
  (``{train,valid,test}.npz`` + ``metadata.json``), read and write.
- :mod:`~geonop.data.particles.lagrangebench`: LagrangeBench layout (``.h5`` splits),
  read and write (needs ``h5py``).
- :mod:`~geonop.data.particles.statistics`: velocity/acceleration statistics.
- :mod:`~geonop.data.particles.mpm`: 2D MLS-MPM scenes of water, sand and jelly with
  Taichi (needs ``taichi``; imported lazily).
- :mod:`~geonop.data.particles.generate`: whole datasets, resumable.
- :mod:`~geonop.data.particles.vtk_series`: trajectories as ParaView time series
  (``.vtp`` per frame + ``.pvd``).

The shipped dataset lives in ``datasets/particles_small`` (see its README).
"""

from geonop.data.particles.deepmind import (
    NpzTrajectoryFile,
    make_metadata,
    read_dataset,
    read_metadata,
    read_trajectories,
    write_dataset,
    write_metadata,
    write_trajectories,
)

# mpm.py and generate.py import taichi only when a simulator is built, so importing them
# here is cheap and works without taichi installed
from geonop.data.particles.generate import generate_dataset, plan_dataset, summarize
from geonop.data.particles.lagrangebench import H5TrajectoryFile
from geonop.data.particles.mpm import (
    MATERIALS,
    SCENE_KINDS,
    Block,
    MPMConfig,
    MPMSimulator,
    Scene,
    random_scene,
)
from geonop.data.particles.statistics import (
    estimate_gravity,
    minimum_image,
    trajectory_statistics,
)
from geonop.data.particles.trajectory import (
    GOOP,
    JELLY,
    KINEMATIC,
    PARTICLE_TYPES,
    SAND,
    WATER,
    ParticleDataset,
    Trajectory,
    detect_layout,
    open_split,
)
from geonop.data.particles.vtk_series import write_vtp_series

__all__ = [
    "GOOP",
    "JELLY",
    "KINEMATIC",
    "MATERIALS",
    "PARTICLE_TYPES",
    "SAND",
    "SCENE_KINDS",
    "WATER",
    "Block",
    "H5TrajectoryFile",
    "MPMConfig",
    "MPMSimulator",
    "NpzTrajectoryFile",
    "ParticleDataset",
    "Scene",
    "Trajectory",
    "detect_layout",
    "estimate_gravity",
    "generate_dataset",
    "make_metadata",
    "minimum_image",
    "open_split",
    "plan_dataset",
    "random_scene",
    "read_dataset",
    "read_metadata",
    "read_trajectories",
    "summarize",
    "trajectory_statistics",
    "write_dataset",
    "write_metadata",
    "write_trajectories",
    "write_vtp_series",
]
