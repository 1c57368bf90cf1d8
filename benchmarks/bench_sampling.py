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

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable

import torch

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


def _timed(fn: Callable[[], torch.Tensor], repeats: int) -> tuple[float, float, torch.Tensor]:
    """Median wall and median process-CPU seconds (the latter is steadier on a shared box)."""
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, one JSON line")
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    repeats = 3 if args.quick else args.repeats
    slow_repeats = 1 if args.quick else max(1, repeats // 2)
    pos = torch.rand(args.points, 3, generator=torch.Generator().manual_seed(args.seed))
    k = args.samples

    t_geonop, c_geonop, ours = _timed(lambda: farthest_point_sample(pos, k), repeats)
    t_dense, c_dense, dense = _timed(lambda: dense_fps(pos, k), slow_repeats)
    t_naive, c_naive, naive = _timed(lambda: naive_fps(pos, k), slow_repeats)
    agree = bool(torch.equal(ours, dense))
    t_cluster = None
    if optional.WITH_TORCH_CLUSTER:
        import torch_cluster

        t_cluster, _, _ = _timed(
            lambda: torch_cluster.fps(pos, ratio=k / args.points, random_start=False), repeats
        )
    record = {
        "benchmark": "farthest_point_sample",
        "points": args.points,
        "samples": k,
        "dim": 3,
        "dtype": "float32",
        "statistic": "median_seconds",
        "repeats": {"geonop": repeats, "geonop_dense": slow_repeats, "naive": slow_repeats},
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "machine": platform.machine(),
        "geonop": round(t_geonop, 4),
        "geonop_dense": round(t_dense, 4),
        "naive": round(t_naive, 4),
        "torch_cluster": None if t_cluster is None else round(t_cluster, 4),
        "cpu_seconds": {
            "geonop": round(c_geonop, 4),
            "geonop_dense": round(c_dense, 4),
            "naive": round(c_naive, 4),
        },
        "speedup_vs_naive": round(t_naive / t_geonop, 2),
        "agree_dense": agree,
        "agree_naive": bool(torch.equal(ours, naive)),
    }
    print(json.dumps(record) if args.quick else json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
