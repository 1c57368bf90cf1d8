"""Benchmark geonop.utils.scatter: native unsorted vs native sorted vs torch-scatter.

Messages of E edges with C channels are reduced onto N nodes (sum, mean, max), with the
target index in random order and sorted (as a neighbour search that groups edges by target
returns it). Every variant runs in the same process with the same torch thread count, and
the median of the repeats is reported in seconds. torch-scatter columns are ``null`` when the
package is not installed.

    python benchmarks/bench_scatter.py --quick      # one JSON line
    python benchmarks/bench_scatter.py --edges 2000000 --nodes 200000 --channels 1,16

Measured (``--quick``, 2 torch threads on the project's 2-core CPU while other jobs kept its
load average at 5-7, so absolute times are about 2x inflated and vary between runs;
torch-scatter not installed), median seconds:

========  ======  ===============  ======================  ======================
channels  reduce  native unsorted  native sorted (chosen)  sorted, scatter kernel
========  ======  ===============  ======================  ======================
1         sum     0.31             0.10                    0.09
1         mean    0.63             0.32                    0.35
1         max     0.69             0.30                    0.30
8         sum     4.51             0.58 (segment)          0.76
8         mean    3.69             0.61 (segment)          0.96
8         max     10.65            1.15 (segment)          5.39
========  ======  ===============  ======================  ======================
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from _common import arguments, emit, environment, median_time, set_threads

from geonop import optional
from geonop.utils import scatter


def _seconds(fn: Callable[..., object], repeats: int, *args: object, **kwargs: object) -> float:
    """Median wall seconds of ``fn(*args, **kwargs)``."""
    return median_time(lambda: fn(*args, **kwargs), repeats).wall


def _torch_scatter() -> object | None:
    if not optional.WITH_TORCH_SCATTER:
        return None
    import torch_scatter

    return torch_scatter


def run(edges: int, nodes: int, channels: list[int], repeats: int, seed: int) -> dict:
    gen = torch.Generator().manual_seed(seed)
    index = torch.randint(0, nodes, (edges,), generator=gen)
    sorted_index, perm = index.sort()
    ts = _torch_scatter()
    results: dict = {}
    for c in channels:
        src = torch.randn((edges, c) if c > 1 else (edges,), generator=gen)
        sorted_src = src[perm]
        per_reduce = {}
        for reduce in ("sum", "mean", "max"):
            unsorted_args = (src, index, 0, nodes, reduce)
            sorted_args = (sorted_src, sorted_index, 0, nodes, reduce)
            row = {
                "native_unsorted": _seconds(scatter, repeats, *unsorted_args),
                # sortedness is auto-detected -> segment kernel where it wins
                "native_sorted": _seconds(scatter, repeats, *sorted_args),
                "native_sorted_scatter_kernel": _seconds(
                    scatter, repeats, *sorted_args, sorted=False
                ),
                "torch_scatter_unsorted": None,
                "torch_scatter_sorted": None,
            }
            if ts is not None:
                row["torch_scatter_unsorted"] = _seconds(
                    ts.scatter, repeats, src, index, 0, dim_size=nodes, reduce=reduce
                )
                row["torch_scatter_sorted"] = _seconds(
                    ts.scatter, repeats, sorted_src, sorted_index, 0, dim_size=nodes, reduce=reduce
                )
            row = {k: (round(v, 4) if v is not None else None) for k, v in row.items()}
            row["sorted_speedup"] = round(row["native_unsorted"] / row["native_sorted"], 2)
            per_reduce[reduce] = row
        results[f"channels_{c}"] = per_reduce
        del src, sorted_src
    return results


def main(argv: list[str] | None = None) -> None:
    parser = arguments(__doc__)
    parser.add_argument("--edges", type=int, default=10_000_000)
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--channels", default="1,8", help="comma-separated channel counts")
    args = parser.parse_args(argv)
    set_threads(args.threads)
    repeats = 3 if args.quick else args.repeats
    channels = [int(c) for c in args.channels.split(",")]
    results = run(args.edges, args.nodes, channels, repeats, args.seed)
    record = {
        "benchmark": "scatter",
        "edges": args.edges,
        "nodes": args.nodes,
        "repeats": repeats,
        "statistic": "median_seconds",
        **environment(),
        "torch_scatter_installed": optional.WITH_TORCH_SCATTER,
        "results": results,
    }
    emit(record, one_line=args.quick)


if __name__ == "__main__":
    main()
