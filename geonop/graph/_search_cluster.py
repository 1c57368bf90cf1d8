"""The ``"cluster"`` backend: candidates from torch-cluster or pyg-lib, checked exactly.

Those libraries are fast on GPU but differ from geonop's contract: they drop neighbours
beyond ``max_num_neighbors`` in no particular order, break distance ties arbitrarily,
use their own rounding and know no periodic box. So they only *propose* candidates
(a slightly larger radius, one or two extra neighbours); every kept pair passes the
shared float64 predicate :func:`geonop.graph._search_torch.sqdist`, and any query whose
answer the candidates cannot prove (a full candidate list, a near tie at the k-th
neighbour) is redone by the torch backend. Periodic boxes go straight to the torch
backend. The result is therefore identical to the other backends.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import torch
from torch import Tensor

from geonop import optional
from geonop.graph import _search_torch

#: neighbours asked per query in a radius search; a query that fills the list is redone
CANDIDATES: int = 64
_INFLATE = 1e-9
_BAND = 1e-9


def _pyg_ops() -> bool:
    try:
        ops = torch.ops.pyg
        return hasattr(ops, "radius") and hasattr(ops, "knn")
    except (AttributeError, RuntimeError):
        return False


def available() -> bool:
    """True when torch-cluster imports, or pyg-lib with its radius/knn operators."""
    if optional.WITH_TORCH_CLUSTER:
        return True
    return bool(optional.WITH_PYG_LIB) and _pyg_ops()


def _ptr(batch: Tensor | None, num_graphs: int) -> Tensor | None:
    if batch is None:
        return None
    counts = torch.bincount(batch, minlength=num_graphs)
    return torch.cat([counts.new_zeros(1), torch.cumsum(counts, 0)])


def _radius_candidates(
    x: Tensor,
    y: Tensor,
    r: float,
    bx: Tensor | None,
    by: Tensor | None,
    limit: int,
    num_graphs: int,
) -> tuple[Tensor, Tensor]:
    if optional.WITH_TORCH_CLUSTER:
        tc = importlib.import_module("torch_cluster")
        e = tc.radius(x, y, r, bx, by, max_num_neighbors=limit)
    else:
        e = torch.ops.pyg.radius(
            x, y, _ptr(bx, num_graphs), _ptr(by, num_graphs), r, limit, 1, False
        )
    return e[0].long(), e[1].long()


def _knn_candidates(
    x: Tensor, y: Tensor, k: int, bx: Tensor | None, by: Tensor | None, num_graphs: int
) -> tuple[Tensor, Tensor]:
    if optional.WITH_TORCH_CLUSTER:
        tc = importlib.import_module("torch_cluster")
        e = tc.knn(x, y, k, bx, by)
    else:
        e = torch.ops.pyg.knn(x, y, _ptr(bx, num_graphs), _ptr(by, num_graphs), k, False, 1)
    return e[0].long(), e[1].long()


def _sorted(i: Tensor, j: Tensor, n_src: int, *extra: Tensor) -> tuple[Tensor, ...]:
    order = torch.argsort(i * n_src + j)
    return (i[order], j[order]) + tuple(t[order] for t in extra)


def _redo(
    search: Callable[..., tuple[Tensor, Tensor]],
    found: tuple[Tensor, Tensor],
    redo: Tensor,
    x: Tensor,
    y: Tensor,
    size: float,
    batch_x: Tensor | None,
    batch_y: Tensor | None,
    self_ids: Tensor | None,
    **kw: object,
) -> tuple[Tensor, Tensor]:
    """``found`` with the queries ``redo`` answered by the torch backend's ``search``
    instead (radius ``size`` or k = ``size``), sorted by query, then source."""
    i, j = found
    if redo.numel() == 0:
        return i, j
    by = batch_y[redo] if batch_y is not None else None
    sid = self_ids[redo] if self_ids is not None else None
    i2, j2 = search(x, y[redo], size, batch_x, by, None, self_ids=sid, **kw)
    return _sorted(torch.cat([i, redo[i2]]), torch.cat([j, j2]), x.shape[0])


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
) -> tuple[Tensor, Tensor]:
    """Same contract as :func:`geonop.graph._search_torch.radius_search`."""
    n, m = x.shape[0], y.shape[0]
    if box is not None or n == 0 or m == 0:
        return _search_torch.radius_search(
            x,
            y,
            r,
            batch_x,
            batch_y,
            box,
            self_ids=self_ids,
            max_num_neighbors=max_num_neighbors,
            num_graphs=num_graphs,
        )
    row, col = _radius_candidates(
        x, y, r * (1.0 + _INFLATE), batch_x, batch_y, CANDIDATES, num_graphs
    )
    full = torch.bincount(row, minlength=m) >= CANDIDATES
    d2 = _search_torch.sqdist(x[col], y[row], None)
    keep = _search_torch.pair_mask(row, col, batch_x, batch_y, self_ids, (d2 <= r * r) & ~full[row])
    i, j, d2 = _sorted(row[keep], col[keep], n, d2[keep])
    if max_num_neighbors is not None:
        mask = _search_torch.cap_nearest(i, j, d2, max_num_neighbors)
        if mask is not None:
            i, j = i[mask], j[mask]
    redo = torch.nonzero(full).flatten()
    return _redo(
        _search_torch.radius_search, (i, j), redo, x, y, r, batch_x, batch_y, self_ids,
        max_num_neighbors=max_num_neighbors, num_graphs=num_graphs,
    )  # fmt: skip


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
    """Same contract as :func:`geonop.graph._search_torch.knn_search`."""
    n, m = x.shape[0], y.shape[0]
    if box is not None or n == 0 or m == 0:
        return _search_torch.knn_search(
            x, y, k, batch_x, batch_y, box, self_ids=self_ids, num_graphs=num_graphs
        )
    asked = min(k + (2 if self_ids is not None else 1), n)
    row, col = _knn_candidates(x, y, asked, batch_x, batch_y, num_graphs)
    d2 = _search_torch.sqdist(x[col], y[row], None)
    returned = torch.bincount(row, minlength=m)
    farthest = torch.zeros(m, dtype=torch.float64, device=x.device)
    farthest = farthest.scatter_reduce(0, row, d2, "amax", include_self=True)
    usable = _search_torch.pair_mask(row, col, batch_x, batch_y, self_ids)
    row, col, d2 = row[usable], col[usable], d2[usable]
    # order each query's candidates by (d2, j): sort by j, then stably by d2, then by row
    o = torch.argsort(col)
    o = o[torch.sort(d2[o], stable=True).indices]
    o = o[torch.sort(row[o], stable=True).indices]
    row, col, d2 = row[o], col[o], d2[o]
    counts = torch.bincount(row, minlength=m)
    start = torch.cumsum(counts, 0) - counts
    rank = torch.arange(row.numel(), device=x.device) - start[row]
    kth = torch.full((m,), float("inf"), dtype=torch.float64, device=x.device)
    at_k = rank == k - 1
    kth[row[at_k]] = d2[at_k]
    # fewer returned than asked: the graph had no more; else the k-th must clear the rest
    settled = (returned < asked) | (kth < farthest * (1.0 - _BAND))
    take = (rank < k) & settled[row]
    i, j = _sorted(row[take], col[take], n)
    redo = torch.nonzero(~settled).flatten()
    return _redo(
        _search_torch.knn_search, (i, j), redo, x, y, k, batch_x, batch_y, self_ids,
        num_graphs=num_graphs,
    )  # fmt: skip
