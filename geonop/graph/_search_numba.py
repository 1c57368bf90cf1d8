"""The ``"numba"`` backend: a compiled cell list for radius searches on the CPU.

Inputs are validated by :mod:`geonop.graph.neighbors`: float64 numpy coordinates, int64
batch vectors (or ``None``). Outputs are int64 edge lists sorted by query (centre), then
source, identical to :mod:`geonop.graph._search_scipy` bit for bit: every kept pair
passes the same float64 predicate ``sum_k (x[j, k] - y[i, k])**2 <= r * r`` (axis 0
first), and caps keep the smallest ``(d2, index)``.

How: points are binned into a grid of cells at least ``r`` wide (the graph id is the
outer part of the cell key, so graphs never meet), counting-sorted by cell, and each query
scans the sources of the 3^d cells around its own; along the last axis those cells are
consecutive in the sorted order, so that is 9 contiguous ranges in 3D. Two parallel
passes over the queries (taken in cell order, for locality): count, then fill each
query's slice of the output, which is then sorted by source index. The output is
therefore canonical without a global sort.

Scope: 1 to 3 coordinates, no periodic box. :func:`supported` says whether a call is
handled; otherwise (periodic box, d > 3, a point distribution the grid would scan too
slowly, or a forked child of a process that ran the kernels on GNU OpenMP) the caller
uses the scipy backend, which gives the same answer.

Compiled kernels are cached on disk (``cache=True``, next to this module or in numba's
user cache directory); where no cache location is writable they are compiled in each
process instead (a few seconds on the first call).
"""

from __future__ import annotations

import os
import threading
import warnings

import numba
import numpy as np
from numba import prange

#: the grid holds at most this many cells per point (plus a constant): bounds its memory
_CELLS_PER_POINT = 4
#: fall back to scipy when the candidate pairs exceed this many per point on average
#: (a clustered cloud in a large bounding box would make the cell scan quadratic)
_MAX_PAIRS_PER_POINT = 512
#: the numba "workqueue" threading layer must not be entered by two threads at once
_LOCK = threading.Lock()
#: the process that first ran the parallel kernels (see :func:`_fork_unsafe`)
_LAUNCHED_IN: int | None = None


def _fork_unsafe() -> bool:
    """True in a forked child (a DataLoader worker, say) of a process that already ran
    the kernels on numba's OpenMP layer: GNU OpenMP would abort there."""
    if _LAUNCHED_IN is None or _LAUNCHED_IN == os.getpid():
        return False
    try:
        return numba.threading_layer() == "omp"
    except ValueError:  # no layer loaded yet
        return False


def _jit(**options):
    """``numba.njit`` with an on-disk cache when one can be written, else without."""

    def wrap(fn):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", numba.NumbaWarning)
                return numba.njit(cache=True, **options)(fn)
        except RuntimeError:  # "no locator available": read-only install, no user cache
            return numba.njit(cache=False, **options)(fn)

    return wrap


# ---------------------------------------------------------------- kernels


@_jit(nogil=True)
def _cell(p, lo, inv_w, dims, k):
    """Cell coordinate of ``p[k]`` on axis ``k``; outside points are clamped to the
    border cells, which only widens their candidate set."""
    c = (p[k] - lo[k]) * inv_w
    if not c >= 0.0:
        return 0
    top = dims[k] - 1
    if c >= top:
        return top
    return int(c)


@_jit(parallel=True)
def _keys(pts, batch, lo, inv_w, dims):
    n = pts.shape[0]
    out = np.empty(n, np.int64)
    for i in prange(n):
        c0 = _cell(pts[i], lo, inv_w, dims, 0)
        c1 = _cell(pts[i], lo, inv_w, dims, 1)
        c2 = _cell(pts[i], lo, inv_w, dims, 2)
        out[i] = ((batch[i] * dims[0] + c0) * dims[1] + c1) * dims[2] + c2
    return out


@_jit(nogil=True)
def _bucket(keys, n_keys):
    """Stable counting sort: (permutation, start offset of every key, length n_keys + 1)."""
    start = np.zeros(n_keys + 1, np.int64)
    for k in keys:
        start[k + 1] += 1
    for k in range(n_keys):
        start[k + 1] += start[k]
    fill = start[:-1].copy()
    order = np.empty(keys.size, np.int64)
    for i in range(keys.size):
        k = keys[i]
        order[fill[k]] = i
        fill[k] += 1
    return order, start


@_jit(nogil=True)
def _pair_load(start, dims):
    """Sum over cells of (points in the cell) x (points in the 3 cells along the last
    axis) x 9: the candidate pairs a full scan would test, bar empty neighbours."""
    n_keys = start.size - 1
    d2 = dims[2]
    total = 0
    for k in range(n_keys):
        own = start[k + 1] - start[k]
        if own:
            c2 = k % d2
            a = k - 1 if c2 > 0 else k
            b = k + 1 if c2 < d2 - 1 else k
            total += own * (start[b + 1] - start[a]) * 9
    return total


@_jit(nogil=True)
def _scan(ys, p, b, c0, c1, c2, xs, order, start, dims, r2, skip_self, js, at, d2s):
    """Sources within ``r`` of query ``ys[p]`` (in cell ``(b, c0, c1, c2)``), counted;
    their original indices and squared distances are also written to ``js[at:]`` and
    ``d2s`` unless those are empty. With ``skip_self`` the source at sorted position ``p`` (the
    query itself) is left out. Returns the count."""
    q0, q1, q2 = ys[p, 0], ys[p, 1], ys[p, 2]
    lo2 = c2 - 1 if c2 > 0 else c2
    hi2 = c2 + 1 if c2 < dims[2] - 1 else c2
    write_j = js.size > 0
    write_d2 = d2s.size > 0
    count = 0
    for a in range(max(c0 - 1, 0), min(c0 + 2, dims[0])):
        for e in range(max(c1 - 1, 0), min(c1 + 2, dims[1])):
            base = ((b * dims[0] + a) * dims[1] + e) * dims[2]
            for s in range(start[base + lo2], start[base + hi2 + 1]):
                # the shared predicate, operation for operation (axis 0 first)
                dk = xs[s, 0] - q0
                d2 = dk * dk
                dk = xs[s, 1] - q1
                d2 += dk * dk
                dk = xs[s, 2] - q2
                d2 += dk * dk
                if d2 <= r2:
                    if skip_self and s == p:
                        continue
                    if write_j:
                        js[at + count] = order[s]
                    if write_d2:
                        d2s[count] = d2
                    count += 1
    return count


@_jit(nogil=True)
def _decode(k, dims):
    c2 = k % dims[2]
    rest = k // dims[2]
    c1 = rest % dims[1]
    rest = rest // dims[1]
    return rest // dims[0], rest % dims[0], c1, c2


@_jit(parallel=True)
def _count(ys, qstart, xs, order, start, dims, r2, skip_self, cap):
    """Neighbours of every query, in sorted-query order: (all of them, those kept)."""
    m = ys.shape[0]
    full = np.empty(m, np.int64)
    kept = np.empty(m, np.int64)
    no_i = np.empty(0, np.int64)
    no_f = np.empty(0, np.float64)
    for k in prange(qstart.size - 1):
        if qstart[k] == qstart[k + 1]:
            continue
        b, c0, c1, c2 = _decode(k, dims)
        for p in range(qstart[k], qstart[k + 1]):
            c = _scan(ys, p, b, c0, c1, c2, xs, order, start, dims, r2, skip_self, no_i, 0, no_f)
            full[p] = c
            kept[p] = c if cap <= 0 or c <= cap else cap
    return full, kept


@_jit(nogil=True)
def _insertion_sort(a, lo, hi):
    for u in range(lo + 1, hi):
        v = a[u]
        w = u - 1
        while w >= lo and a[w] > v:
            a[w + 1] = a[w]
            w -= 1
        a[w + 1] = v


@_jit(parallel=True)
def _fill(ys, qstart, qorder, xs, order, start, dims, r2, skip_self, full, offsets,
          out_q, out_s):  # fmt: skip
    """Write every query's sources, ascending, to its slice ``offsets[t]:offsets[t + 1]``
    of the output (``t`` its original index); capped queries keep the nearest."""
    no_f = np.empty(0, np.float64)
    for k in prange(qstart.size - 1):
        if qstart[k] == qstart[k + 1]:
            continue
        b, c0, c1, c2 = _decode(k, dims)
        widest = 1
        for p in range(qstart[k], qstart[k + 1]):
            widest = max(widest, full[p])
        # scratch that stays in L1: sorting in place in the output is several times slower
        buf = np.empty(widest, np.int64)
        for p in range(qstart[k], qstart[k + 1]):
            t = qorder[p]
            o0, o1 = offsets[t], offsets[t + 1]
            n_keep = o1 - o0
            if n_keep == 0:
                continue
            for u in range(o0, o1):
                out_q[u] = t
            n_all = full[p]
            if n_all == n_keep:
                _scan(ys, p, b, c0, c1, c2, xs, order, start, dims, r2, skip_self, buf, 0, no_f)
                _insertion_sort(buf, 0, n_all)
                for u in range(n_keep):
                    out_s[o0 + u] = buf[u]
            else:  # capped: the n_keep smallest (d2, j), then by j
                d2s = np.empty(n_all, np.float64)
                _scan(ys, p, b, c0, c1, c2, xs, order, start, dims, r2, skip_self, buf, 0, d2s)
                by_j = np.argsort(buf[:n_all])
                js = buf[:n_all][by_j]
                d2s = d2s[by_j]
                out_s[o0:o1] = np.sort(js[np.argsort(d2s, kind="mergesort")[:n_keep]])


# ---------------------------------------------------------------- driver


def _pad3(p: np.ndarray) -> np.ndarray:
    """Zero columns up to 3 axes: adding the exact 0.0 they contribute leaves d2 unchanged."""
    if p.shape[1] == 3:
        return np.ascontiguousarray(p, dtype=np.float64)
    out = np.zeros((p.shape[0], 3), np.float64)
    out[:, : p.shape[1]] = p
    return out


def _grid(
    x: np.ndarray, y: np.ndarray, r: float, num_graphs: int
) -> tuple[np.ndarray, float, np.ndarray] | None:
    """(lower corner, 1 / cell width, cells per axis) of a grid over ``x``, or ``None``."""
    limit = _CELLS_PER_POINT * x.shape[0] + 1024
    if num_graphs > limit:
        return None
    lo = x.min(0)
    ext = x.max(0) - lo
    big = max(float(np.abs(x).max()), float(np.abs(y).max()) if y.size else 0.0)
    # cells at least r wide, with a margin far above the rounding of (p - lo) / w, so
    # two points within r never land two cells apart
    width = r * (1.0 + 1e-6) + 1e-14 * big
    active = max(int(np.count_nonzero(ext > 0)), 1)
    for _ in range(64):
        cells = np.floor(ext / width) + 1.0
        total = float(np.prod(cells)) * num_graphs
        if total <= limit:
            break
        width *= (total / limit) ** (1.0 / active) * 1.01
    else:
        return None
    return lo, 1.0 / width, cells.astype(np.int64)


def _threads(workers: int) -> int:
    return max(1, min(workers, numba.config.NUMBA_NUM_THREADS))


def _search(
    x: np.ndarray,
    y: np.ndarray | None,
    r: float,
    batch_x: np.ndarray | None,
    batch_y: np.ndarray | None,
    num_graphs: int,
    skip_self: bool,
    cap: int | None,
    workers: int,
    flip: bool,
) -> np.ndarray | None:
    global _LAUNCHED_IN
    if _fork_unsafe():
        return None
    xs_all = _pad3(x)
    qs = xs_all if y is None else _pad3(y)
    n, m = xs_all.shape[0], qs.shape[0]
    grid = _grid(xs_all, qs, r, num_graphs)
    if grid is None:
        return None
    lo, inv_w, dims = grid
    n_keys = int(num_graphs * dims.prod())
    zeros_x = batch_x is None
    bx = np.zeros(n, np.int64) if zeros_x else np.ascontiguousarray(batch_x, dtype=np.int64)
    if y is None:
        by = bx
    else:
        by = np.zeros(m, np.int64) if batch_y is None else np.ascontiguousarray(batch_y, np.int64)
    r2 = r * r
    before = numba.get_num_threads()
    with _LOCK:
        numba.set_num_threads(_threads(workers))
        try:
            keys = _keys(xs_all, bx, lo, inv_w, dims)
            order, start = _bucket(keys, n_keys)
            if _pair_load(start, dims) > _MAX_PAIRS_PER_POINT * n + (1 << 20):
                return None
            xs = xs_all[order]
            if y is None:
                qorder, qstart, ys = order, start, xs
            else:
                qorder, qstart = _bucket(_keys(qs, by, lo, inv_w, dims), n_keys)
                ys = qs[qorder]
            full, kept = _count(ys, qstart, xs, order, start, dims, r2, skip_self, cap or 0)
            offsets = np.zeros(m + 1, np.int64)
            kept_orig = np.empty(m, np.int64)
            kept_orig[qorder] = kept
            np.cumsum(kept_orig, out=offsets[1:])
            out = np.empty((2, int(offsets[-1])), np.int64)
            q_row, s_row = (1, 0) if flip else (0, 1)
            _fill(ys, qstart, qorder, xs, order, start, dims, r2, skip_self, full, offsets,
                  out[q_row], out[s_row])  # fmt: skip
        finally:
            numba.set_num_threads(before)
            _LAUNCHED_IN = _LAUNCHED_IN or os.getpid()
    return out


def supported(d: int, box: object) -> bool:
    """Whether this backend handles a search in ``d`` dimensions with this ``box``."""
    return box is None and 1 <= d <= 3


def radius_graph(
    x: np.ndarray,
    r: float,
    batch: np.ndarray | None,
    loop: bool,
    max_num_neighbors: int | None,
    workers: int,
    flip: bool,
    num_graphs: int = 1,
) -> np.ndarray | None:
    """Edges ``(centre, neighbour)`` of the radius graph as an int64 array [2, E].

    Same contract as :func:`geonop.graph._search_scipy.radius_graph` without ``box``;
    returns ``None`` when the grid would be too slow (the caller then uses scipy).
    """
    if x.shape[0] == 0:
        return np.zeros((2, 0), np.int64)
    return _search(x, None, r, batch, None, num_graphs, not loop, max_num_neighbors, workers, flip)


def radius(
    x: np.ndarray,
    y: np.ndarray,
    r: float,
    batch_x: np.ndarray | None,
    batch_y: np.ndarray | None,
    max_num_neighbors: int | None,
    workers: int,
    flip: bool,
    num_graphs: int = 1,
) -> np.ndarray | None:
    """Edges ``(query, source)``: every ``x[j]`` within ``r`` of ``y[i]``, as [2, E].

    Same contract as :func:`geonop.graph._search_scipy.radius` without ``box``; returns
    ``None`` when the grid would be too slow (the caller then uses scipy).
    """
    if x.shape[0] == 0 or y.shape[0] == 0:
        return np.zeros((2, 0), np.int64)
    return _search(x, y, r, batch_x, batch_y, num_graphs, False, max_num_neighbors, workers, flip)


__all__ = ["radius", "radius_graph", "supported"]
