"""The dataset protocol: keys with seeds, registry, statistics on a subset."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Data

from geonop.data import GeometryDataset, MeshDataset, TrajectoryDataset, dataset_class, sample_seed
from geonop.errors import ConfigError


class Squares(GeometryDataset):
    def __init__(self, root=None, n: int = 5):
        self.n = n
        self.seen = []

    def __len__(self):
        return self.n

    def get(self, index, seed=None):
        self.seen.append((index, seed))
        return Data(y=torch.full((2, 1), float(index * index)))


def test_keys_are_indices_or_index_seed_pairs():
    ds = Squares()
    ds[3]
    ds[(2, 99)]
    ds[-1]
    assert ds.seen == [(3, None), (2, 99), (4, None)]
    with pytest.raises(IndexError):
        ds[5]


def test_statistics_use_the_given_indices_only():
    ds = Squares()
    st = ds.statistics([0, 2])
    assert st["y"].mean.item() == pytest.approx(2.0)  # (0 + 4) / 2
    assert set(ds.statistics(max_samples=2, seed=1)) == {"y"}
    assert len(ds.seen) == 4  # two for [0, 2], two for the capped subset


def test_registry_finds_classes_by_name_or_path_and_suggests():
    assert dataset_class("MeshDataset") is MeshDataset
    assert dataset_class("geonop.data.trajectory_dataset:TrajectoryDataset") is TrajectoryDataset
    assert dataset_class("Squares") is Squares
    with pytest.raises(ConfigError, match="did you mean 'MeshDataset'"):
        dataset_class("MeshDatset")
    with pytest.raises(ConfigError, match="cannot import"):
        dataset_class("geonop.nowhere:X")


def test_sample_seeds_differ_by_epoch_and_index_and_are_stable():
    seeds = {sample_seed(0, e, i) for e in range(3) for i in range(100)}
    assert len(seeds) == 300
    assert sample_seed(5, 1, 2) == sample_seed(5, 1, 2)
    assert 0 <= sample_seed(2**40, 0, 0) < 2**63
