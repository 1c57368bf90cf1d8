"""Neighbour search in pure torch: a sorted cell list that runs on any device.

Every function here takes *validated* inputs (see :mod:`geonop.graph.neighbors`):
float64 coordinates, int64 batch vectors (or ``None``), an optional float64 periodic box,
and returns edges ``(query, source)`` as int64 tensors sorted by query, then source.

How it works: the source points are binned into cells at least as wide as the search
radius (on at most three axes, the widest ones; a search on a projection finds a
superset, the exact test then uses every axis). Cells are keyed ``(graph, c0, c1, c2)``
row-major and the points sorted by key, so each query's stencil is a handful of
contiguous runs of that sorted array, found with ``searchsorted``. Candidates are
expanded in chunks of at most :data:`CHUNK` pairs, so memory never grows like
``N * M``; the distance test is :func:`sqdist`, the one formula every backend shares.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

#: largest number of candidate pairs expanded at once on the CPU (memory bound, ~100 B each)
CHUNK_CPU: int = 1 << 21
#: the same on an accelerator
CHUNK_GPU: int = 1 << 23
#: relative margin on the cell width, so rounding in the cell index can never hide a pair
_CELL_MARGIN = 1e-6
#: a kNN search starts at this multiple of the density estimate of the k-th neighbour distance
_KNN_START = 1.3


def _chunk(device: torch.device) -> int:
    return CHUNK_CPU if device.type == "cpu" else CHUNK_GPU


def sqdist(a: Tensor, b: Tensor, box: Tensor | None) -> Tensor:
    """Squared Euclidean (minimum-image when ``box`` is given) distance, row by row.

    This is the predicate of every backend: each operation is a single IEEE float64
    operation done in the same order (axis 0 first), so numpy and torch on any device give
    bit-identical values. ``_search_scipy.sqdist`` mirrors it.

    Args:
        a: Tensor of shape [E, d], float64.
        b: Tensor of shape [E, d], float64.
        box: Tensor of shape [d] (periodic lengths) or ``None``.

    Returns:
        Tensor of shape [E], float64.
    """
    diff = a - b
    if box is not None:
        diff = diff.abs_()
        diff = torch.minimum(diff, box - diff)
    diff = diff.mul_(diff)
    out = diff[:, 0].clone()
    for k in range(1, diff.shape[1]):
        out += diff[:, k]
    return out


def _sqdist_cols(
    xcols: list[Tensor], ycols: list[Tensor], j: Tensor, i: Tensor, box: Tensor | None
) -> Tensor:
    """:func:`sqdist` of ``x[j]`` and ``y[i]`` from coordinate columns, same operations."""
    out = None
    for k in range(len(xcols)):
        dk = xcols[k].index_select(0, j) - ycols[k].index_select(0, i)
        if box is not None:
            dk = dk.abs_()
            dk = torch.minimum(dk, box[k] - dk)
        dk = dk.mul_(dk)
        out = dk if out is None else out.add_(dk)
    assert out is not None
    return out


class _Grid:
    """Cell geometry for one search: which axes are binned, cell counts, offsets."""

    def __init__(
        self, x: Tensor, y: Tensor, r: float, box: Tensor | None, num_graphs: int, sub: int
    ) -> None:
        d = x.shape[1]
        if box is not None:
            lo = torch.zeros(d, dtype=torch.float64, device=x.device)
            extent = box
        else:
            lo = torch.minimum(x.min(0).values, y.min(0).values)
            extent = torch.maximum(x.max(0).values, y.max(0).values) - lo
        ext = extent.tolist()
        axes = sorted(range(d), key=lambda a: -ext[a])[: min(d, 3)]
        # the key holds (graph, cells...) in 62 bits; wider cells when they would not fit
        bits = (62 - max(num_graphs, 1).bit_length()) // len(axes)
        max_cells = 1 << min(bits, 30)
        width = r * (1.0 + _CELL_MARGIN) / sub
        self.axes = axes
        self.sub = sub
        self.periodic = box is not None
        self.n: list[int] = []
        self.h: list[float] = []
        for a in axes:
            if self.periodic:
                n = max(1, min(math.floor(ext[a] / width), max_cells))
                h = ext[a] / n
            else:
                h = max(width, ext[a] * (1.0 + _CELL_MARGIN) / (max_cells - 1))
                n = math.floor(ext[a] / h) + 1
            self.n.append(n)
            self.h.append(h)
        self.lo = lo[axes]
        self.hvec = torch.tensor(self.h, dtype=torch.float64, device=x.device)
        self.nvec = torch.tensor(self.n, dtype=torch.long, device=x.device)

    def cells(self, p: Tensor) -> Tensor:
        c = torch.floor((p[:, self.axes] - self.lo) / self.hvec).long()
        return torch.minimum(c.clamp_(min=0), self.nvec - 1)

    def keys(self, batch: Tensor | None, c: Tensor) -> Tensor:
        key = batch.clone() if batch is not None else torch.zeros_like(c[:, 0])
        for g, n in enumerate(self.n):
            key = key * n + c[:, g]
        return key

    def _neighbour_cells(self, c: Tensor, g: int) -> Tensor:
        """Cells along a non-run axis that a query in cell ``c`` must visit: [Q, m]."""
        n, s = self.n[g], self.sub
        if self.periodic and n <= 2 * s + 1:
            # the stencil covers every cell, some twice over the seam: visit each once
            return torch.arange(n, device=c.device).expand(c.shape[0], n)
        off = torch.arange(-s, s + 1, device=c.device)
        nc = c[:, None] + off[None, :]
        if self.periodic:
            return torch.remainder(nc, n)
        return nc  # out-of-range cells are masked by the caller

    def runs(self, batch: Tensor | None, c: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Key ranges ``[first, last]`` each query must scan, and which are real.

        The last binned axis varies fastest in the key, so the stencil's cells along it
        are one contiguous key range (two when it wraps around a periodic seam).

        Returns:
            (first, last, valid), each a Tensor of shape [Q, R].
        """
        q = c.shape[0]
        dev = c.device
        prefix = (
            batch.clone() if batch is not None else torch.zeros(q, dtype=torch.long, device=dev)
        )
        prefix = prefix[:, None]
        valid = torch.ones(q, 1, dtype=torch.bool, device=dev)
        for g in range(len(self.n) - 1):
            nc = self._neighbour_cells(c[:, g], g)
            ok = (nc >= 0) & (nc < self.n[g])
            prefix = (prefix[:, :, None] * self.n[g] + nc[:, None, :]).reshape(q, -1)
            valid = (valid[:, :, None] & ok[:, None, :]).reshape(q, -1)
        n, s = self.n[-1], self.sub
        cl = c[:, -1]
        a0 = (cl - s).clamp(min=0)
        a1 = (cl + s).clamp(max=n - 1)
        pieces = [(a0, a1, torch.ones_like(cl, dtype=torch.bool))]
        if self.periodic and n > 2 * s + 1:
            # the part of the stencil that wraps around the seam (never both sides)
            low = cl - s < 0
            b0 = torch.where(low, cl - s + n, torch.zeros_like(cl))
            b1 = torch.where(low, torch.full_like(cl, n - 1), cl + s - n)
            pieces.append((b0, b1, low | (cl + s > n - 1)))
        elif self.periodic:
            pieces = [(torch.zeros_like(cl), torch.full_like(cl, n - 1), pieces[0][2])]
        first = torch.cat([prefix * n + p0[:, None] for p0, _, _ in pieces], 1)
        last = torch.cat([prefix * n + p1[:, None] for _, p1, _ in pieces], 1)
        ok = torch.cat([valid & pv[:, None] for _, _, pv in pieces], 1)
        return first, last, ok


def _split_segments(start: Tensor, count: Tensor, owner: Tensor, limit: int):
    """Cut segments longer than ``limit`` into pieces so every chunk stays bounded."""
    if count.numel() == 0 or int(count.max()) <= limit:
        return start, count, owner
    pieces = (count + limit - 1) // limit
    idx = torch.repeat_interleave(torch.arange(count.numel(), device=count.device), pieces)
    first_piece = torch.cumsum(pieces, 0) - pieces
    k = torch.arange(idx.numel(), device=count.device) - first_piece[idx]
    new_start = start[idx] + k * limit
    new_count = torch.minimum(count[idx] - k * limit, torch.full_like(k, limit))
    return new_start, new_count, owner[idx]


def _chunks(cum: Tensor, limit: int):
    """Yield ``(lo, hi)`` segment ranges holding at most ``limit`` candidates each.

    ``cum`` is the inclusive prefix sum of the segment sizes, each at most ``limit``.
    """
    n = cum.numel()
    lo = 0
    while lo < n:
        base = int(cum[lo - 1]) if lo > 0 else 0
        hi = int(torch.searchsorted(cum, torch.tensor(base + limit, device=cum.device), right=True))
        hi = min(max(hi, lo + 1), n)
        yield lo, hi
        lo = hi


def radius_search(
    x: Tensor,
    y: Tensor,
    r: float,
    batch_x: Tensor | None,
    batch_y: Tensor | None,
    box: Tensor | None,
    *,
    self_ids: Tensor | None = None,
    max_num_neighbors: int | None = None,
    num_graphs: int = 1,
    with_dist: bool = False,
):
    """All pairs ``(i, j)`` with ``sqdist(x[j], y[i]) <= r * r`` in the same graph.

    Args:
        x: sources, Tensor of shape [N, d], float64.
        y: queries, Tensor of shape [M, d], float64, same device.
        r: radius (> 0).
        batch_x: Tensor of shape [N] (int64, sorted) or ``None``.
        batch_y: Tensor of shape [M] or ``None``.
        box: Tensor of shape [d] or ``None``.
        self_ids: Tensor of shape [M]: the source index each query stands for; a pair
            ``(i, self_ids[i])`` is dropped (graphs without self-loops).
        max_num_neighbors: keep at most this many per query, the nearest (ties: lower j).
        num_graphs: number of graphs in the batch (bounds the key width).
        with_dist: also return the squared distances.

    Returns:
        ``(i, j)`` or ``(i, j, d2)``: Tensors of shape [E], sorted by ``i`` then ``j``.
    """
    dev = x.device
    n_src, n_dim = x.shape
    empty = torch.empty(0, dtype=torch.long, device=dev)
    if n_src == 0 or y.shape[0] == 0:
        out = (empty, empty.clone())
        return out + (torch.empty(0, dtype=torch.float64, device=dev),) if with_dist else out
    grid = _Grid(x, y, r, box, num_graphs, 2 if n_dim >= 2 else 1)
    skey, perm = torch.sort(grid.keys(batch_x, grid.cells(x)))
    # sorted source columns: neighbouring candidates sit close together in memory
    xcols = [x[:, k].index_select(0, perm) for k in range(n_dim)]
    ycols = [y[:, k].contiguous() for k in range(n_dim)]
    table = _cell_table(skey, grid, num_graphs, y.shape[0])
    r2 = r * r
    limit = _chunk(dev)
    stencil = grid.runs(None, grid.cells(y[:1]))[0].shape[1]
    block = max(1, limit // (4 * stencil))
    parts_i, parts_j, parts_d = [], [], []
    for q0 in range(0, y.shape[0], block):
        yb = y[q0 : q0 + block]
        bb = batch_y[q0 : q0 + block] if batch_y is not None else None
        first, last, ok = grid.runs(bb, grid.cells(yb))
        first, last, ok = first.reshape(-1), last.reshape(-1), ok.reshape(-1)
        if table is not None:
            begin, end = table
            top = begin.numel() - 1
            start = begin.index_select(0, first.clamp(0, top))
            count = end.index_select(0, last.clamp(0, top)) - start
        else:
            start = torch.searchsorted(skey, first)
            count = torch.searchsorted(skey, last, right=True) - start
        count = count * ok
        seg = torch.nonzero(count > 0).flatten()
        owner = torch.div(seg, stencil, rounding_mode="floor") + q0
        start, count, owner = _split_segments(start[seg], count[seg], owner, limit)
        cum = torch.cumsum(count, 0)
        # candidate number c of segment s sits at sorted position c + offset[s]
        offset = start - (cum - count)
        bi, bj, bd = [], [], []
        for s0, s1 in _chunks(cum, limit):
            c0 = int(cum[s0 - 1]) if s0 > 0 else 0
            total = int(cum[s1 - 1]) - c0
            rep = torch.repeat_interleave(
                torch.arange(s0, s1, device=dev), count[s0:s1], output_size=total
            )
            pos = torch.arange(c0, c0 + total, device=dev) + offset.index_select(0, rep)
            qi = owner.index_select(0, rep)
            d2 = _sqdist_cols(xcols, ycols, pos, qi, box)
            cj = perm.index_select(0, pos)
            # the batch is part of the cell key: other graphs are never candidates
            hit = torch.nonzero(pair_mask(qi, cj, None, None, self_ids, d2 <= r2)).flatten()
            bi.append(qi.index_select(0, hit))
            bj.append(cj.index_select(0, hit))
            bd.append(d2.index_select(0, hit))
        if not bi:
            continue
        i, j, d2 = torch.cat(bi), torch.cat(bj), torch.cat(bd)
        order = torch.argsort(i * n_src + j)
        i, j, d2 = i[order], j[order], d2[order]
        if max_num_neighbors is not None:
            keep = cap_nearest(i, j, d2, max_num_neighbors)
            if keep is not None:
                i, j, d2 = i[keep], j[keep], d2[keep]
        parts_i.append(i)
        parts_j.append(j)
        parts_d.append(d2)
    if not parts_i:
        out = (empty, empty.clone())
        return out + (torch.empty(0, dtype=torch.float64, device=dev),) if with_dist else out
    out = (torch.cat(parts_i), torch.cat(parts_j))
    return out + (torch.cat(parts_d),) if with_dist else out


def _cell_table(skey: Tensor, grid: _Grid, num_graphs: int, n_queries: int):
    """Dense ``(begin, end)`` of every cell's run in the sorted keys, when affordable.

    Looking a run up is then two gathers instead of two binary searches. Surfaces or
    clusters in a large box have far more cells than points: those keep ``searchsorted``.
    """
    cells = num_graphs * math.prod(grid.n)
    if cells > 8 * (skey.numel() + n_queries) + (1 << 16):
        return None
    counts = torch.bincount(skey, minlength=cells)
    end = torch.cumsum(counts, 0)
    return end - counts, end


def pair_mask(
    i: Tensor,
    j: Tensor,
    batch_x: Tensor | None,
    batch_y: Tensor | None,
    self_ids: Tensor | None,
    mask: Tensor | None = None,
) -> Tensor:
    """Which candidate pairs ``(query i, source j)`` may be edges: ``mask`` (all, when
    ``None``) and-ed with "same graph" and "not the query's own point".

    Args:
        i, j: Tensors of shape [E] (long), query and source indices.
        batch_x, batch_y: graph ids, shapes [N] and [M], or ``None`` (not checked).
        self_ids: Tensor of shape [M], the source each query stands for, or ``None``.
        mask: Tensor of shape [E] (bool), e.g. the distance test, or ``None``.

    Returns:
        Tensor of shape [E] (bool).
    """
    keep = torch.ones_like(i, dtype=torch.bool) if mask is None else mask
    if batch_x is not None and batch_y is not None:
        keep = keep & (batch_x.index_select(0, j) == batch_y.index_select(0, i))
    if self_ids is not None:
        keep = keep & (j != self_ids.index_select(0, i))
    return keep


def cap_nearest(i: Tensor, j: Tensor, d2: Tensor, m: int) -> Tensor | None:
    """Mask keeping, per query ``i``, the ``m`` pairs with smallest ``(d2, j)``.

    ``i``, ``j`` must be sorted by ``i`` then ``j``. Returns ``None`` when nothing is cut.
    """
    if i.numel() == 0:
        return None
    counts = torch.bincount(i)
    over = counts > m
    if not bool(over.any()):
        return None
    sel = torch.nonzero(over[i]).flatten()
    qs, ds = i[sel], d2[sel]
    # (q, d2, j) order: sel is in j order already; two stable sorts finish the job
    o1 = torch.sort(ds, stable=True).indices
    o2 = torch.sort(qs[o1], stable=True).indices
    order = o1[o2]
    sel_start = torch.cumsum(over.long() * counts, 0) - over.long() * counts
    rank = torch.arange(sel.numel(), device=i.device) - sel_start[qs[order]]
    drop = sel[order[rank >= m]]
    keep = torch.ones(i.numel(), dtype=torch.bool, device=i.device)
    keep[drop] = False
    return keep


def _knn_start_radius(x: Tensor, k: int, box: Tensor | None) -> float:
    """Distance that holds about ``k`` points, from the occupied volume of a coarse grid."""
    n, d = x.shape
    lo, hi = x.min(0).values, x.max(0).values
    ext = (box if box is not None else hi - lo).clamp(min=0)
    diag = float(torch.linalg.vector_norm(ext))
    if diag == 0.0:
        return 1.0
    dims = [a for a in range(d) if float(ext[a]) > diag * 1e-9] or [0]
    dd = len(dims)
    unit_ball = math.pi ** (dd / 2) / math.gamma(dd / 2 + 1)

    def radius_for(volume: float) -> float:
        return (k * volume / (n * unit_ball)) ** (1.0 / dd)

    vol = float(torch.prod(ext[dims]))
    r0 = radius_for(vol)
    # points on a surface or in clusters occupy far less than their bounding box
    h = max(r0, diag * 1e-6)
    counts = [int(float(ext[a]) // h) + 1 for a in dims]
    if dd > 3 or math.prod(counts) >= 1 << 62:
        return max(r0, diag * 1e-9)
    cells = torch.floor((x[:, dims] - lo[dims]) / h).long()
    key = torch.zeros_like(cells[:, 0])
    for g, c in enumerate(counts):
        key = key * c + cells[:, g].clamp(0, c - 1)
    occupied = torch.unique(key).numel()
    r1 = radius_for(min(vol, occupied * h**dd))
    return max(min(r0, r1), diag * 1e-9)


def knn_search(
    x: Tensor,
    y: Tensor,
    k: int,
    batch_x: Tensor | None,
    batch_y: Tensor | None,
    box: Tensor | None,
    *,
    self_ids: Tensor | None = None,
    num_graphs: int = 1,
) -> tuple[Tensor, Tensor]:
    """For each query the ``k`` sources with smallest ``(sqdist, index)``, same graph only.

    A query in a graph with fewer than ``k`` usable sources gets all of them. The search
    is a radius search whose radius doubles, for the queries still short of ``k``,
    until every query is settled (at the latest when the radius spans the whole set).

    Returns:
        ``(i, j)``: Tensors of shape [E], sorted by ``i`` then ``j``.
    """
    dev = x.device
    m_q, n_src = y.shape[0], x.shape[0]
    empty = torch.empty(0, dtype=torch.long, device=dev)
    if m_q == 0 or n_src == 0:
        return empty, empty.clone()
    # how many sources each query can see at most
    if batch_x is not None:
        per_graph = torch.bincount(batch_x, minlength=num_graphs)
        avail = per_graph[batch_y] if batch_y is not None else per_graph[0].expand(m_q)
    else:
        avail = torch.full((m_q,), n_src, dtype=torch.long, device=dev)
    if self_ids is not None:
        avail = avail - 1
    need = torch.minimum(avail, torch.full_like(avail, k))
    radius = _knn_start_radius(x, k, box) * _KNN_START
    lo = x.min(0).values if box is None else torch.zeros_like(box)
    hi = x.max(0).values if box is None else box
    if box is None:
        lo = torch.minimum(lo, y.min(0).values)
        hi = torch.maximum(hi, y.max(0).values)
        span = float(torch.linalg.vector_norm(hi - lo))
    else:
        span = float(torch.linalg.vector_norm(box / 2))
    active = torch.nonzero(need > 0).flatten()
    res_i, res_j = [], []
    while active.numel() > 0:
        last = radius > span
        by = batch_y[active] if batch_y is not None else None
        sid = self_ids[active] if self_ids is not None else None
        i, j = radius_search(
            x,
            y[active],
            radius,
            batch_x,
            by,
            box,
            self_ids=sid,
            max_num_neighbors=k,
            num_graphs=num_graphs,
        )
        # capped at k, so found >= need exactly when the k nearest are all inside
        found = torch.bincount(i, minlength=active.numel())
        done = found >= need[active]
        if last:
            done = torch.ones_like(done)
        sel = done[i]
        i, j = i[sel], j[sel]
        res_i.append(active[i])
        res_j.append(j)
        active = active[~done]
        radius *= 2.0
    if not res_i:
        return empty, empty.clone()
    i, j = torch.cat(res_i), torch.cat(res_j)
    order = torch.argsort(i * n_src + j)
    return i[order], j[order]
