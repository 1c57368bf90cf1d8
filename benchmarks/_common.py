"""What every benchmark here shares: thread set-up, the median timer, the JSON record.

A benchmark imports it as ``from _common import ...``: Python puts the folder of the
script it runs (``benchmarks/``) first on the path, and the line below puts the
repository root after it, so a checkout runs without installing geonop.

Conventions: every variant is timed in the same process with the same thread count;
figures are medians over repeats, in seconds, of wall time and of process CPU time (all
threads). On a shared machine the wall time depends on what else runs, which the
record states as the 1-minute load average; the CPU time is steadier.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import torch

sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

T = TypeVar("T")


@dataclass(frozen=True)
class Timing(Generic[T]):
    """Median seconds of a timed call and the result of its last run."""

    wall: float
    cpu: float
    out: T


def median_time(fn: Callable[[], T], repeats: int = 3, warmup: int = 0) -> Timing[T]:
    """Time ``fn()``: ``warmup`` untimed calls, then the medians of ``repeats`` calls.

    Args:
        fn: the work, called without arguments.
        repeats: timed calls (at least 1).
        warmup: untimed calls first (compilation, caches, first-touch memory).

    Returns:
        :class:`Timing` with the median wall seconds, the median process CPU seconds
        (summed over all threads) and the last call's result.
    """
    out = None
    for _ in range(warmup):
        out = fn()
    walls, cpus = [], []
    for _ in range(max(1, repeats)):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return Timing(statistics.median(walls), statistics.median(cpus), out)


def arguments(
    doc: str | None, *, repeats: int | None = 5, threads: int | None = None
) -> argparse.ArgumentParser:
    """A parser with the options every benchmark takes: ``--quick`` (one JSON line, in
    under 2 minutes), ``--repeats``, ``--threads`` (torch threads; ``None``: torch's
    choice) and ``--seed``. Its description is the first line of ``doc``."""
    parser = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, one JSON line")
    parser.add_argument("--repeats", type=int, default=repeats, help="timed runs per figure")
    parser.add_argument("--threads", type=int, default=threads, help="torch threads")
    parser.add_argument("--seed", type=int, default=0)
    return parser


def set_threads(threads: int | None) -> int:
    """Use ``threads`` torch threads (``None`` keeps torch's choice); returns the count."""
    if threads:
        torch.set_num_threads(threads)
    return torch.get_num_threads()


def environment() -> dict:
    """Where the figures were measured: machine, library versions, threads, load."""
    return {
        "machine": platform.machine(),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def emit(record: dict, one_line: bool = True) -> dict:
    """Print ``record`` as JSON on stdout: one line (``--quick``), else indented."""
    print(json.dumps(record) if one_line else json.dumps(record, indent=2), flush=True)
    return record


__all__ = ["Timing", "arguments", "emit", "environment", "median_time", "set_threads"]
