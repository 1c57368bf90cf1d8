"""Datasets of meshes, point clouds and trajectories for training geonop operators.

- :class:`GeometryDataset`: the protocol (lazy, seeded training views, self-describing spec).
- :class:`MeshDataset`: one mesh or point cloud with fields per file.
- :class:`TrajectoryDataset`: particle trajectories, one sample per time window.
- :class:`ShardedBatchSampler` and :func:`make_loader`: variable-size graph batches,
  sharded across data-parallel processes.
- :class:`RunningStats`, :class:`FieldStats`, :class:`Normalizer`: normalisation
  statistics from the training split, stored with the model.
- :func:`random_point_subset`: random query-point subsets per training step.
- :func:`write_potential_flow_dataset`: a small analytic dataset for examples and tests.
- :mod:`geonop.data.particles`: Lagrangian particle trajectories (DeepMind and
  LagrangeBench layouts, Taichi MPM generator); :class:`ParticleDataset` is re-exported.
"""

from geonop.data.base import GeometryDataset, dataset_class, qualified_name, sample_seed
from geonop.data.loader import GraphCollater, make_loader
from geonop.data.mesh_dataset import MeshDataset, list_files
from geonop.data.normalization import FieldStats, Normalizer, RunningStats
from geonop.data.sampler import ShardedBatchSampler, eval_sampler, split_indices
from geonop.data.subsample import random_indices, random_point_subset
from geonop.data.synthetic import potential_flow, write_potential_flow_dataset
from geonop.data.trajectory_dataset import TrajectoryDataset



def __getattr__(name: str):
    # lazy: the particle package pulls in h5py/taichi only when used
    if name == "ParticleDataset":
        from geonop.data.particles import ParticleDataset

        return ParticleDataset
    if name == "AirfoilRANSDataset":
        from geonop.data.airfoil.dataset import AirfoilRANSDataset

        return AirfoilRANSDataset
    raise AttributeError(f"module 'geonop.data' has no attribute {name!r}")


__all__ = [
    "AirfoilRANSDataset",
    "FieldStats",
    "GeometryDataset",
    "GraphCollater",
    "MeshDataset",
    "ParticleDataset",
    "Normalizer",
    "RunningStats",
    "ShardedBatchSampler",
    "TrajectoryDataset",
    "dataset_class",
    "eval_sampler",
    "list_files",
    "make_loader",
    "potential_flow",
    "qualified_name",
    "random_indices",
    "random_point_subset",
    "sample_seed",
    "split_indices",
    "write_potential_flow_dataset",
]
