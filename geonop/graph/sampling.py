"""Point subsampling: farthest-point, voxel-grid and uniform random, per graph of a batch.

Every sampler returns a ``torch.long`` vector of indices into ``pos`` (so it applies to any
per-point field: ``x[idx]``, ``batch[idx]``). With a ``batch`` vector each graph is sampled
on its own (a ratio applies per graph, and every non-empty graph keeps at least one point);
graph ids need not be sorted. Results are deterministic given ``generator``.

Output order:

* :func:`farthest_point_sample`: graph by graph (ascending id), each in selection order, so
  the first ``m`` indices of a graph are its ``m``-point farthest-point sample.
* :func:`voxel_sample` and :func:`random_sample`: ascending index order, so the subset keeps
  the original point order.

Farthest-point sampling has two exact implementations that return identical indices (ties
go to the lowest index, as in a plain argmax):

* a dense one in torch, all graphs at once on a padded ``[B, max_n]`` layout, with in-place
  buffers and no host synchronisation inside the loop (used on CUDA and for small graphs);
* a pruned one for large graphs on CPU: points are sorted along a Morton curve into blocks of
  128 with bounding boxes, and an iteration only recomputes the blocks that the new sample
  can still improve (those whose box is closer to it than their current largest distance).
  Late iterations touch a few percent of the points; see ``benchmarks/bench_sampling.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from geonop.errors import InvalidArgumentError, InvalidMeshError

# Graphs at least this large use the pruned CPU algorithm (below it the dense loop's
# lower per-iteration overhead wins).
_PRUNE_MIN_POINTS = 4096
_PRUNE_MAX_DIM = 4  # bounding boxes prune poorly in higher dimensions
_BLOCK = 128  # points per block of the pruned algorithm
_ARGMAX_BLOCK = 256  # CPU argmax runs as a blocked max (vectorised) then a short argmax


def farthest_point_sample(
    pos: Tensor,
    num_samples: int | None = None,
    ratio: float | None = None,
    batch: Tensor | None = None,
    random_start: bool = False,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Farthest-point sampling: repeatedly pick the point farthest from those already picked.

    Parameters
    ----------
    pos : Tensor of shape [N, d]
        Point coordinates (any ``d >= 1``). Computation runs in ``pos``'s dtype (half
        precision is promoted to float32); float32 is the faster choice.
    num_samples : int, optional
        Points to pick per graph. Exactly one of ``num_samples`` and ``ratio`` is required.
    ratio : float, optional
        Fraction in (0, 1] to pick per graph: ``ceil(ratio * n_b)`` points (at least 1).
    batch : LongTensor of shape [N], optional
        Graph id of each point (values ``>= 0``, any order).
    random_start : bool
        Start each graph at a random point instead of its first point.
    generator : torch.Generator, optional
        Source of randomness for ``random_start``.

    Returns
    -------
    LongTensor of shape [sum_b k_b]
        Indices into ``pos``: graph by graph, each in selection order.

    Raises
    ------
    InvalidArgumentError
        Bad shapes or dtypes, both or neither of ``num_samples``/``ratio``, ``num_samples``
        < 1 or larger than a graph, ``ratio`` outside (0, 1], a bad ``batch``.
    InvalidMeshError
        ``pos`` contains NaN or Inf.
    """
    pos = _check_pos(pos, "farthest_point_sample")
    order, counts = _graph_layout(batch, pos)
    ks = _sample_counts(counts, num_samples, ratio)
    starts = _starts(counts, random_start, generator)
    ptr = torch.cumsum(counts, 0) - counts

    work = pos.detach()
    if work.dtype not in (torch.float32, torch.float64):
        work = work.float()
    grouped = work if order is None else work[order]
    prune = pos.device.type == "cpu" and pos.size(1) <= _PRUNE_MAX_DIM
    sizes, wanted = counts.tolist(), ks.tolist()
    big = [b for b, n in enumerate(sizes) if prune and n >= _PRUNE_MIN_POINTS and wanted[b]]
    pruned = set(big)
    small = [b for b, k in enumerate(wanted) if k > 0 and b not in pruned]
    picks: dict[int, Tensor] = {}
    for b in big:
        lo, n = int(ptr[b]), sizes[b]
        local = _fps_pruned(grouped[lo : lo + n].cpu().numpy(), wanted[b], int(starts[b]))
        picks[b] = torch.from_numpy(local) + lo
    if small:
        sel = torch.tensor(small)
        local = _fps_dense(grouped, ptr[sel], counts[sel], ks[sel], starts[sel])
        for row, b in enumerate(small):
            picks[b] = local[row, : wanted[b]] + int(ptr[b])
    out = [picks[b] for b in sorted(picks)]
    flat = torch.cat(out) if out else torch.empty(0, dtype=torch.long, device=pos.device)
    return flat if order is None else order[flat]


def voxel_sample(
    pos: Tensor,
    voxel_size: float | Sequence[float] | Tensor,
    batch: Tensor | None = None,
    start: None | float | Sequence[float] | Tensor = None,
) -> Tensor:
    """Keep one point per occupied voxel: the one nearest the voxel's centre.

    Voxels are the cells of a regular grid of spacing ``voxel_size`` anchored at ``start``;
    points of different graphs never share a voxel. Ties in distance go to the lowest index,
    so the result is deterministic.

    Parameters
    ----------
    pos : Tensor of shape [N, d]
        Point coordinates.
    voxel_size : float or sequence of d floats or Tensor of shape [d]
        Edge length of the voxels per axis, each > 0.
    batch : LongTensor of shape [N], optional
        Graph id of each point.
    start : float or sequence of d floats or Tensor of shape [d], optional
        Grid origin. Default: the minimum of ``pos`` over all points.

    Returns
    -------
    LongTensor of shape [M]
        Ascending indices into ``pos``, one per occupied voxel.

    Raises
    ------
    InvalidArgumentError
        ``voxel_size`` not positive/finite or of the wrong length, ``start`` of the wrong
        length or above a point, a bad ``batch``.
    InvalidMeshError
        ``pos`` contains NaN or Inf.
    """
    pos = _check_pos(pos, "voxel_sample")
    n, d = pos.shape
    _graph_layout(batch, pos)  # validates batch
    if n == 0:
        return torch.empty(0, dtype=torch.long, device=pos.device)
    work = pos.detach().double()
    size = _per_axis(voxel_size, d, "voxel_size", work)
    if not bool(torch.isfinite(size).all()) or bool((size <= 0).any()):
        raise InvalidArgumentError(f"voxel_size: must be finite and > 0, got {size.tolist()}")
    origin = work.min(0).values if start is None else _per_axis(start, d, "start", work)
    cell = torch.floor((work - origin) / size)
    if bool((cell < 0).any()):
        raise InvalidArgumentError("start: the grid origin must not exceed any point coordinate")
    cell = cell.long()
    columns = [cell[:, j] for j in range(d)]
    if batch is not None:
        columns.insert(0, batch.long())
    voxel = _row_ids(columns)
    centre = origin + (cell.double() + 0.5) * size
    dist = ((work - centre) ** 2).sum(1)
    num_voxels = int(voxel.max()) + 1
    best = dist.new_full((num_voxels,), math.inf).scatter_reduce_(0, voxel, dist, "amin")
    nearest = dist == best[voxel]
    index = torch.arange(n, device=pos.device)
    chosen = torch.full((num_voxels,), n, dtype=torch.long, device=pos.device)
    chosen.scatter_reduce_(0, voxel[nearest], index[nearest], "amin")
    return chosen.sort().values


def random_sample(
    pos: Tensor,
    num_samples: int | None = None,
    ratio: float | None = None,
    batch: Tensor | None = None,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Uniform random subset without replacement, per graph.

    Parameters
    ----------
    pos : Tensor of shape [N, ...]
        Any per-point tensor; only its length (and device) is used.
    num_samples : int, optional
        Points to keep per graph. Exactly one of ``num_samples`` and ``ratio`` is required.
    ratio : float, optional
        Fraction in (0, 1] to keep per graph: ``ceil(ratio * n_b)`` points (at least 1).
    batch : LongTensor of shape [N], optional
        Graph id of each point.
    generator : torch.Generator, optional
        Source of randomness (on any device).

    Returns
    -------
    LongTensor of shape [sum_b k_b]
        Ascending indices into ``pos``.

    Raises
    ------
    InvalidArgumentError
        As in :func:`farthest_point_sample`.
    """
    if not isinstance(pos, Tensor) or pos.dim() < 1:
        raise InvalidArgumentError("pos: expected a tensor of shape [N, ...]")
    _, counts = _graph_layout(batch, pos)
    ks = _sample_counts(counts, num_samples, ratio)
    n = pos.size(0)
    gen_device = generator.device if generator is not None else torch.device("cpu")
    keys = torch.rand(n, generator=generator, device=gen_device, dtype=torch.float64)
    keys = keys.to(pos.device)
    graph = (
        torch.zeros(n, dtype=torch.float64, device=pos.device)
        if batch is None
        else batch.to(torch.float64)
    )
    # Sorting graph id + a key in [0, 1) groups the points by graph in random order.
    perm = torch.argsort(graph + keys)
    ptr = (torch.cumsum(counts, 0) - counts).to(pos.device)
    sorted_graph = torch.repeat_interleave(
        torch.arange(len(counts), device=pos.device), counts.to(pos.device)
    )
    rank = torch.arange(n, device=pos.device) - ptr[sorted_graph]
    keep = rank < ks.to(pos.device)[sorted_graph]
    return perm[keep].sort().values


# ----------------------------------------------------------------------------------------
# validation helpers


def _check_pos(pos: Tensor, what: str) -> Tensor:
    if not isinstance(pos, Tensor):
        raise InvalidArgumentError(f"pos: expected a torch.Tensor, got {type(pos).__name__}")
    if pos.dim() != 2:
        raise InvalidArgumentError(f"pos: expected shape [N, d], got {tuple(pos.shape)}")
    if not pos.is_floating_point():
        raise InvalidArgumentError(f"pos: expected a floating-point tensor, got {pos.dtype}")
    if pos.size(1) == 0:
        raise InvalidArgumentError(f"pos: {what} needs at least one coordinate (d >= 1)")
    if pos.numel() and not bool(torch.isfinite(pos).all()):
        raise InvalidMeshError("pos: contains NaN or Inf coordinates")
    return pos


def _graph_layout(batch: Tensor | None, pos: Tensor) -> tuple[Tensor | None, Tensor]:
    """Stable permutation grouping the points by graph (None if already grouped) and the
    number of points of each graph (on CPU)."""
    n = pos.size(0)
    if batch is None:
        return None, torch.tensor([n])
    if not isinstance(batch, Tensor) or batch.dim() != 1:
        raise InvalidArgumentError("batch: expected a 1-D integer tensor of graph ids")
    if batch.is_floating_point() or batch.dtype == torch.bool or batch.is_complex():
        raise InvalidArgumentError(f"batch: expected an integer tensor, got {batch.dtype}")
    if batch.numel() != n:
        raise InvalidArgumentError(f"batch: has {batch.numel()} entries but pos has {n} points")
    if batch.device != pos.device:
        raise InvalidArgumentError(f"batch: on {batch.device}, but pos is on {pos.device}")
    if n == 0:
        return None, torch.zeros(0, dtype=torch.long)
    if int(batch.min()) < 0:
        raise InvalidArgumentError("batch: graph ids must be >= 0")
    batch = batch.long()
    counts = torch.bincount(batch).cpu()
    if bool((batch[1:] >= batch[:-1]).all()):
        return None, counts
    return torch.argsort(batch, stable=True), counts


def _sample_counts(counts: Tensor, num_samples: int | None, ratio: float | None) -> Tensor:
    if (num_samples is None) == (ratio is None):
        raise InvalidArgumentError("num_samples, ratio: give exactly one of them")
    if num_samples is not None:
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)):
            raise InvalidArgumentError(f"num_samples: expected an int, got {num_samples!r}")
        if num_samples < 1:
            raise InvalidArgumentError(f"num_samples: must be >= 1, got {num_samples}")
        if len(counts) == 0:
            raise InvalidArgumentError(f"num_samples: {num_samples} requested from 0 points")
        too_small = torch.nonzero(counts < num_samples).flatten()
        if len(too_small):
            b = int(too_small[0])
            where = "pos" if len(counts) == 1 else f"graph {b}"
            raise InvalidArgumentError(
                f"num_samples: {num_samples} is larger than the {int(counts[b])} points of {where}"
            )
        return torch.full_like(counts, int(num_samples))
    if isinstance(ratio, bool) or not isinstance(ratio, (float, int, np.floating, np.integer)):
        raise InvalidArgumentError(f"ratio: expected a float, got {ratio!r}")
    if not 0.0 < float(ratio) <= 1.0:
        raise InvalidArgumentError(f"ratio: must be in (0, 1], got {ratio}")
    ks = torch.ceil(counts.double() * float(ratio)).long()
    return torch.minimum(ks.clamp(min=1), counts)


def _starts(counts: Tensor, random_start: bool, generator: torch.Generator | None) -> Tensor:
    if not random_start:
        return torch.zeros_like(counts)
    gen_device = generator.device if generator is not None else torch.device("cpu")
    u = torch.rand(len(counts), generator=generator, device=gen_device, dtype=torch.float64)
    return torch.minimum((u.cpu() * counts).long(), (counts - 1).clamp(min=0))


def _per_axis(value: float | Sequence[float] | Tensor, d: int, name: str, like: Tensor) -> Tensor:
    t = torch.as_tensor(value, dtype=like.dtype).to(like.device).flatten()
    if t.numel() == 1:
        t = t.expand(d)
    if t.numel() != d:
        raise InvalidArgumentError(f"{name}: expected a scalar or {d} values, got {t.numel()}")
    return t


def _row_ids(columns: list[Tensor]) -> Tensor:
    """Dense ids of the distinct rows of the given integer columns (all >= 0)."""
    extents = [int(c.max()) + 1 for c in columns]
    if math.prod(extents) < 2**62:
        key = columns[0].clone()
        for col, ext in zip(columns[1:], extents[1:], strict=True):
            key.mul_(ext).add_(col)
        return torch.unique(key, return_inverse=True)[1]
    return torch.unique(torch.stack(columns, 1), dim=0, return_inverse=True)[1]


# ----------------------------------------------------------------------------------------
# farthest-point kernels


def _fps_dense(pos: Tensor, ptr: Tensor, counts: Tensor, ks: Tensor, starts: Tensor) -> Tensor:
    """Farthest-point sampling of several graphs at once on a padded layout.

    ``pos`` holds the graphs contiguously (graph b at ``ptr[b]:ptr[b] + counts[b]``).
    Returns local indices of shape [B, max k].
    """
    device = pos.device
    d = pos.size(1)
    num_graphs = len(counts)
    width = int(counts.max())
    blocked = device.type == "cpu"
    if blocked:
        width = -(-width // _ARGMAX_BLOCK) * _ARGMAX_BLOCK
    graph = torch.repeat_interleave(torch.arange(num_graphs), counts)
    local = torch.arange(int(counts.sum())) - torch.repeat_interleave(
        torch.cumsum(counts, 0) - counts, counts
    )
    rows = (ptr[graph] + local).to(device)
    graph, local = graph.to(device), local.to(device)
    # coordinates first, so each coordinate update is a contiguous [B, width] operation
    pts = pos.new_zeros(d, num_graphs, width)
    pts[:, graph, local] = pos[rows].t()
    dist = pos.new_full((num_graphs, width), -1.0)  # padding never wins the argmax
    dist[graph, local] = math.inf
    q = torch.empty_like(dist)
    d2 = torch.empty_like(dist)
    kmax = int(ks.max())
    sel = torch.empty(num_graphs, kmax, dtype=torch.long, device=device)
    arange = torch.arange(num_graphs, device=device)
    cur = starts.to(device)
    for i in range(kmax):
        sel[:, i] = cur
        p = pts[:, arange, cur].unsqueeze(-1)  # [d, B, 1]
        for c in range(d):
            torch.sub(pts[c], p[c], out=q)
            if c == 0:
                torch.mul(q, q, out=d2)
            else:
                d2.add_(q.mul_(q))
        torch.minimum(dist, d2, out=dist)
        cur = _argmax_rows(dist, blocked)
    return sel


def _argmax_rows(dist: Tensor, blocked: bool) -> Tensor:
    """First index of each row's maximum. On CPU, ``argmax`` is not vectorised but ``amax``
    is, so find the first block holding the maximum, then the position inside it."""
    if not blocked:
        return dist.argmax(1)
    b, w = dist.shape
    blocks = dist.view(b, w // _ARGMAX_BLOCK, _ARGMAX_BLOCK)
    which = blocks.amax(2).argmax(1)
    inner = blocks[torch.arange(b, device=dist.device), which].argmax(1)
    return which * _ARGMAX_BLOCK + inner


def _morton_order(pos: np.ndarray) -> np.ndarray:
    n, d = pos.shape
    bits = max(1, min(21, 62 // d))
    lo = pos.min(0)
    span = float((pos.max(0) - lo).max())
    scale = ((1 << bits) - 1) / span if span > 0 else 0.0
    q = ((pos - lo) * scale).astype(np.int64)
    code = np.zeros(n, dtype=np.int64)
    for bit in range(bits):
        for j in range(d):
            code |= ((q[:, j] >> bit) & 1) << (bit * d + j)
    return np.argsort(code, kind="stable")


def _fps_pruned(pos: np.ndarray, k: int, start: int) -> np.ndarray:
    """Exact farthest-point sampling of one graph on CPU, skipping blocks it cannot change.

    A block is recomputed only if the squared distance from the new sample to the block's
    bounding box is below the block's largest current distance; otherwise no point of the
    block can get closer. Rounding is monotone, so the computed box distance never exceeds a
    computed point distance and the skip is exact.
    """
    n, d = pos.shape
    order = _morton_order(pos)
    nblocks = -(-n // _BLOCK)
    padded = np.empty((nblocks * _BLOCK, d), dtype=pos.dtype)
    padded[:n] = pos[order]
    padded[n:] = padded[n - 1]  # duplicates keep the boxes tight
    pts = np.ascontiguousarray(padded.reshape(nblocks, _BLOCK, d).transpose(0, 2, 1))
    lo, hi = pts.min(2), pts.max(2)  # [blocks, d]
    dist = np.full((nblocks, _BLOCK), np.inf, dtype=pos.dtype)
    dist.reshape(-1)[n:] = -1.0
    orig = np.full(nblocks * _BLOCK, n, dtype=np.int64)
    orig[:n] = order
    orig = orig.reshape(nblocks, _BLOCK)
    block_max = np.full(nblocks, np.inf, dtype=pos.dtype)
    slot = int(np.flatnonzero(order == start)[0])
    out = np.empty(k, dtype=np.int64)
    zero = pos.dtype.type(0)
    for i in range(k):
        r, c = divmod(slot, _BLOCK)
        out[i] = orig[r, c]
        p = pts[r, :, c].copy()
        gap = np.maximum(lo - p, zero)
        gap += np.maximum(p - hi, zero)
        gap *= gap
        box = gap[:, 0].copy()
        for j in range(1, d):
            box += gap[:, j]
        rows = np.flatnonzero(box < block_max)
        q = pts[rows] - p[:, None]
        q *= q
        d2 = q[:, 0]
        for j in range(1, d):
            d2 += q[:, j]
        upd = np.minimum(dist[rows], d2)
        dist[rows] = upd
        block_max[rows] = upd.max(1)
        slot = _first_max(dist, block_max, orig)
    return out


def _first_max(dist: np.ndarray, block_max: np.ndarray, orig: np.ndarray) -> int:
    """Slot of the largest distance, ties broken by the lowest original index."""
    r = int(np.argmax(block_max))
    m = block_max[r]
    tied_blocks = np.flatnonzero(block_max == m)
    if len(tied_blocks) == 1:
        cols = np.flatnonzero(dist[r] == m)
        c = cols[0] if len(cols) == 1 else cols[np.argmin(orig[r, cols])]
        return r * _BLOCK + int(c)
    rr, cc = np.nonzero(dist[tied_blocks] == m)
    j = int(np.argmin(orig[tied_blocks[rr], cc]))
    return int(tied_blocks[rr[j]]) * _BLOCK + int(cc[j])


__all__ = ["farthest_point_sample", "random_sample", "voxel_sample"]
