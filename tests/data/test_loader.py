"""Batching variable-size graphs."""

from __future__ import annotations

import torch

from geonop.data import MeshDataset, ShardedBatchSampler, make_loader


def test_batches_of_variable_size_samples(cases):
    ds = MeshDataset(cases, targets=["pressure"], global_inputs=["speed"], query_points=15)
    loader = make_loader(ds, ShardedBatchSampler(range(len(ds)), 4, seed=0))
    batches = list(loader)
    assert [b.num_graphs for b in batches] == [4, 2]
    b = batches[0]
    assert b.pos.shape == (60, 2) and b.u.shape == (4, 1)
    assert torch.equal(torch.bincount(b.batch), torch.full((4,), 15))
    full = list(make_loader(ds, ShardedBatchSampler(range(len(ds)), 6, training=False,
                                                    shuffle=False)))[0]
    assert full.num_nodes == sum(ds[i].num_nodes for i in range(len(ds)))


def test_workers_give_the_same_batches(cases):
    ds = MeshDataset(cases, targets=["pressure"], query_points=15)
    sampler = ShardedBatchSampler(range(len(ds)), 3, seed=4)
    a = [b.pos for b in make_loader(ds, sampler, num_workers=0)]
    b = [b.pos for b in make_loader(ds, sampler, num_workers=2)]
    assert all(torch.equal(x, y) for x, y in zip(a, b))
