"""Subsampling: farthest-point against brute force, voxel and random per graph, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from geonop.errors import GeonopError, InvalidArgumentError, InvalidMeshError
from geonop.graph import sampling
from geonop.graph.sampling import farthest_point_sample, random_sample, voxel_sample


def brute_fps(pos: torch.Tensor, k: int, start: int = 0) -> list[int]:
    """O(N k) farthest-point sampling: distance to every chosen point, recomputed each step.

    Squared distances are summed coordinate by coordinate, in order, like the library; ties
    go to the lowest index.
    """
    p = pos.numpy()
    chosen = [start]
    for _ in range(1, k):
        best, best_i = -1.0, -1
        for i in range(len(p)):
            d = min(sum_sq(p[i], p[c]) for c in chosen)
            if d > best:
                best, best_i = d, i
        chosen.append(best_i)
    return chosen


def sum_sq(a: np.ndarray, b: np.ndarray):
    q = a - b
    acc = q[0] * q[0]
    for j in range(1, len(q)):
        acc = acc + q[j] * q[j]
    return acc


@pytest.fixture(params=["dense", "pruned"])
def fps_path(request, monkeypatch):
    """Run a test through each of the two exact implementations."""
    monkeypatch.setattr(sampling, "_PRUNE_MIN_POINTS", 10**9 if request.param == "dense" else 1)
    return request.param


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 60),
    d=st.sampled_from([1, 2, 3, 5]),
    frac=st.floats(0.05, 1.0),
    seed=st.integers(0, 2**16),
    grid=st.booleans(),
)
def test_fps_equals_brute_force(n, d, frac, seed, grid):
    gen = torch.Generator().manual_seed(seed)
    pos = torch.rand(n, d, generator=gen, dtype=torch.float64)
    if grid:  # integer coordinates: many exact ties
        pos = torch.floor(pos * 3)
    k = max(1, int(frac * n))
    want = brute_fps(pos, k)
    for prune in (1, 10**9):
        sampling._PRUNE_MIN_POINTS = prune
        try:
            got = farthest_point_sample(pos, k)
        finally:
            sampling._PRUNE_MIN_POINTS = 4096
        assert got.tolist() == want


def test_fps_paths_agree_on_larger_clouds(fps_path):
    gen = torch.Generator().manual_seed(5)
    pos = torch.rand(3000, 3, generator=gen)
    grid = torch.stack(torch.meshgrid(*[torch.arange(12.0)] * 3, indexing="ij"), -1).view(-1, 3)
    grid = grid[torch.randperm(len(grid), generator=gen)]
    for cloud, k in ((pos, 300), (grid, 200)):
        got = farthest_point_sample(cloud, k)
        assert got.tolist() == _numpy_fps(cloud, k)


def _numpy_fps(pos: torch.Tensor, k: int, start: int = 0) -> list[int]:
    """Vectorised reference with the same arithmetic (for clouds too big for brute_fps)."""
    p = pos.numpy()
    dist = np.full(len(p), np.inf, dtype=p.dtype)
    out = [start]
    for _ in range(1, k):
        q = p - p[out[-1]]
        d2 = q[:, 0] * q[:, 0]
        for j in range(1, p.shape[1]):
            d2 = d2 + q[:, j] * q[:, j]
        dist = np.minimum(dist, d2)
        out.append(int(np.argmax(dist)))
    return out


def test_fps_batched_equals_single_calls(fps_path):
    gen = torch.Generator().manual_seed(6)
    sizes = [40, 7, 25]
    clouds = [torch.rand(n, 3, generator=gen, dtype=torch.float64) for n in sizes]
    pos = torch.cat(clouds)
    batch = torch.repeat_interleave(torch.arange(3), torch.tensor(sizes))
    offsets = [0, 40, 47]
    got = farthest_point_sample(pos, ratio=0.3, batch=batch)
    want = []
    for cloud, off in zip(clouds, offsets, strict=True):
        k = math.ceil(0.3 * len(cloud))
        want += [i + off for i in farthest_point_sample(cloud, k).tolist()]
    assert got.tolist() == want
    # unsorted batch: each graph is sampled over its points in index order
    perm = torch.randperm(len(pos), generator=gen)
    mixed_pos, mixed_batch = pos[perm], batch[perm]
    want = []
    for b in range(3):
        members = (mixed_batch == b).nonzero().flatten()
        k = math.ceil(0.3 * len(members))
        want += members[farthest_point_sample(mixed_pos[members], k)].tolist()
    assert farthest_point_sample(mixed_pos, ratio=0.3, batch=mixed_batch).tolist() == want
    # num_samples is per graph; an absent graph id (gap) is skipped
    gap = torch.where(batch == 2, 5, batch)
    assert len(farthest_point_sample(pos, ratio=0.01, batch=gap)) == 3
    assert len(farthest_point_sample(pos, 5, batch=batch)) == 15


def test_fps_random_start_is_reproducible():
    gen = torch.Generator().manual_seed(7)
    pos = torch.rand(50, 2, generator=gen, dtype=torch.float64)
    a = farthest_point_sample(
        pos, 10, random_start=True, generator=torch.Generator().manual_seed(1)
    )
    b = farthest_point_sample(
        pos, 10, random_start=True, generator=torch.Generator().manual_seed(1)
    )
    assert torch.equal(a, b)
    assert a.tolist() == brute_fps(pos, 10, start=int(a[0]))
    starts = {
        int(
            farthest_point_sample(
                pos, 1, random_start=True, generator=torch.Generator().manual_seed(s)
            )[0]
        )
        for s in range(10)
    }
    assert len(starts) > 1


def test_fps_dtypes_and_full_sample():
    pos = torch.rand(20, 3).half()
    got = farthest_point_sample(pos, 20)
    assert sorted(got.tolist()) == list(range(20)) and got.dtype == torch.long
    assert farthest_point_sample(torch.rand(0, 3), ratio=0.5).numel() == 0


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((torch.rand(5, 3),), {}, InvalidArgumentError, "exactly one"),
        ((torch.rand(5, 3), 3), {"ratio": 0.5}, InvalidArgumentError, "exactly one"),
        ((torch.rand(5, 3), 6), {}, InvalidArgumentError, "larger than the 5 points"),
        ((torch.rand(5, 3), 0), {}, InvalidArgumentError, "num_samples"),
        ((torch.rand(5, 3), 2.0), {}, InvalidArgumentError, "num_samples"),
        ((torch.rand(5, 3),), {"ratio": 0.0}, InvalidArgumentError, "ratio"),
        ((torch.rand(5, 3),), {"ratio": 1.5}, InvalidArgumentError, "ratio"),
        ((torch.rand(5),), {"ratio": 0.5}, InvalidArgumentError, "shape"),
        ((torch.ones(5, 3, dtype=torch.long),), {"ratio": 0.5}, InvalidArgumentError, "floating"),
        ((torch.tensor([[0.0, float("nan")]]),), {"ratio": 0.5}, InvalidMeshError, "NaN"),
        (
            (torch.rand(5, 3), 2),
            {"batch": torch.zeros(4, dtype=torch.long)},
            InvalidArgumentError,
            "batch",
        ),
        (
            (torch.rand(5, 3), 2),
            {"batch": torch.tensor([0, 0, 0, 1, -1])},
            InvalidArgumentError,
            "batch",
        ),
        ((torch.rand(5, 3), 2), {"batch": torch.zeros(5)}, InvalidArgumentError, "batch"),
        (
            (torch.rand(5, 3), 3),
            {"batch": torch.tensor([0, 0, 0, 1, 1])},
            InvalidArgumentError,
            "graph 1",
        ),
    ],
)
def test_fps_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match) as info:
        farthest_point_sample(*args, **kwargs)
    assert isinstance(info.value, GeonopError)


# ----------------------------------------------------------------------------------- voxel


def test_voxel_one_point_per_voxel_nearest_centre():
    gen = torch.Generator().manual_seed(8)
    pos = torch.rand(500, 3, generator=gen, dtype=torch.float64) * 4
    size = 0.7
    got = voxel_sample(pos, size)
    origin = pos.min(0).values
    cell = torch.floor((pos - origin) / size).long()
    keys = [tuple(c) for c in cell.tolist()]
    assert got.tolist() == sorted(got.tolist())
    assert len({keys[i] for i in got.tolist()}) == len(got) == len(set(keys))
    centre = origin + (cell + 0.5) * size
    dist = ((pos - centre) ** 2).sum(1)
    for i in got.tolist():  # brute force: nearest to its voxel centre, lowest index on ties
        members = [j for j in range(len(pos)) if keys[j] == keys[i]]
        assert i == min(members, key=lambda j: (float(dist[j]), j))


def test_voxel_ties_batches_and_anisotropic_sizes():
    pos = torch.tensor([[0.25, 0.5], [0.75, 0.5], [0.5, 0.5], [1.5, 0.5]], dtype=torch.float64)
    # points 0 and 1 are equally near the centre of voxel (0, 0): lowest index wins
    assert voxel_sample(pos, 1.0, start=[0.0, 0.0]).tolist() == [2, 3]
    assert voxel_sample(pos[:2], 1.0, start=0.0).tolist() == [0]
    batch = torch.tensor([0, 1, 0, 1])
    assert voxel_sample(pos, 1.0, batch=batch, start=0.0).tolist() == [1, 2, 3]
    assert len(voxel_sample(pos, [0.3, 10.0], start=0.0)) == 4
    assert torch.equal(voxel_sample(pos, 1.0), voxel_sample(pos, torch.tensor([1.0, 1.0])))


@pytest.mark.parametrize(
    "size, kwargs, match",
    [
        (0.0, {}, "voxel_size"),
        (-1.0, {}, "voxel_size"),
        (float("inf"), {}, "voxel_size"),
        ([1.0, 1.0], {}, "voxel_size"),
        (1.0, {"start": [5.0, 5.0, 5.0]}, "start"),
        (1.0, {"batch": torch.zeros(3, dtype=torch.long)}, "batch"),
    ],
)
def test_voxel_bad_input(size, kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        voxel_sample(torch.rand(10, 3), size, **kwargs)


# ---------------------------------------------------------------------------------- random


def test_random_sample_per_graph():
    batch = torch.tensor([0] * 10 + [1] * 3 + [2] * 7)
    pos = torch.rand(20, 3)
    g = torch.Generator().manual_seed(9)
    got = random_sample(pos, ratio=0.5, batch=batch, generator=g)
    assert got.tolist() == sorted(set(got.tolist()))
    assert torch.bincount(batch[got]).tolist() == [5, 2, 4]
    got = random_sample(pos, 3, batch=batch, generator=g)
    assert torch.bincount(batch[got]).tolist() == [3, 3, 3]
    a = random_sample(pos, ratio=0.5, generator=torch.Generator().manual_seed(3))
    b = random_sample(pos, ratio=0.5, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and len(a) == 10
    seen = {
        tuple(random_sample(pos, 4, generator=torch.Generator().manual_seed(s)).tolist())
        for s in range(20)
    }
    assert len(seen) > 10
    assert random_sample(pos, ratio=0.01).numel() == 1  # at least one per graph


def test_random_sample_is_uniform():
    g = torch.Generator().manual_seed(10)
    counts = torch.zeros(10)
    for _ in range(400):
        counts[random_sample(torch.zeros(10, 1), 3, generator=g)] += 1
    assert counts.sum() == 1200 and counts.min() > 80 and counts.max() < 160


def test_random_sample_bad_input():
    with pytest.raises(InvalidArgumentError, match="larger"):
        random_sample(torch.rand(4, 2), 5)
    with pytest.raises(InvalidArgumentError, match="ratio"):
        random_sample(torch.rand(4, 2), ratio=-0.1)
    with pytest.raises(InvalidArgumentError, match="pos"):
        random_sample(torch.tensor(3.0), 1)
