"""Random subsets of query points, drawn per training step.

Neural-field operators (AB-UPT, MARIO) train on a few thousand points sampled afresh
from each large mesh at every step and are evaluated at full resolution. This module
draws those subsets reproducibly from a seed.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor
from torch_geometric.data import Data

from geonop.errors import InvalidArgumentError


def random_indices(n: int, k: int, seed: int) -> Tensor:
    """``min(k, n)`` distinct indices of ``range(n)`` drawn from ``seed``, in random order.

    Returns
    -------
    torch.Tensor of shape [min(k, n)], dtype long
    """
    if k <= 0:
        raise InvalidArgumentError(f"query_points must be positive, got {k}")
    g = torch.Generator().manual_seed(int(seed))
    if k >= n:
        return torch.randperm(n, generator=g)
    return torch.randperm(n, generator=g)[:k]


def random_point_subset(
    data: Data,
    num_points: int,
    seed: int,
    keys: Sequence[str] | None = None,
) -> Data:
    """Keep a random subset of ``num_points`` points of ``data``.

    Parameters
    ----------
    data : Data
        The sample; left unchanged.
    num_points : int
        Points to keep; a sample with fewer points is returned whole (shuffled).
    seed : int
        Seed of the subset; the same seed gives the same subset.
    keys : sequence of str, optional
        Attributes to subsample, all with the same first dimension (e.g.
        ``("query_pos", "query_y")`` when geometry and query points are stored
        separately). Default: every node-level attribute, via
        :meth:`torch_geometric.data.Data.subgraph` when the sample has edges.

    Returns
    -------
    Data
        A new sample holding the subset.
    """
    if keys is None:
        n = data.num_nodes
        if n is None:
            raise InvalidArgumentError("random_point_subset: sample has no nodes")
        idx = random_indices(n, num_points, seed)
        if data.edge_index is not None:
            return data.subgraph(idx.sort().values)
        out = data.clone()
        for key, value in data.items():
            if isinstance(value, Tensor) and data.is_node_attr(key):
                out[key] = value[idx]
        out.num_nodes = idx.numel()
        return out
    sizes = {k: data[k].shape[0] for k in keys if isinstance(data[k], Tensor)}
    if len(sizes) != len(keys):
        missing = [k for k in keys if k not in sizes]
        raise InvalidArgumentError(f"random_point_subset: sample has no tensor {missing}")
    if len(set(sizes.values())) != 1:
        raise InvalidArgumentError(
            f"random_point_subset: keys differ in their first dimension: {sizes}"
        )
    idx = random_indices(next(iter(sizes.values())), num_points, seed)
    out = data.clone()
    for k in keys:
        out[k] = data[k][idx]
    return out
