"""Neighbour search: radius and k-nearest-neighbour graphs, PyG-compatible.

:func:`radius`, :func:`radius_graph`, :func:`knn` and :func:`knn_graph` take the same
arguments, in the same order, as the functions of the same names in
``torch_geometric.nn`` / ``torch_cluster``, and return the same kind of ``edge_index``
(a ``torch.long`` tensor of shape [2, E] on the device of ``x``), so they can be swapped
in. What geonop adds or pins down:

* **Exact, documented predicate.** A source ``x[j]`` is within ``r`` of a query
  ``y[i]`` when ``sum_k (x[j, k] - y[i, k])**2 <= r * r``, evaluated in float64 on the
  given coordinates (float32 inputs are widened exactly), axis 0 first. The bound is
  inclusive. With a periodic ``box`` each difference is the minimum image
  ``min(|dx|, L - |dx|)``.
* **Nearest means** smallest ``(squared distance, index)``: ties go to the lower index.
* **No silent caps.** ``max_num_neighbors=None`` (the default) keeps every neighbour.
  PyG defaults to 32 and drops the rest in no particular order; here a cap keeps the
  nearest ones, ties by lower index.
* **Canonical order.** Edges are sorted by centre (query / target) index, then by
  source index, on every backend, so all backends return identical tensors (and
  scatter over the targets touches memory in order).
* **Periodic boxes**: ``box`` gives the d box lengths ``L`` (points in ``[0, L)``);
  distances use the minimum image.
* **Backends**: ``"scipy"`` (cKDTree, CPU, ``num_workers`` threads), ``"numba"`` (a
  compiled cell list, CPU, ``num_workers`` threads; radius searches in 1 to 3 dimensions
  without a periodic box, everything else goes to scipy; needs the ``fast`` extra),
  ``"torch"`` (a sorted cell list in plain torch, any device, memory bounded) and
  ``"cluster"`` (torch-cluster or pyg-lib, when installed, used to propose candidates
  that are then checked exactly). ``"auto"`` picks, for CPU tensors, numba for radius
  searches over at least 100,000 points when numba is installed, else scipy; on an
  accelerator, cluster when installed, else torch.

Conventions, as in PyG:

* :func:`radius` / :func:`knn` return ``[query index into y; source index into x]``.
* :func:`radius_graph` / :func:`knn_graph` with ``flow="source_to_target"`` return
  ``[source j; target i]`` (messages flow from neighbour ``j`` to centre ``i``), with
  ``flow="target_to_source"`` ``[i; j]``. No self-loops unless ``loop=True``.
* ``batch`` vectors are ``torch.long`` of shape [N], sorted (non-decreasing); only points
  of the same graph are neighbours.

Bad input raises :class:`~geonop.errors.InvalidArgumentError` naming the argument.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import torch
from torch import Tensor

from geonop import optional
from geonop.errors import InvalidArgumentError, MissingDependencyError
from geonop.graph import _search_cluster, _search_scipy, _search_torch

Backend = Literal["auto", "scipy", "numba", "torch", "cluster"]
Flow = Literal["source_to_target", "target_to_source"]
BoxLike = Tensor | Sequence[float] | np.ndarray | float

BACKENDS: tuple[str, ...] = ("auto", "scipy", "numba", "torch", "cluster")
#: "auto" uses numba for radius searches over at least this many points (sources plus
#: queries); below, loading the compiled kernels costs more than they save
NUMBA_AUTO_MIN_POINTS: int = 100_000
FLOWS: tuple[str, ...] = ("source_to_target", "target_to_source")


# ---------------------------------------------------------------- validation


def _points(name: str, p: object) -> Tensor:
    if not isinstance(p, Tensor):
        raise InvalidArgumentError(
            f"{name}: expected a torch.Tensor of points, shape [N, d], got {type(p).__name__}"
        )
    if p.dim() == 1:
        p = p.view(-1, 1)
    if p.dim() != 2:
        raise InvalidArgumentError(f"{name}: expected points of shape [N, d], got {tuple(p.shape)}")
    if not p.is_floating_point():
        raise InvalidArgumentError(f"{name}: coordinates must be floating point, got {p.dtype}")
    if p.shape[1] == 0:
        raise InvalidArgumentError(f"{name}: points have no coordinates (shape {tuple(p.shape)})")
    if p.numel():
        finite = torch.isfinite(p).all(1)
        if not bool(finite.all()):
            row = int(torch.nonzero(~finite)[0, 0])
            raise InvalidArgumentError(
                f"{name}: contains NaN or Inf coordinates (first at row {row}: {p[row].tolist()})"
            )
    return p.detach()


def _same_dims(x: Tensor, y: Tensor) -> None:
    if x.shape[1] != y.shape[1]:
        raise InvalidArgumentError(
            f"y: mixed dimensions: x has {x.shape[1]} coordinates per point, y has {y.shape[1]}"
        )
    if x.device != y.device:
        raise InvalidArgumentError(f"y: is on {y.device} but x is on {x.device}")


def _positive_radius(r: object) -> float:
    if isinstance(r, Tensor):
        if r.numel() != 1:
            raise InvalidArgumentError(f"r: expected a single number, got shape {tuple(r.shape)}")
        r = r.item()
    if isinstance(r, bool) or not isinstance(r, numbers.Real):
        raise InvalidArgumentError(f"r: expected a number, got {type(r).__name__}")
    value = float(r)
    if not math.isfinite(value) or value <= 0.0:
        raise InvalidArgumentError(f"r: the radius must be finite and > 0, got {value}")
    return value


def _integer(name: str, value: object) -> int:
    if isinstance(value, Tensor) and value.numel() == 1 and not value.is_floating_point():
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(f"{name}: expected an integer, got {value!r}")
    return int(value)


def _batch(name: str, b: object, n: int, device: torch.device) -> Tensor | None:
    if b is None:
        return None
    if not isinstance(b, Tensor):
        raise InvalidArgumentError(
            f"{name}: expected a torch.long batch vector of length {n}, got {type(b).__name__}"
        )
    if b.dim() != 1 or b.shape[0] != n:
        raise InvalidArgumentError(
            f"{name}: batch vector has shape {tuple(b.shape)} but there are {n} points; "
            f"it needs one graph id per point, shape [{n}]"
        )
    if b.is_floating_point() or b.is_complex() or b.dtype == torch.bool:
        raise InvalidArgumentError(f"{name}: batch vector must hold integers, got {b.dtype}")
    b = b.detach().to(device=device, dtype=torch.long)
    if n:
        if int(b[0]) < 0:
            raise InvalidArgumentError(f"{name}: graph ids must be >= 0, got {int(b[0])}")
        if n > 1 and bool((b[1:] < b[:-1]).any()):
            at = int(torch.nonzero(b[1:] < b[:-1])[0, 0])
            raise InvalidArgumentError(
                f"{name}: batch vector must be sorted (non-decreasing) as in PyG; "
                f"entry {at + 1} ({int(b[at + 1])}) follows {int(b[at])}"
            )
    return b


def _pair_batches(
    bx: Tensor | None, by: Tensor | None, nx: int, ny: int, device: torch.device
) -> tuple[Tensor | None, Tensor | None]:
    """PyG treats a missing batch vector as 'all in graph 0'."""
    if bx is None and by is None:
        return None, None
    if bx is None:
        bx = torch.zeros(nx, dtype=torch.long, device=device)
    if by is None:
        by = torch.zeros(ny, dtype=torch.long, device=device)
    return bx, by


def _num_graphs(batch_size: object, *batches: Tensor | None) -> int:
    top = max((int(b[-1]) + 1 for b in batches if b is not None and b.numel()), default=1)
    if batch_size is None:
        return top
    size = _integer("batch_size", batch_size)
    if size < top:
        raise InvalidArgumentError(
            f"batch_size: {size} graphs, but the batch vectors use graph id {top - 1}"
        )
    return size


def _box(box: object, d: int, device: torch.device) -> Tensor | None:
    if box is None:
        return None
    try:
        lengths = torch.as_tensor(box, dtype=torch.float64).detach().to(device).flatten()
    except (TypeError, ValueError, RuntimeError) as exc:
        raise InvalidArgumentError(f"box: expected {d} box lengths, got {box!r}") from exc
    if lengths.numel() == 1 and d > 1:
        lengths = lengths.expand(d).clone()
    if lengths.numel() != d:
        raise InvalidArgumentError(
            f"box: expected {d} lengths (one per axis), got {lengths.numel()}"
        )
    if not bool(torch.isfinite(lengths).all()) or bool((lengths <= 0).any()):
        raise InvalidArgumentError(f"box: lengths must be finite and > 0, got {lengths.tolist()}")
    return lengths


def _inside(name: str, p: Tensor, box: Tensor | None) -> None:
    if box is None or p.numel() == 0:
        return
    q = p.to(torch.float64)
    out = ((q < 0) | (q >= box)).any(1)
    if bool(out.any()):
        row = int(torch.nonzero(out)[0, 0])
        raise InvalidArgumentError(
            f"{name}: with a periodic box every point must lie in [0, L) on each axis "
            f"(L = {box.tolist()}); point {row} is {p[row].tolist()}"
        )


def _max_neighbors(m: object) -> int | None:
    if m is None:
        return None
    value = _integer("max_num_neighbors", m)
    if value < 1:
        raise InvalidArgumentError(f"max_num_neighbors: must be >= 1 or None, got {value}")
    return value


def _workers(n: object) -> int:
    value = _integer("num_workers", n)
    if value < 1 and value != -1:
        raise InvalidArgumentError(f"num_workers: must be >= 1 (or -1 for all cores), got {value}")
    return _search_scipy.resolve_workers(value)


def _flow(flow: object) -> bool:
    """True when the output rows are ``[source; centre]``."""
    if flow not in FLOWS:
        raise InvalidArgumentError(f"flow: expected one of {FLOWS}, got {flow!r}")
    return flow == "source_to_target"


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidArgumentError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def _backend(backend: object, device: torch.device) -> str:
    if backend not in BACKENDS:
        raise InvalidArgumentError(f"backend: expected one of {BACKENDS}, got {backend!r}")
    if backend == "auto":
        if device.type == "cpu":
            return "scipy"
        return "cluster" if _search_cluster.available() else "torch"
    if backend == "cluster" and not _search_cluster.available():
        raise MissingDependencyError(
            "torch_cluster", "scatter", "neighbour search backend='cluster'"
        )
    if backend == "numba" and _numba() is None:
        raise MissingDependencyError("numba", "fast", "neighbour search backend='numba'")
    return str(backend)


def _numba():
    """The numba backend module, or ``None`` when numba is absent or does not import."""
    if not optional.WITH_NUMBA:
        return None
    try:
        from geonop.graph import _search_numba
    except Exception:  # noqa: BLE001  a broken numba/llvmlite install counts as absent
        return None
    return _search_numba


def _radius_engine(backend: object, engine: str, points: int) -> str:
    """``"auto"`` on the CPU upgrades scipy to numba for large radius searches."""
    big = backend == "auto" and engine == "scipy" and points >= NUMBA_AUTO_MIN_POINTS
    return "numba" if big and _numba() is not None else engine


def _cosine(name: str, p: Tensor) -> Tensor:
    """Unit vectors: Euclidean order on them is cosine-distance order."""
    q = p.to(torch.float64)
    norm = torch.linalg.vector_norm(q, dim=1, keepdim=True)
    if q.shape[0] and bool((norm == 0).any()):
        row = int(torch.nonzero(norm[:, 0] == 0)[0, 0])
        raise InvalidArgumentError(
            f"{name}: cosine distance is undefined for the zero vector (row {row})"
        )
    return q / norm


@dataclass(frozen=True)
class _Job:
    """A validated search: points, batch vectors, box, threads; ``y is None`` for a
    graph within ``x`` (its batch vector is then ``bx``)."""

    x: Tensor
    y: Tensor | None
    bx: Tensor | None
    by: Tensor | None
    box: Tensor | None
    workers: int
    num_graphs: int


def _bipartite_job(
    x: Tensor, y: Tensor, batch_x: object, batch_y: object, batch_size: object,
    num_workers: object, box: object,
) -> _Job:  # fmt: skip
    """The checks :func:`radius` and :func:`knn` share, after their points."""
    bx = _batch("batch_x", batch_x, x.shape[0], x.device)
    by = _batch("batch_y", batch_y, y.shape[0], x.device)
    bx, by = _pair_batches(bx, by, x.shape[0], y.shape[0], x.device)
    num_graphs = _num_graphs(batch_size, bx, by)
    workers = _workers(num_workers)
    lengths = _box(box, x.shape[1], x.device)
    _inside("x", x, lengths)
    _inside("y", y, lengths)
    return _Job(x, y, bx, by, lengths, workers, num_graphs)


def _graph_job(
    x: Tensor, batch: object, batch_size: object, num_workers: object, box: object
) -> _Job:
    """The checks :func:`radius_graph` and :func:`knn_graph` share, after their points."""
    b = _batch("batch", batch, x.shape[0], x.device)
    num_graphs = _num_graphs(batch_size, b)
    workers = _workers(num_workers)
    lengths = _box(box, x.shape[1], x.device)
    _inside("x", x, lengths)
    return _Job(x, None, b, None, lengths, workers, num_graphs)


def _with_cosine(job: _Job, cosine: object) -> _Job:
    """With ``cosine=True`` the points become unit vectors (no periodic box then)."""
    if not _flag("cosine", cosine):
        return job
    if job.box is not None:
        raise InvalidArgumentError("box: a periodic box cannot be combined with cosine=True")
    y = None if job.y is None else _cosine("y", job.y)
    return replace(job, x=_cosine("x", job.x), y=y)


# ---------------------------------------------------------------- dispatch


def _empty(device: torch.device) -> Tensor:
    return torch.empty((2, 0), dtype=torch.long, device=device)


def _np(t: Tensor | None) -> np.ndarray | None:
    return None if t is None else t.detach().to("cpu").numpy()


def _np_points(t: Tensor) -> np.ndarray:
    return np.ascontiguousarray(t.detach().to(device="cpu", dtype=torch.float64).numpy())


def _stack(i: Tensor, j: Tensor, flip: bool) -> Tensor:
    return torch.stack([j, i]) if flip else torch.stack([i, j])


def _run_tensor(
    job: _Job, search: str, size: float, *, exclude_self: bool, engine: str, **kw: object
) -> tuple[Tensor, Tensor]:
    """``(i, j)`` from the torch or cluster backend's ``search`` (``"radius_search"``,
    ``size`` the radius, or ``"knn_search"``, ``size`` = k); ``kw`` passed on."""
    x64 = job.x.to(torch.float64)
    y64 = x64 if job.y is None else job.y.to(torch.float64)
    by = job.bx if job.y is None else job.by
    self_ids = torch.arange(job.x.shape[0], device=job.x.device) if exclude_self else None
    backend = _search_cluster if engine == "cluster" else _search_torch
    return getattr(backend, search)(
        x64, y64, size, job.bx, by, job.box, self_ids=self_ids, num_graphs=job.num_graphs, **kw
    )


def _run_radius(
    job: _Job, r: float, *, loop: bool, cap: int | None, flip: bool, engine: str
) -> Tensor:
    """Edges of a radius search: bipartite, or the graph of ``job.x`` when ``job.y`` is None."""
    x, y, device = job.x, job.y, job.x.device
    if engine == "numba":
        out = None
        search = _numba()
        if search is not None and search.supported(x.shape[1], job.box):
            xn, bxn = _np_points(x), _np(job.bx)
            if y is None:
                out = search.radius_graph(xn, r, bxn, loop, cap, job.workers, flip, job.num_graphs)
            else:
                out = search.radius(
                    xn, _np_points(y), r, bxn, _np(job.by), cap, job.workers, flip,
                    job.num_graphs,
                )  # fmt: skip
        if out is not None:
            return torch.from_numpy(out).to(device)
        engine = "scipy"  # not handled (box, d > 3, a clustered cloud): same answer
    if engine == "scipy":
        xn, bxn, boxn = _np_points(x), _np(job.bx), _np(job.box)
        if y is None:
            out = _search_scipy.radius_graph(xn, r, bxn, boxn, loop, cap, job.workers, flip)
        else:
            out = _search_scipy.radius(
                xn, _np_points(y), r, bxn, _np(job.by), boxn, cap, job.workers, flip
            )
        return torch.from_numpy(out).to(device)
    exclude_self = y is None and not loop
    i, j = _run_tensor(
        job, "radius_search", r, exclude_self=exclude_self, engine=engine, max_num_neighbors=cap
    )
    return _stack(i, j, flip)


def _run_knn(job: _Job, k: int, *, loop: bool, flip: bool, engine: str) -> Tensor:
    """Edges of a kNN search: bipartite, or the graph of ``job.x`` when ``job.y`` is None."""
    exclude_self = job.y is None and not loop
    if engine in ("scipy", "numba"):  # the numba backend does radius searches only
        xn = _np_points(job.x)
        yn = xn if job.y is None else _np_points(job.y)
        byn = _np(job.bx) if job.y is None else _np(job.by)
        out = _search_scipy.knn(
            xn, yn, k, _np(job.bx), byn, _np(job.box), exclude_self, job.workers, flip
        )
        return torch.from_numpy(out).to(job.x.device)
    i, j = _run_tensor(job, "knn_search", k, exclude_self=exclude_self, engine=engine)
    return _stack(i, j, flip)


# ---------------------------------------------------------------- public API


def radius(
    x: Tensor,
    y: Tensor,
    r: float,
    batch_x: Tensor | None = None,
    batch_y: Tensor | None = None,
    max_num_neighbors: int | None = None,
    num_workers: int = 1,
    batch_size: int | None = None,
    *,
    box: BoxLike | None = None,
    backend: Backend = "auto",
) -> Tensor:
    """For each point in ``y``, every point of ``x`` within distance ``r``.

    Args:
        x: source points, Tensor of shape [N, d] (float).
        y: query points, Tensor of shape [M, d] (float), same device as ``x``.
        r: radius, finite and > 0; the bound is inclusive (``dist <= r``).
        batch_x: graph id of each source, Tensor of shape [N] (long, sorted), or None.
        batch_y: graph id of each query, Tensor of shape [M], or None.
        max_num_neighbors: at most this many sources per query, the nearest (ties: lower
            index); ``None`` (default) keeps all. PyG defaults to 32 and drops the rest
            arbitrarily; geonop never drops a neighbour unless asked.
        num_workers: CPU threads for the scipy backend (``-1``: all cores).
        batch_size: number of graphs, optional (checked against the batch vectors).
        box: periodic box lengths, Tensor/sequence of shape [d] (or one number for a
            cube); points must lie in ``[0, L)``; distances use the minimum image.
        backend: ``"auto"``, ``"scipy"``, ``"numba"``, ``"torch"`` or ``"cluster"``.

    Returns:
        Tensor of shape [2, E] (long): row 0 indexes ``y``, row 1 indexes ``x``; sorted
        by row 0, then row 1.

    Raises:
        InvalidArgumentError: bad radius, shapes, dimensions, batch vectors, box,
            NaN/Inf coordinates, or unknown backend.
        MissingDependencyError: ``backend="cluster"`` without torch-cluster/pyg-lib, or
            ``backend="numba"`` without numba.
    """
    x, y = _points("x", x), _points("y", y)
    _same_dims(x, y)
    r = _positive_radius(r)
    job = _bipartite_job(x, y, batch_x, batch_y, batch_size, num_workers, box)
    cap = _max_neighbors(max_num_neighbors)
    engine = _radius_engine(backend, _backend(backend, x.device), x.shape[0] + y.shape[0])
    if x.shape[0] == 0 or y.shape[0] == 0:
        return _empty(x.device)
    return _run_radius(job, r, loop=True, cap=cap, flip=False, engine=engine)


def radius_graph(
    x: Tensor,
    r: float,
    batch: Tensor | None = None,
    loop: bool = False,
    max_num_neighbors: int | None = None,
    flow: Flow = "source_to_target",
    num_workers: int = 1,
    batch_size: int | None = None,
    *,
    box: BoxLike | None = None,
    backend: Backend = "auto",
) -> Tensor:
    """Edges between all pairs of points of ``x`` within distance ``r`` (inclusive).

    Args:
        x: points, Tensor of shape [N, d] (float).
        r: radius, finite and > 0.
        batch: graph id of each point, Tensor of shape [N] (long, sorted), or None.
        loop: include self-loops ``(i, i)``.
        max_num_neighbors: at most this many neighbours per centre (a self-loop counts),
            the nearest, ties by lower index; ``None`` (default) keeps all (PyG: 32).
        flow: ``"source_to_target"`` gives ``[j; i]`` (row 1 the centre),
            ``"target_to_source"`` gives ``[i; j]``.
        num_workers: CPU threads for the scipy backend (``-1``: all cores).
        batch_size: number of graphs, optional.
        box: periodic box lengths, shape [d]; points in ``[0, L)``.
        backend: ``"auto"``, ``"scipy"``, ``"numba"``, ``"torch"`` or ``"cluster"``.

    Returns:
        Tensor of shape [2, E] (long), sorted by centre, then neighbour. Every edge appears
        in both directions.
    """
    x = _points("x", x)
    r = _positive_radius(r)
    job = _graph_job(x, batch, batch_size, num_workers, box)
    loop = _flag("loop", loop)
    cap = _max_neighbors(max_num_neighbors)
    flip = _flow(flow)
    engine = _radius_engine(backend, _backend(backend, x.device), x.shape[0])
    if x.shape[0] == 0:
        return _empty(x.device)
    return _run_radius(job, r, loop=loop, cap=cap, flip=flip, engine=engine)


def _check_k(k: object, available: int, what: str) -> int:
    value = _integer("k", k)
    if value < 1:
        raise InvalidArgumentError(f"k: must be >= 1, got {value}")
    if value > available:
        raise InvalidArgumentError(f"k: {value} is larger than the point count: {what}")
    return value


def knn(
    x: Tensor,
    y: Tensor,
    k: int,
    batch_x: Tensor | None = None,
    batch_y: Tensor | None = None,
    cosine: bool = False,
    num_workers: int = 1,
    batch_size: int | None = None,
    *,
    box: BoxLike | None = None,
    backend: Backend = "auto",
) -> Tensor:
    """For each point in ``y``, its ``k`` nearest points in ``x``.

    Nearest means smallest ``(distance, index)``. A query whose graph (batch) has fewer
    than ``k`` sources gets all of them, as in PyG.

    Args:
        x: source points, Tensor of shape [N, d] (float).
        y: query points, Tensor of shape [M, d] (float).
        k: neighbours per query, ``1 <= k <= N`` (``k > N`` raises).
        batch_x: graph id of each source, Tensor of shape [N] (long, sorted), or None.
        batch_y: graph id of each query, Tensor of shape [M], or None.
        cosine: rank by cosine distance instead (no ``box``; zero vectors raise).
        num_workers: CPU threads for the scipy backend (``-1``: all cores).
        batch_size: number of graphs, optional.
        box: periodic box lengths, shape [d]; points in ``[0, L)``.
        backend: ``"auto"``, ``"scipy"``, ``"numba"``, ``"torch"`` or ``"cluster"``.

    Returns:
        Tensor of shape [2, M * k] (fewer for small graphs), long: row 0 indexes ``y``,
        row 1 indexes ``x``; sorted by row 0, then row 1.
    """
    x, y = _points("x", x), _points("y", y)
    _same_dims(x, y)
    k = _check_k(k, x.shape[0], f"x has {x.shape[0]} points")
    job = _bipartite_job(x, y, batch_x, batch_y, batch_size, num_workers, box)
    job = _with_cosine(job, cosine)
    engine = _backend(backend, x.device)
    if y.shape[0] == 0:
        return _empty(x.device)
    return _run_knn(job, k, loop=True, flip=False, engine=engine)


def knn_graph(
    x: Tensor,
    k: int,
    batch: Tensor | None = None,
    loop: bool = False,
    flow: Flow = "source_to_target",
    cosine: bool = False,
    num_workers: int = 1,
    batch_size: int | None = None,
    *,
    box: BoxLike | None = None,
    backend: Backend = "auto",
) -> Tensor:
    """Edges from each point to its ``k`` nearest other points of ``x``.

    Nearest means smallest ``(distance, index)``; with ``loop=True`` a point is one of
    its own candidates (at distance 0). ``k`` may be at most ``N - 1`` without loops and
    ``N`` with them; a point whose graph is smaller gets all the points it can.

    Args:
        x: points, Tensor of shape [N, d] (float).
        k: neighbours per point.
        batch: graph id of each point, Tensor of shape [N] (long, sorted), or None.
        loop: allow self-loops.
        flow: ``"source_to_target"`` gives ``[j; i]`` (row 1 the centre),
            ``"target_to_source"`` gives ``[i; j]``.
        cosine: rank by cosine distance (no ``box``).
        num_workers: CPU threads for the scipy backend (``-1``: all cores).
        batch_size: number of graphs, optional.
        box: periodic box lengths, shape [d]; points in ``[0, L)``.
        backend: ``"auto"``, ``"scipy"``, ``"numba"``, ``"torch"`` or ``"cluster"``.

    Returns:
        Tensor of shape [2, N * k] (fewer for small graphs), long, sorted by centre, then
        neighbour.
    """
    x = _points("x", x)
    loop = _flag("loop", loop)
    n = x.shape[0]
    if loop:
        k = _check_k(k, n, f"x has {n} points")
    else:
        k = _check_k(k, n - 1, f"x has {n} points, so without self-loops at most {n - 1}")
    job = _with_cosine(_graph_job(x, batch, batch_size, num_workers, box), cosine)
    flip = _flow(flow)
    engine = _backend(backend, x.device)
    return _run_knn(job, k, loop=loop, flip=flip, engine=engine)


__all__ = ["BACKENDS", "knn", "knn_graph", "radius", "radius_graph"]
