"""Benchmark farthest-point sampling: 100k uniform random 3D points -> 2k samples.

Compares, in one process with the same torch thread count (median seconds):

* ``geonop``: :func:`geonop.graph.farthest_point_sample` as dispatched (pruned CPU kernel);
* ``geonop_dense``: geonop's dense in-place torch loop (the CUDA / small-graph path);
* ``naive``: the textbook torch loop, ``dist = min(dist, ((pos - pos[i])**2).sum(1))`` then
  ``argmax``, allocating every iteration;
* ``torch_cluster``: ``torch_cluster.fps`` when installed, else ``null``.

geonop's two kernels must return the same indices (``agree_dense``); the naive loop sums
squares in its own order, so it may differ on near-ties (``agree_naive``).

    python benchmarks/bench_sampling.py --quick     # one JSON line

Measured on the project's 2-core CPU, shared with other jobs (median seconds):

=================================  ======  ============  =====
run                                geonop  geonop_dense  naive
=================================  ======  ============  =====
2 torch threads, load average 2.4  0.37    0.82          16.3
2 torch threads, load average 5    0.97    11.1          37.4
1 torch thread, load average 5     0.60    2.03          9.19
=================================  ======  ============  =====

geonop's pruned kernel is numpy and single-threaded (0.38 s of CPU time), so it is the one
least hurt when other processes hold the cores; the torch loops suffer from thread
contention. Without contention the dense loop runs at about 0.3 ms per iteration.
"""

from __future__ import annotations

import torch
from _common import arguments, emit, environment, median_time, set_threads

from geonop import optional
from geonop.graph import sampling
from geonop.graph.sampling import farthest_point_sample


def naive_fps(pos: torch.Tensor, k: int) -> torch.Tensor:
    dist = torch.full((pos.size(0),), float("inf"), dtype=pos.dtype)
    out = torch.empty(k, dtype=torch.long)
    cur = 0
    for i in range(k):
        out[i] = cur
        dist = torch.minimum(dist, ((pos - pos[cur]) ** 2).sum(1))
        cur = int(dist.argmax())
    return out


def dense_fps(pos: torch.Tensor, k: int) -> torch.Tensor:
    saved = sampling._PRUNE_MIN_POINTS
    sampling._PRUNE_MIN_POINTS = pos.size(0) + 1
    try:
        return farthest_point_sample(pos, k)
    finally:
        sampling._PRUNE_MIN_POINTS = saved


def main(argv: list[str] | None = None) -> None:
    parser = arguments(__doc__)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2_000)
    args = parser.parse_args(argv)
    set_threads(args.threads)
    repeats = 3 if args.quick else args.repeats
    slow_repeats = 1 if args.quick else max(1, repeats // 2)
    pos = torch.rand(args.points, 3, generator=torch.Generator().manual_seed(args.seed))
    k = args.samples

    geonop = median_time(lambda: farthest_point_sample(pos, k), repeats)
    dense = median_time(lambda: dense_fps(pos, k), slow_repeats)
    naive = median_time(lambda: naive_fps(pos, k), slow_repeats)
    t_cluster = None
    if optional.WITH_TORCH_CLUSTER:
        import torch_cluster

        t_cluster = median_time(
            lambda: torch_cluster.fps(pos, ratio=k / args.points, random_start=False), repeats
        ).wall
    record = {
        "benchmark": "farthest_point_sample",
        "points": args.points,
        "samples": k,
        "dim": 3,
        "dtype": "float32",
        "statistic": "median_seconds",
        "repeats": {"geonop": repeats, "geonop_dense": slow_repeats, "naive": slow_repeats},
        **environment(),
        "geonop": round(geonop.wall, 4),
        "geonop_dense": round(dense.wall, 4),
        "naive": round(naive.wall, 4),
        "torch_cluster": None if t_cluster is None else round(t_cluster, 4),
        "cpu_seconds": {
            "geonop": round(geonop.cpu, 4),
            "geonop_dense": round(dense.cpu, 4),
            "naive": round(naive.cpu, 4),
        },
        "speedup_vs_naive": round(naive.wall / geonop.wall, 2),
        "agree_dense": bool(torch.equal(geonop.out, dense.out)),
        "agree_naive": bool(torch.equal(geonop.out, naive.out)),
    }
    emit(record, one_line=args.quick)


if __name__ == "__main__":
    main()
