"""The ``"numba"`` backend: a compiled cell list for radius searches on the CPU.

Inputs are validated by :mod:`geonop.graph.neighbors`: float64 numpy coordinates, int64
batch vectors (or ``None``). Outputs are int64 edge lists sorted by query (centre), then
source, identical to :mod:`geonop.graph._search_scipy` bit for bit: every kept pair
passes the same float64 predicate ``sum_k (x[j, k] - y[i, k])**2 <= r * r`` (axis 0
first, no fused multiply-add), and caps keep the smallest ``(d2, index)``.

How: points are binned into a grid of cells at least ``r`` wide (the graph id is the
outer part of the cell key, so graphs never meet), counting-sorted by cell, and their
coordinates gathered in that order. The queries are split into tasks of whole cells
with about equal work, run in parallel. For each cell a task copies the sources of the
3^d cells around it into small contiguous arrays (the copy is shared by every query of
the cell, and the distance test over them vectorises), then scans them once per query:
the hits are sorted by source index and appended to the task's region of a scratch
array. Each task's region is as long as its candidate pairs, an upper bound on its
hits, so one pass suffices; the array is reserved, not written, beyond the hits (the
operating system backs only the pages touched). When that bound is too large to
reserve, a counting pass sizes the regions exactly first. Last, the edges are written
in original query order (sequential writes; writing them straight from the cell-order
scan would scatter them across the whole output and costs more than both passes).

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
#: parallel tasks per thread, of about equal candidate pairs each (numba splits them
#: statically between threads); each task allocates its scratch once
_TASKS_PER_THREAD = 16
#: largest scratch array (bytes) reserved by candidate count; above (or above a quarter
#: of the physical memory), a counting pass sizes it exactly first
_RESERVE_BYTES = 1 << 32
#: queries with at most this many hits are sorted by rank counting (quadratic, branch-free)
_RANK_SORT_MAX = 48
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


# ---------------------------------------------------------------- kernels: binning


@_jit(nogil=True)
def _bounds(p):
    """Per-axis minimum and maximum of ``p`` [n, 3], n >= 1, in one pass."""
    lo = p[0].copy()
    hi = p[0].copy()
    for i in range(1, p.shape[0]):
        for k in range(3):
            v = p[i, k]
            if v < lo[k]:
                lo[k] = v
            elif v > hi[k]:
                hi[k] = v
    return lo, hi


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


@_jit(parallel=True)
def _take_rows(p, order):
    """``p[order]`` for ``p`` [n, 3], in parallel."""
    out = np.empty((order.size, 3), np.float64)
    for s in prange(order.size):
        i = order[s]
        out[s, 0] = p[i, 0]
        out[s, 1] = p[i, 1]
        out[s, 2] = p[i, 2]
    return out


@_jit(nogil=True)
def _decode(k, dims):
    c2 = k % dims[2]
    rest = k // dims[2]
    c1 = rest % dims[1]
    rest = rest // dims[1]
    return rest // dims[0], rest % dims[0], c1, c2


@_jit(nogil=True)
def _block(k, dims, start, xs, order, cx, cy, cz, cj, copy):
    """Sources of the 3^3 cells around cell ``k``: their number, and with ``copy`` their
    coordinates and original indices written to ``cx, cy, cz, cj``. Along the last axis
    the cells are consecutive in the sorted order: 9 contiguous ranges."""
    b, c0, c1, c2 = _decode(k, dims)
    lo2 = c2 - 1 if c2 > 0 else c2
    hi2 = c2 + 1 if c2 < dims[2] - 1 else c2
    u = 0
    for a in range(max(c0 - 1, 0), min(c0 + 2, dims[0])):
        for e in range(max(c1 - 1, 0), min(c1 + 2, dims[1])):
            base = ((b * dims[0] + a) * dims[1] + e) * dims[2]
            s0, s1 = start[base + lo2], start[base + hi2 + 1]
            if copy:
                for s in range(s0, s1):
                    cx[u] = xs[s, 0]
                    cy[u] = xs[s, 1]
                    cz[u] = xs[s, 2]
                    cj[u] = order[s]
                    u += 1
            else:
                u += s1 - s0
    return u


@_jit(parallel=True)
def _work(start, qstart, dims):
    """Candidate pairs of every cell (queries in the cell times sources in its block)
    and the sources of every block, both [n_keys]."""
    n_keys = qstart.size - 1
    pairs = np.zeros(n_keys, np.int64)
    block = np.zeros(n_keys, np.int64)
    no_xs = np.empty((0, 3), np.float64)
    no_f = np.empty(0, np.float64)
    no_i = np.empty(0, np.int64)
    for k in prange(n_keys):
        own = qstart[k + 1] - qstart[k]
        if own:
            cand = _block(k, dims, start, no_xs, no_i, no_f, no_f, no_f, no_i, False)
            block[k] = cand
            pairs[k] = own * cand
    return pairs, block


# ---------------------------------------------------------------- kernels: search


@_jit(nogil=True, inline="always")
def _sqdist(cx, cy, cz, u, q0, q1, q2):
    """The shared predicate's squared distance, operation for operation (axis 0 first)."""
    dk = cx[u] - q0
    d2 = dk * dk
    dk = cy[u] - q1
    d2 += dk * dk
    dk = cz[u] - q2
    d2 += dk * dk
    return d2


@_jit(nogil=True)
def _within(cx, cy, cz, nc, q0, q1, q2, r2):
    """How many of the ``nc`` block sources pass the predicate (vectorised)."""
    c = 0
    for u in range(nc):
        c += _sqdist(cx, cy, cz, u, q0, q1, q2) <= r2
    return c


@_jit(nogil=True)
def _hits(cx, cy, cz, cj, nc, q0, q1, q2, r2, me, js, d2s, with_d2):
    """Original indices (and with ``with_d2`` squared distances) of the block sources
    within ``r``, bar the source ``me``, compacted into ``js`` / ``d2s``; returns how many.
    Branch-free: every candidate is written, only hits advance the cursor."""
    h = 0
    for u in range(nc):
        d2 = _sqdist(cx, cy, cz, u, q0, q1, q2)
        js[h] = cj[u]
        if with_d2:
            d2s[h] = d2
        h += (d2 <= r2) & (cj[u] != me)
    return h


@_jit(nogil=True)
def _sorted_into(js, h, out, at):
    """Write the ``h`` distinct values ``js[:h]`` ascending to ``out[at:at + h]``."""
    if h <= _RANK_SORT_MAX:
        # each value goes straight to its rank: branch-free, unlike insertion sort,
        # whose mispredictions cost more on the ~16 hits of a typical query
        for u in range(h):
            v = js[u]
            rank = 0
            for w in range(h):
                rank += js[w] < v
            out[at + rank] = v
    else:
        ordered = np.sort(js[:h])
        for u in range(h):
            out[at + u] = ordered[u]


@_jit(parallel=True)
def _count(ys, qstart, tasks, xs, order, start, dims, r2, skip_self, cap, widest):
    """Sources kept for every query (sorted order), capped at ``cap`` when > 0."""
    kept = np.zeros(ys.shape[0], np.int64)
    for t in prange(tasks.size - 1):
        cx = np.empty(widest, np.float64)
        cy = np.empty(widest, np.float64)
        cz = np.empty(widest, np.float64)
        cj = np.empty(widest, np.int64)
        for k in range(tasks[t], tasks[t + 1]):
            if qstart[k] == qstart[k + 1]:
                continue
            nc = _block(k, dims, start, xs, order, cx, cy, cz, cj, True)
            for p in range(qstart[k], qstart[k + 1]):
                c = _within(cx, cy, cz, nc, ys[p, 0], ys[p, 1], ys[p, 2], r2)
                c -= skip_self  # the query itself, at distance 0
                kept[p] = c if cap <= 0 or c <= cap else cap
    return kept


@_jit(parallel=True)
def _fill(ys, qstart, qorder, tasks, task_at, xs, order, start, dims, r2, skip_self, cap,
          widest, scratch, kept, at):  # fmt: skip
    """Every query's kept sources, ascending, appended to its task's region of
    ``scratch`` (task ``t`` from ``task_at[t]``); ``kept[p]`` and ``at[p]`` receive the
    count and start of query ``p`` (sorted order). Capped queries keep the nearest."""
    with_d2 = cap > 0
    for t in prange(tasks.size - 1):
        cx = np.empty(widest, np.float64)
        cy = np.empty(widest, np.float64)
        cz = np.empty(widest, np.float64)
        cj = np.empty(widest, np.int64)
        js = np.empty(widest, np.int64)
        d2s = np.empty(widest if with_d2 else 0, np.float64)
        cursor = task_at[t]
        for k in range(tasks[t], tasks[t + 1]):
            if qstart[k] == qstart[k + 1]:
                continue
            nc = _block(k, dims, start, xs, order, cx, cy, cz, cj, True)
            for p in range(qstart[k], qstart[k + 1]):
                me = qorder[p] if skip_self else -1
                h = _hits(cx, cy, cz, cj, nc, ys[p, 0], ys[p, 1], ys[p, 2], r2, me, js, d2s,
                          with_d2)  # fmt: skip
                at[p] = cursor
                if with_d2 and h > cap:  # the cap smallest (d2, j), then by j
                    by_j = np.argsort(js[:h])
                    near = np.argsort(d2s[:h][by_j], kind="mergesort")[:cap]
                    chosen = np.sort(js[:h][by_j][near])
                    for u in range(cap):
                        scratch[cursor + u] = chosen[u]
                    h = cap
                else:
                    _sorted_into(js, h, scratch, cursor)
                kept[p] = h
                cursor += h


@_jit(parallel=True)
def _layout(kept, at, qorder):
    """Edges of every query in original order, [m + 1] (to be summed into offsets), and
    where its sources start in the scratch array, [m]."""
    m = kept.size
    counts = np.zeros(m + 1, np.int64)
    src = np.empty(m, np.int64)
    for p in prange(m):
        t = qorder[p]
        src[t] = at[p]
        counts[t + 1] = kept[p]
    return counts, src


@_jit(parallel=True)
def _emit(offsets, src, scratch, parts, out_q, out_s):
    """Write the edges in original query order: sequential writes, gathered reads."""
    for c in prange(parts.size - 1):
        for t in range(parts[c], parts[c + 1]):
            o0 = offsets[t]
            shift = src[t] - o0
            for u in range(o0, offsets[t + 1]):
                out_q[u] = t
                out_s[u] = scratch[shift + u]


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
    lo, hi = _bounds(x)
    big = float(np.maximum(np.abs(lo), np.abs(hi)).max())
    if y is not x and y.shape[0]:
        y_lo, y_hi = _bounds(y)
        big = max(big, float(np.maximum(np.abs(y_lo), np.abs(y_hi)).max()))
    ext = hi - lo
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


def _split(running: np.ndarray, parts: int) -> np.ndarray:
    """Boundaries of ``parts`` consecutive ranges of ``range(running.size - 1)`` with
    about equal weight, ``running`` being the running total of the weights from 0."""
    cuts = np.searchsorted(running, np.linspace(0, running[-1], parts + 1), side="left")
    cuts[0], cuts[-1] = 0, running.size - 1
    return np.unique(cuts).astype(np.int64)


def _reserve(length: int, dtype: type) -> np.ndarray | None:
    """An unwritten array of ``length`` items, or ``None`` when that is more than
    :data:`_RESERVE_BYTES` or a quarter of the physical memory, or is refused: only the
    pages later written are backed, but a strict or small host may refuse it whole."""
    size = length * np.dtype(dtype).itemsize
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: assume little
        physical = 4 << 30
    if size > min(_RESERVE_BYTES, physical // 4):
        return None
    try:
        return np.empty(length, dtype)
    except MemoryError:
        return None


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
    bx = np.zeros(n, np.int64) if batch_x is None else np.ascontiguousarray(batch_x, np.int64)
    if y is None:
        by = bx
    else:
        by = np.zeros(m, np.int64) if batch_y is None else np.ascontiguousarray(batch_y, np.int64)
    r2 = r * r
    cap = cap or 0
    threads = _threads(workers)
    before = numba.get_num_threads()
    with _LOCK:
        numba.set_num_threads(threads)
        try:
            order, start = _bucket(_keys(xs_all, bx, lo, inv_w, dims), n_keys)
            if y is None:
                qorder, qstart = order, start
            else:
                qorder, qstart = _bucket(_keys(qs, by, lo, inv_w, dims), n_keys)
            cell_pairs, block = _work(start, qstart, dims)
            widest = max(int(block.max()), 1)
            work = np.zeros(n_keys + 1, np.int64)
            np.cumsum(cell_pairs, out=work[1:])
            pairs = int(work[-1])
            if pairs > _MAX_PAIRS_PER_POINT * (n + m) // 2 + (1 << 20):
                return None
            xs = _take_rows(xs_all, order)
            ys = xs if y is None else _take_rows(qs, qorder)
            tasks = _split(work, threads * _TASKS_PER_THREAD)
            index = np.int32 if n < 2**31 else np.int64
            scratch = _reserve(pairs, index)
            if scratch is not None:
                task_at = work[tasks[:-1]]  # each task's candidate pairs bound its hits
            else:
                kept = _count(ys, qstart, tasks, xs, order, start, dims, r2, skip_self, cap,
                              widest)  # fmt: skip
                running = np.zeros(m + 1, np.int64)
                np.cumsum(kept, out=running[1:])
                task_at = running[qstart[tasks[:-1]]]
                scratch = np.empty(int(running[-1]), index)
            kept = np.empty(m, np.int64)
            at = np.empty(m, np.int64)
            _fill(ys, qstart, qorder, tasks, task_at, xs, order, start, dims, r2, skip_self,
                  cap, widest, scratch, kept, at)  # fmt: skip
            offsets, src = _layout(kept, at, qorder)
            np.cumsum(offsets, out=offsets)
            out = np.empty((2, int(offsets[-1])), np.int64)
            q_row, s_row = (1, 0) if flip else (0, 1)
            parts = _split(offsets, threads * _TASKS_PER_THREAD)
            _emit(offsets, src, scratch, parts, out[q_row], out[s_row])
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
