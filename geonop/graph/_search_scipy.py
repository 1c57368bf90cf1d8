"""Neighbour search on the CPU with :class:`scipy.spatial.cKDTree`.

Inputs are validated by :mod:`geonop.graph.neighbors`: float64 numpy coordinates, int64
batch vectors (or ``None``), an optional float64 periodic box. Outputs are int64 edge
lists sorted by query, then source, identical to :mod:`geonop.graph._search_torch`.

The tree only proposes candidates: every kept pair passes :func:`sqdist`, the float64
predicate shared with the torch backend (or is proven to pass it by a margin far larger
than rounding), so results do not depend on scipy's own rounding.

Batches are searched in one tree by giving each graph its own coordinate on an extra
axis, ``graph_id * gap``, with ``gap`` larger than any distance inside a graph: another
graph's points are then never within ``r`` and never among the ``k`` nearest while the
own graph still has points left. cKDTree releases the GIL, so ``workers`` threads split
the work (spatial slabs for a radius graph, query chunks otherwise).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
from scipy.spatial import cKDTree

#: the tree searches a radius this much larger; the exact test then decides
_INFLATE = 1e-9
#: a distance this close (relative) to a decision boundary is re-tested exactly
_BAND = 1e-9
#: queries handled per task (bounds the memory of one tree result)
_QUERY_CHUNK = 1 << 17
#: below this many points a radius graph is not split into slabs
_MIN_SLAB_POINTS = 1 << 15

T = TypeVar("T")


def resolve_workers(num_workers: int) -> int:
    """``-1`` means every core, as in scipy."""
    if num_workers == -1:
        return os.cpu_count() or 1
    return num_workers


def _map(fn: Callable[..., T], jobs: Sequence[tuple], workers: int) -> list[T]:
    if workers <= 1 or len(jobs) <= 1:
        return [fn(*job) for job in jobs]
    with ThreadPoolExecutor(min(workers, len(jobs))) as pool:
        return list(pool.map(lambda job: fn(*job), jobs))


def sqdist(
    xc: Sequence[np.ndarray],
    yc: Sequence[np.ndarray],
    j: np.ndarray,
    i: np.ndarray,
    box: np.ndarray | None,
) -> np.ndarray:
    """Squared (minimum-image) distance between ``x[j]`` and ``y[i]``, pair by pair.

    Mirrors ``_search_torch.sqdist`` operation for operation (float64, axis 0 first), so
    both backends decide ``d2 <= r * r`` identically.

    Args:
        xc: the d coordinate columns of the sources, each of shape [N], float64.
        yc: the d coordinate columns of the queries, each of shape [M].
        j: source indices, shape [E]; i: query indices, shape [E].
        box: periodic lengths, shape [d], or ``None``.

    Returns:
        Array of shape [E], float64.
    """
    # three buffers reused across axes: fresh memory is slow to touch on some machines
    acc = np.take(xc[0], j)
    other = np.take(yc[0], i)
    acc -= other
    if box is not None:
        np.abs(acc, out=acc)
        np.minimum(acc, box[0] - acc, out=acc)
    acc *= acc
    if len(xc) > 1:
        dk = np.empty_like(acc)
        for k in range(1, len(xc)):
            np.take(xc[k], j, out=dk)
            np.take(yc[k], i, out=other)
            dk -= other
            if box is not None:
                np.abs(dk, out=dk)
                np.minimum(dk, box[k] - dk, out=dk)
            dk *= dk
            acc += dk
    return acc


def _columns(p: np.ndarray) -> list[np.ndarray]:
    return [np.ascontiguousarray(p[:, k]) for k in range(p.shape[1])]


class _Space:
    """Tree coordinates: the points, plus a graph-id axis when there are several graphs."""

    def __init__(
        self,
        points: Sequence[np.ndarray],
        batches: Sequence[np.ndarray | None],
        box: np.ndarray | None,
        reach: float,
    ) -> None:
        graphs = [int(b[-1]) + 1 for b in batches if b is not None and b.size]
        self.num_graphs = max(graphs, default=1)
        self.box = box
        if box is not None:
            diameter = float(np.linalg.norm(box))
        else:
            nonempty = [p for p in points if p.shape[0]]
            lo = np.min([p.min(0) for p in nonempty], axis=0)
            hi = np.max([p.max(0) for p in nonempty], axis=0)
            diameter = float(np.linalg.norm(hi - lo))
        # farther than any pair inside one graph (and than the search radius)
        self.gap = 2.0 * (diameter + reach) + 1.0
        self.batched = self.num_graphs > 1

    def lift(self, p: np.ndarray, batch: np.ndarray | None) -> np.ndarray:
        if not self.batched:
            return np.ascontiguousarray(p)
        b = batch if batch is not None else np.zeros(p.shape[0], np.int64)
        return np.ascontiguousarray(np.column_stack([p, b * self.gap]))

    def boxsize(self) -> np.ndarray | None:
        if self.box is None:
            return None
        if not self.batched:
            return self.box
        return np.append(self.box, 2.0 * (self.num_graphs + 1) * self.gap)

    def tree(self, p: np.ndarray) -> cKDTree:
        # sliding-midpoint splits build twice as fast as medians and search as fast
        return cKDTree(p, boxsize=self.boxsize(), balanced_tree=False)


def _cell_order(p: np.ndarray, axes: Sequence[int], width: float) -> np.ndarray:
    """Row-major order of cells about ``width`` wide: a cache-friendly permutation.

    Neighbouring points end up close in memory, which roughly halves the time to build
    and walk a tree (the result does not depend on it).
    """
    lo = p[:, axes].min(0)
    ext = p[:, axes].max(0) - lo
    n_max = 1 << (62 // len(axes))
    key = np.zeros(p.shape[0], np.int64)
    span = 1
    for g, a in enumerate(axes):
        w = max(width, float(ext[g]) / (n_max - 2)) if ext[g] > 0 else 1.0
        n = int(ext[g] // w) + 1
        c = np.minimum(((p[:, a] - lo[g]) // w).astype(np.int64), n - 1)
        key *= n
        key += c
        span *= n
    if span < (1 << 31):
        key = key.astype(np.int32)  # sorts about twice as fast
    return np.argsort(key)


def _order_width(p: np.ndarray, axes: Sequence[int], per_cell: float = 16.0) -> float:
    """Cell width holding about ``per_cell`` points on average."""
    ext = np.ptp(p[:, axes], axis=0)
    ext = ext[ext > 0]
    if ext.size == 0:
        return 1.0
    return float((np.prod(ext) * per_cell / max(p.shape[0], 1)) ** (1.0 / ext.size))


def _widest(p: np.ndarray, box: np.ndarray | None) -> list[int]:
    ext = box if box is not None else np.ptp(p, axis=0)
    return [int(a) for a in np.argsort(-ext, kind="stable")[: min(3, p.shape[1])]]


def _spatial_perm(p: np.ndarray, box: np.ndarray | None) -> np.ndarray:
    if p.shape[0] < 1024:
        return np.arange(p.shape[0])
    axes = _widest(p, box)
    return _cell_order(p, axes, _order_width(p, axes))


# ---------------------------------------------------------------- capping and assembly


def _cap(i: np.ndarray, j: np.ndarray, m: int, dist2: Callable[[np.ndarray], np.ndarray]):
    """Mask keeping per query the ``m`` pairs with smallest ``(d2, j)``; ``None`` if no cut.

    ``i``, ``j`` sorted by ``i`` then ``j``; ``dist2(sel)`` gives exact d2 of pairs ``sel``.
    """
    if i.size == 0:
        return None
    counts = np.bincount(i)
    over = counts > m
    if not over.any():
        return None
    sel = np.flatnonzero(over[i])
    qs = i[sel]
    order = np.lexsort((j[sel], dist2(sel), qs))
    sel_counts = np.where(over, counts, 0)
    sel_start = np.cumsum(sel_counts) - sel_counts
    rank = np.arange(sel.size) - sel_start[qs[order]]
    keep = np.ones(i.size, bool)
    keep[sel[order[rank >= m]]] = False
    return keep


def _unpack(keys: np.ndarray, shift: int, out: np.ndarray, lo: int, flip: bool) -> None:
    """Write sorted ``query << shift | source`` keys into rows of ``out`` from column ``lo``."""
    q_row, s_row = (1, 0) if flip else (0, 1)
    n = keys.size
    np.right_shift(keys, shift, out=out[q_row, lo : lo + n])
    np.bitwise_and(keys, (1 << shift) - 1, out=out[s_row, lo : lo + n])


# ---------------------------------------------------------------- radius graph (self join)


def _slabs(
    coord: np.ndarray, r: float, box_length: float | None, workers: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split the points into ``workers`` slabs along one axis: ``(own, halo)`` indices.

    Slabs are made of whole layers at least ``r`` thick (tiling the box when periodic).
    A slab's halo is the first layer of the next slab (the last slab's wraps around to
    layer 0 when periodic), so every pair within ``r`` lies inside some slab plus its
    halo. Each slab spans at least two layers, so no pair reaches past a halo and none is
    found twice. Falls back to a single slab when the points do not allow that.
    """
    everything = [(np.arange(coord.size), np.zeros(0, np.int64))]
    if workers <= 1:
        return everything
    width = r * (1.0 + 1e-6)
    if box_length is not None:
        n_layers = int(box_length // width)
        thickness = box_length / max(n_layers, 1)
        lo = 0.0
    else:
        lo = float(coord.min())
        n_layers = int(float(coord.max() - lo) // width) + 1
        thickness = width
    if n_layers < 2 * workers or n_layers > 1 << 24:
        return everything
    layer = ((coord - lo) // thickness).astype(np.int64)
    np.clip(layer, 0, n_layers - 1, out=layer)
    cum = np.cumsum(np.bincount(layer, minlength=n_layers))
    n = coord.size
    first = [0] + [int(np.searchsorted(cum, n * t / workers)) + 1 for t in range(1, workers)]
    first.append(n_layers)
    if any(first[t + 1] - first[t] < 2 for t in range(workers)):
        return everything
    slab = np.searchsorted(np.array(first[1:-1]), layer, side="right")
    out = []
    for t in range(workers):
        own = np.flatnonzero(slab == t)
        if t + 1 < workers:
            halo = np.flatnonzero(layer == first[t + 1])
        elif box_length is not None:
            halo = np.flatnonzero(layer == 0)
        else:
            halo = np.zeros(0, np.int64)
        out.append((own, halo))
    return out


def radius_graph(
    x: np.ndarray,
    r: float,
    batch: np.ndarray | None,
    box: np.ndarray | None,
    loop: bool,
    max_num_neighbors: int | None,
    workers: int,
    flip: bool,
) -> np.ndarray:
    """Edges ``(centre, neighbour)`` of the radius graph as an int64 array [2, E].

    Row 0 is the centre and row 1 the neighbour, swapped when ``flip``. Sorted by
    centre, then neighbour.
    """
    n, d = x.shape
    if n == 0:
        return np.zeros((2, 0), np.int64)
    space = _Space([x], [batch], box, r)
    axes = _widest(x, box)
    a0 = axes[0]
    slabs = _slabs(
        x[:, a0],
        r,
        float(box[a0]) if box is not None else None,
        max(1, min(workers, n // _MIN_SLAB_POINTS)),
    )
    order_width = _order_width(x, axes)
    shift = max(int(n - 1).bit_length(), 1)
    r2 = r * r
    r_tree = r * (1.0 + _INFLATE)
    q_row, s_row = (1, 0) if flip else (0, 1)
    n_tasks = len(slabs)
    # centre ranges: the final sort is split by centre, so its parts need no merging
    split_keys = [((n * t) // n_tasks) << shift for t in range(1, n_tasks)]

    def search(own: np.ndarray, halo: np.ndarray) -> tuple[np.ndarray, list[int]]:
        """Keys of this slab's edges (original ids), and cumulative bucket counts."""
        if own.size >= 1024:
            own = own[_cell_order(x[own], axes, order_width)]
        ids = np.concatenate([own, halo])
        pts = space.lift(x[ids], batch[ids] if batch is not None else None)
        pairs = space.tree(pts).query_pairs(r_tree, output_type="ndarray")
        # contiguous copies: np.take would copy a strided index array on every call
        u, v = np.ascontiguousarray(pairs[:, 0]), np.ascontiguousarray(pairs[:, 1])
        del pairs
        cols = _columns(pts[:, :d])
        keep = sqdist(cols, cols, u, v, box) <= r2
        if halo.size:
            keep &= u < own.size  # u < v: both in the halo means the next slab owns it
        a = np.take(ids, np.compress(keep, u))
        b = np.take(ids, np.compress(keep, v))
        del u, v, keep
        extra = own if loop else own[:0]
        m, e = a.size, extra.size
        if n_tasks == 1:  # one slab: write straight into the output's centre row
            whole = np.empty((2, 2 * m + e), np.int64)
            keys = whole[q_row]
        else:
            keys = np.empty(2 * m + e, np.int64)
        # centre << shift | neighbour, both directions
        for lo, centre, nbr in ((0, a, b), (m, b, a), (2 * m, extra, extra)):
            dest = keys[lo : lo + centre.size]
            np.left_shift(centre, shift, out=dest)
            dest |= nbr
        # how many keys fall below each bucket boundary
        below = [0] + [int(np.count_nonzero(keys < k)) for k in split_keys] + [keys.size]
        return keys, below

    found = _map(search, slabs, workers)
    sizes = [sum(bl[t + 1] - bl[t] for _, bl in found) for t in range(n_tasks)]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    if n_tasks == 1:
        out = found[0][0].base
    else:
        out = np.empty((2, int(offsets[-1])), np.int64)

    def merge(t: int) -> None:
        """Bucket ``t``'s keys, gathered, sorted and unpacked in place in ``out``."""
        keys = out[q_row, offsets[t] : offsets[t + 1]]
        pos = 0
        for part, below in found if n_tasks > 1 else ():
            count = below[t + 1] - below[t]
            sel = np.ones(part.size, bool)
            if t > 0:
                sel &= part >= split_keys[t - 1]
            if t + 1 < n_tasks:
                sel &= part < split_keys[t]
            np.compress(sel, part, out=keys[pos : pos + count])
            pos += count
        keys.sort()
        np.bitwise_and(keys, (1 << shift) - 1, out=out[s_row, offsets[t] : offsets[t + 1]])
        np.right_shift(keys, shift, out=keys)

    _map(merge, [(t,) for t in range(n_tasks)], workers)
    if max_num_neighbors is not None:
        centre, nbr = (out[1], out[0]) if flip else (out[0], out[1])
        cols = _columns(x)
        keep = _cap(
            centre,
            nbr,
            max_num_neighbors,
            lambda sel: sqdist(cols, cols, nbr[sel], centre[sel], box),
        )
        if keep is not None:
            out = out[:, keep]
    return out


# ---------------------------------------------------------------- bipartite radius


def radius(
    x: np.ndarray,
    y: np.ndarray,
    r: float,
    batch_x: np.ndarray | None,
    batch_y: np.ndarray | None,
    box: np.ndarray | None,
    max_num_neighbors: int | None,
    workers: int,
    flip: bool,
) -> np.ndarray:
    """Edges ``(query, source)``: every ``x[j]`` within ``r`` of ``y[i]``, as [2, E].

    Row 0 is the query and row 1 the source, swapped when ``flip``.
    """
    n, m = x.shape[0], y.shape[0]
    if n == 0 or m == 0:
        return np.zeros((2, 0), np.int64)
    space = _Space([x, y], [batch_x, batch_y], box, r)
    perm_x = _spatial_perm(x, box)
    tree_x = space.tree(space.lift(x[perm_x], batch_x[perm_x] if batch_x is not None else None))
    xc, yc = _columns(x), _columns(y)
    shift = max(int(n - 1).bit_length(), 1)
    r2, lo_band = r * r, r * (1.0 - _BAND)
    r_tree = r * (1.0 + _INFLATE)

    def search(q0: int, q1: int) -> np.ndarray:
        yq = y[q0:q1]
        perm_q = _spatial_perm(yq, box)
        bq = batch_y[q0:q1][perm_q] if batch_y is not None else None
        tree_q = space.tree(space.lift(yq[perm_q], bq))
        res = tree_q.sparse_distance_matrix(tree_x, r_tree, output_type="ndarray")
        i = np.take(perm_q, res["i"]) + q0
        j = np.take(perm_x, res["j"])
        dist = res["v"]
        del res
        near = dist >= lo_band
        if near.any():
            idx = np.flatnonzero(near)
            bad = idx[sqdist(xc, yc, j[idx], i[idx], box) > r2]
            if bad.size:
                ok = np.ones(i.size, bool)
                ok[bad] = False
                i, j = i[ok], j[ok]
        keys = np.left_shift(i, shift)
        keys |= j
        keys.sort()
        if max_num_neighbors is not None:
            qi = keys >> shift
            sj = keys & ((1 << shift) - 1)
            keep = _cap(
                qi - q0, sj, max_num_neighbors, lambda sel: sqdist(xc, yc, sj[sel], qi[sel], box)
            )
            if keep is not None:
                keys = keys[keep]
        return keys

    jobs = [(q0, min(q0 + _QUERY_CHUNK, m)) for q0 in range(0, m, _QUERY_CHUNK)]
    parts = _map(search, jobs, workers)
    offsets = np.concatenate([[0], np.cumsum([p.size for p in parts])]).astype(np.int64)
    out = np.empty((2, int(offsets[-1])), np.int64)
    _map(
        lambda t: _unpack(parts[t], shift, out, int(offsets[t]), flip),
        [(t,) for t in range(len(parts))],
        workers,
    )
    return out


# ---------------------------------------------------------------- k nearest neighbours


def knn(
    x: np.ndarray,
    y: np.ndarray,
    k: int,
    batch_x: np.ndarray | None,
    batch_y: np.ndarray | None,
    box: np.ndarray | None,
    exclude_self: bool,
    workers: int,
    flip: bool,
) -> np.ndarray:
    """Edges ``(query, source)`` to the ``k`` sources with smallest ``(d2, index)``.

    A query whose graph holds fewer than ``k`` usable sources gets all of them. With
    ``exclude_self`` (x is y), query ``i`` never gets source ``i``.

    cKDTree returns the nearest by its own rounding and in no defined order among
    ties. One extra neighbour is asked for; a query whose k-th and (k+1)-th distances
    are apart by much more than rounding has an unambiguous answer. The others (ties,
    duplicates, graphs with fewer points) are settled exactly: ask for more neighbours
    until the k-th exact distance is clearly below the farthest one returned.
    """
    n, m = x.shape[0], y.shape[0]
    if m == 0 or n == 0:
        return np.zeros((2, 0), np.int64)
    space = _Space([x, y], [batch_x, batch_y], box, 0.0)
    perm_x = _spatial_perm(x, box)
    bx_sorted = batch_x[perm_x] if batch_x is not None else None
    tree_x = space.tree(space.lift(x[perm_x], bx_sorted))
    xc, yc = _columns(x), _columns(y)
    extra = 2 if exclude_self else 1
    perm_y = _spatial_perm(y, box)
    out_j = np.full((m, k), -1, np.int64)

    def settle(rows: np.ndarray) -> None:
        """Exact answer for queries ``rows`` (original ids), written into ``out_j``."""
        kq = min(2 * (k + extra), n)
        while rows.size:
            step = max(1, (1 << 22) // kq)
            unsettled = []
            for s in range(0, rows.size, step):
                qs = rows[s : s + step]
                yq = space.lift(y[qs], batch_y[qs] if batch_y is not None else None)
                dist, idx = tree_x.query(yq, k=kq)
                dist = dist.reshape(qs.size, kq)
                j = np.take(perm_x, idx.reshape(qs.size, kq))
                d2 = sqdist(xc, yc, j.ravel(), np.repeat(qs, kq), box).reshape(qs.size, kq)
                usable = np.ones(j.shape, bool)
                seen_all = np.full(qs.size, kq >= n)
                if batch_x is not None:
                    same = batch_x[j] == batch_y[qs][:, None]
                    usable &= same
                    # the tree returns the query's own graph first: one stranger, all seen
                    seen_all |= ~same.all(1)
                if exclude_self:
                    usable &= j != qs[:, None]
                d2 = np.where(usable, d2, np.inf)
                order = np.lexsort((j, d2), axis=1)[:, :k]
                kth = np.take_along_axis(d2, order[:, -1:], 1)[:, 0]
                # every source not returned is at least this far by the tree's rounding
                far = dist[:, -1] ** 2 * (1.0 - 1e-9)
                done = seen_all | (kth < far)
                chosen = np.take_along_axis(j, order, 1)
                missing = ~np.isfinite(np.take_along_axis(d2, order, 1))
                chosen[missing] = n  # sorts last, then marked absent
                chosen.sort(axis=1)
                chosen[chosen == n] = -1
                out_j[qs[done]] = chosen[done]
                unsettled.append(qs[~done])
            rows = np.concatenate(unsettled)
            if kq >= n:
                break
            kq = min(2 * kq, n)

    def search(s0: int, s1: int) -> np.ndarray:
        qs = perm_y[s0:s1]
        kq = min(k + extra, n)
        yq = space.lift(y[qs], batch_y[qs] if batch_y is not None else None)
        dist, idx = tree_x.query(yq, k=kq)
        dist = dist.reshape(qs.size, kq)
        j = np.take(perm_x, idx.reshape(qs.size, kq))
        ok = np.ones(qs.size, bool)
        if exclude_self:
            is_self = j == qs[:, None]
            ok &= is_self.sum(1) == 1
            j = j[ok][~is_self[ok]].reshape(-1, kq - 1)
            dist = dist[ok][~is_self[ok]].reshape(-1, kq - 1)
            qs_ok = qs[ok]
        else:
            qs_ok = qs
        good = np.ones(qs_ok.size, bool)
        if batch_x is not None:
            good &= (batch_x[j] == batch_y[qs_ok][:, None]).all(1)
        if j.shape[1] > k:
            good &= dist[:, k] > dist[:, k - 1] * (1.0 + _BAND)
        # else the tree returned every source there is: nothing to decide
        rows = np.sort(j[good][:, :k], axis=1)
        out_j[qs_ok[good]] = rows
        slow = np.concatenate([qs[~ok], qs_ok[~good]])
        return slow

    jobs = [(s, min(s + _QUERY_CHUNK, m)) for s in range(0, m, _QUERY_CHUNK)]
    slow = _map(search, jobs, workers)
    slow_rows = np.sort(np.concatenate(slow)) if slow else np.zeros(0, np.int64)
    if slow_rows.size:
        settle(slow_rows)
    flat = out_j.ravel()
    q_row, s_row = (1, 0) if flip else (0, 1)
    if slow_rows.size == 0:
        out = np.empty((2, flat.size), np.int64)
        out[q_row] = np.repeat(np.arange(m, dtype=np.int64), k)
        out[s_row] = flat
        return out
    valid = flat >= 0
    out = np.empty((2, int(valid.sum())), np.int64)
    out[q_row] = np.repeat(np.arange(m, dtype=np.int64), k)[valid]
    out[s_row] = flat[valid]
    return out
