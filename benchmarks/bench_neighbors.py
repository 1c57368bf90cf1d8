"""Benchmark geonop's neighbour search (geonop.graph.neighbors).

Cases (uniform random points in the unit cube, float32, seeded):

* ``radius_graph`` on 1,000,000 3D points with about 16 neighbours each
  (``r = (16 * 3 / (4 * pi * N)) ** (1/3)``): the acceptance figure (target <= 1.5 s
  on the 2-core CI machine), against a naive chunked-torch baseline (``torch.cdist``
  of query chunks against all points, the O(N * M) search) measured in the same run
  on a subset of queries and extrapolated linearly to all N (its cost is exactly linear
  in the number of queries);
* ``knn_graph`` with k = 16 on the same 1M points;
* bipartite ``radius``: 1M queries against 5,000 sources, about 16 neighbours each;
* the pure-torch backend on the same kind of radius graph (the GPU path), on the CPU
  (100k points with --quick), and on CUDA when there is one.

Both sides use the same number of threads (``--threads``, default: all cores):
``torch.set_num_threads`` for torch, ``num_workers`` for geonop's numba and scipy
backends. Reported figures are medians over ``--repeats`` runs (the radius graph after
one warm-up run, which loads the compiled kernels). The radius graph also reports its
process CPU time (all threads), the load average, and numba's threading layer and
thread count: on a shared machine its wall time follows the load, its CPU time much less.

Usage::

    python benchmarks/bench_neighbors.py --quick   # < 2 minutes, one JSON line
    python benchmarks/bench_neighbors.py           # more repeats, torch backend on 1M
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

import torch
from _common import arguments, emit, environment, median_time, set_threads

from geonop import optional
from geonop.graph.neighbors import knn_graph, radius, radius_graph

TARGET_RADIUS_GRAPH_1M_S = 1.5


def _radius_for(n: int, neighbours: float = 16.0, dim: int = 3) -> float:
    """Radius holding ``neighbours`` points on average among ``n`` in the unit cube."""
    unit_ball = math.pi ** (dim / 2) / math.gamma(dim / 2 + 1)
    return (neighbours / (unit_ball * n)) ** (1.0 / dim)


def _numba_threads() -> dict:
    """The numba backend's threading: layer (once loaded) and thread count."""
    if not optional.WITH_NUMBA:
        return {"numba": None}
    import numba

    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet
        layer = None
    return {
        "numba": numba.__version__,
        "numba_layer": layer,
        "numba_threads": numba.get_num_threads(),
    }


def naive_chunked_radius(
    x: torch.Tensor, queries: torch.Tensor, r: float, chunk: int
) -> torch.Tensor:
    """The baseline: ``cdist`` of each query chunk against every point, then threshold."""
    rows, cols = [], []
    for q0 in range(0, queries.shape[0], chunk):
        dist = torch.cdist(queries[q0 : q0 + chunk], x)
        i, j = torch.nonzero(dist <= r, as_tuple=True)
        rows.append(i + q0)
        cols.append(j)
    return torch.stack([torch.cat(cols), torch.cat(rows)])


def main(argv: list[str] | None = None) -> dict:
    # both sides use all cores unless told otherwise; --repeats default: 3 (--quick) or 7
    parser = arguments(__doc__, repeats=None, threads=os.cpu_count() or 1)
    parser.add_argument("--n", type=int, default=1_000_000, help="points (default 1M)")
    args = parser.parse_args(argv)

    threads = set_threads(args.threads)
    repeats = args.repeats or (3 if args.quick else 7)
    n = args.n
    gen = torch.Generator().manual_seed(args.seed)
    x = torch.rand(n, 3, generator=gen)
    r = _radius_for(n)
    res: dict = {"n": n, "threads": threads, "quick": args.quick, "repeats": repeats}

    # 1. radius graph on 1M points: the acceptance figure; the warm-up run compiles or
    # loads the numba kernels and touches the output memory once
    load_before = os.getloadavg()[0]
    run = median_time(lambda: radius_graph(x, r, num_workers=threads), repeats, warmup=1)
    edges = run.out
    res["radius_graph_1M_s"] = round(run.wall, 3)
    # CPU seconds over all threads: with the machine to itself, wall ~ cpu / threads
    res["radius_graph_1M_cpu_s"] = round(run.cpu, 3)
    res["radius_graph_1M_load_average_1min"] = round(max(load_before, os.getloadavg()[0]), 2)
    res.update(_numba_threads())
    res["radius_graph_1M_edges"] = int(edges.shape[1])
    res["radius_graph_1M_mean_degree"] = round(edges.shape[1] / n, 2)

    # naive chunked torch on a subset of queries, extrapolated (cost is linear in queries)
    subset = 256 if args.quick else 2048
    chunk = 64
    sub = median_time(lambda: naive_chunked_radius(x, x[:subset], r, chunk), 1 if args.quick else 3)
    base = sub.out
    res["baseline_chunked_torch_1M_s"] = round(sub.wall * n / subset, 1)
    res["baseline_subset_queries"] = subset
    res["baseline_measured_s"] = round(sub.wall, 3)
    # cdist (float32, matrix-product form) may differ from the exact test at the boundary
    res["baseline_subset_edges"] = int(base.shape[1]) - subset  # less its self-pairs
    res["subset_edges"] = int((edges[1] < subset).sum())
    res["speedup"] = round(res["baseline_chunked_torch_1M_s"] / max(run.wall, 1e-9), 1)
    res["target_radius_graph_1M_s"] = TARGET_RADIUS_GRAPH_1M_S
    res["meets_target"] = run.wall <= TARGET_RADIUS_GRAPH_1M_S
    del edges, base

    # 2. kNN graph, k = 16
    t = median_time(lambda: knn_graph(x, 16, num_workers=threads), 1 if args.quick else 3)
    res["knn_1M_s"] = round(t.wall, 3)
    res["knn_1M_edges"] = int(t.out.shape[1])
    del t

    # 3. bipartite radius: 1M queries, 5k sources, ~16 neighbours per query
    src = torch.rand(5_000, 3, generator=gen)
    rb = _radius_for(5_000)
    t = median_time(lambda: radius(src, x, rb, num_workers=threads), repeats)
    res["bipartite_radius_1M_x_5k_s"] = round(t.wall, 3)
    res["bipartite_radius_edges"] = int(t.out.shape[1])
    del t

    # 4. the pure-torch backend (the GPU path), here on the CPU
    nt = min(n, 100_000) if args.quick else n
    xt = x[:nt]
    rt = _radius_for(nt)
    tt = median_time(lambda: radius_graph(xt, rt, backend="torch"), 1)
    ts = median_time(lambda: radius_graph(xt, rt, num_workers=threads, backend="scipy"), 1)
    tag = f"{nt // 1000}k" if nt < 1_000_000 else f"{nt // 1_000_000}M"
    res[f"torch_backend_cpu_radius_graph_{tag}_s"] = round(tt.wall, 3)
    res[f"scipy_backend_radius_graph_{tag}_s"] = round(ts.wall, 3)
    res["backends_identical"] = bool(torch.equal(tt.out, ts.out))
    del tt, ts
    # the scipy backend on the full acceptance case, for the record (--quick skips it)
    if not args.quick:
        t = median_time(lambda: radius_graph(x, r, num_workers=threads, backend="scipy"), 3)
        res["scipy_backend_radius_graph_1M_s"] = round(t.wall, 3)
        res["scipy_backend_radius_graph_1M_cpu_s"] = round(t.cpu, 3)
        del t

    if torch.cuda.is_available():
        xc = x.cuda()

        def on_gpu(fn: Callable[[], torch.Tensor]) -> Callable[[], torch.Tensor]:
            def run() -> torch.Tensor:
                out = fn()
                torch.cuda.synchronize()
                return out

            return run

        t = median_time(on_gpu(lambda: radius_graph(xc, r, backend="torch")), repeats, 1)
        res["torch_backend_cuda_radius_graph_1M_s"] = round(t.wall, 3)
        t = median_time(on_gpu(lambda: knn_graph(xc, 16, backend="torch")), repeats, 1)
        res["torch_backend_cuda_knn_1M_s"] = round(t.wall, 3)
        res["gpu"] = torch.cuda.get_device_name()

    res.update(environment())
    return emit(res)


if __name__ == "__main__":
    main()
