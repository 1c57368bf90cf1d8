"""Random point subsets."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Data

from geonop.data import random_indices, random_point_subset
from geonop.errors import InvalidArgumentError


def _data(n=50):
    pos = torch.arange(2 * n, dtype=torch.float32).reshape(n, 2)
    return Data(pos=pos, y=pos.sum(1, keepdim=True), u=torch.ones(1, 3))


def test_subset_is_seeded_and_keeps_rows_together():
    d = _data()
    a, b, c = (random_point_subset(d, 10, s) for s in (1, 1, 2))
    assert a.num_nodes == 10 and torch.equal(a.pos, b.pos) and not torch.equal(a.pos, c.pos)
    torch.testing.assert_close(a.y, a.pos.sum(1, keepdim=True))
    assert torch.equal(a.u, d.u)  # graph-level attributes untouched
    assert d.num_nodes == 50      # the input is not modified
    assert len(set(a.pos[:, 0].tolist())) == 10  # no repeats


def test_small_samples_are_kept_whole_and_edges_follow_the_subset():
    d = _data(5)
    assert random_point_subset(d, 10, 0).num_nodes == 5
    d.edge_index = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]])
    s = random_point_subset(d, 3, 0)
    assert s.edge_index.max() < 3


def test_named_keys_are_subsampled_alike():
    d = Data(pos=torch.zeros(4, 2), query_pos=torch.arange(20.0).reshape(10, 2),
             query_y=torch.arange(10.0))
    s = random_point_subset(d, 4, 3, keys=("query_pos", "query_y"))
    assert s.pos.shape == (4, 2) and s.query_pos.shape == (4, 2)
    torch.testing.assert_close(s.query_pos[:, 0] / 2, s.query_y)
    with pytest.raises(InvalidArgumentError, match="first dimension"):
        random_point_subset(d, 4, 3, keys=("pos", "query_y"))
    with pytest.raises(InvalidArgumentError):
        random_indices(5, 0, 0)
