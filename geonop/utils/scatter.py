"""Scatter and segment reductions: one entry point for message aggregation.

:func:`scatter` reduces the rows of ``src`` that share an ``index`` value (sum, mean, max,
min, product); :func:`scatter_softmax` normalises ``src`` within each group;
:func:`segment_csr` reduces contiguous segments given by a pointer vector (``Batch.ptr``).

Which kernel runs, and why (measured with ``benchmarks/bench_scatter.py``: 10M edges to 1M
nodes on this project's 2-core CPU, see the numbers in that file's docstring):

* **Unsorted index**: native ``Tensor.index_add_`` (sum, mean) and
  ``Tensor.scatter_reduce_(include_self=False)`` (max, min, mul).
* **Sorted index on CPU** (non-decreasing, detected automatically or promised with
  ``sorted=True``) and rows of several values: ``torch.segment_reduce``, which reads
  ``src`` once in order. On the same sorted index it beat the scatter kernels 5-7x for max
  and 1.3-2x for sum/mean over rows of 8 values; with a single value per row it is no
  faster, so the scatter kernels stay there (and the sortedness probe is skipped). A sorted
  index alone (cache locality) already makes the scatter kernels 2-4x faster than a random
  one.
* **torch-scatter** (optional, ``pip install 'geonop[scatter]'``): used only for max/min on
  CUDA when ``src`` requires grad, where the native ``scatter_reduce`` backward is known to
  be slow (PyG makes the same choice after benchmarking). On CPU it is reported slower
  than native (its max up to 14x), so it is never used there. It is not installed on the
  benchmark machine and no GPU was available, so the CUDA choice follows PyG's
  measurements; the benchmark fills in its columns when it is installed, and should be
  rerun on a GPU before this dispatch is widened. The flag
  ``geonop.optional.WITH_TORCH_SCATTER`` is read at call time.

Empty groups give 0 for sum, mean, max and min, and 1 for mul (never ``-inf``/``nan``).

Validation: shapes, dtypes, ``dim`` and ``reduce`` are always checked (free). The value
checks (no negative index, every index below ``dim_size``, sortedness when ``sorted=True``)
need a pass over ``index`` and, on CUDA, a host synchronisation; ``validate=None`` (the
default) therefore runs them on CPU and skips them on CUDA, where an out-of-range index still
trips a device-side assert rather than corrupting memory. Pass ``validate=True`` to force
them, ``False`` to skip them in a trusted hot loop.
"""

from __future__ import annotations

import torch
from torch import Tensor

import geonop.optional as _optional
from geonop.errors import InvalidArgumentError

_REDUCE_ALIASES = {
    "sum": "sum",
    "add": "sum",
    "mean": "mean",
    "max": "max",
    "amax": "max",
    "min": "min",
    "amin": "min",
    "mul": "mul",
    "prod": "mul",
}
_SEGMENT_NAME = {"sum": "sum", "mean": "mean", "max": "max", "min": "min", "mul": "prod"}
_INDEX_DTYPES = (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)
# Below this many index entries the sortedness probe costs more than it can save.
_AUTO_SORTED_MIN = 4096
_PROBE = 1024


def scatter(
    src: Tensor,
    index: Tensor,
    dim: int = 0,
    dim_size: int | None = None,
    reduce: str = "sum",
    *,
    sorted: bool | None = None,
    validate: bool | None = None,
) -> Tensor:
    """Reduce the entries of ``src`` that share an ``index`` value along ``dim``.

    ``out[..., i, ...] = reduce({src[..., j, ...] : index[j] == i})``, the PyG / torch-scatter
    semantics.

    Parameters
    ----------
    src : Tensor of shape [..., E, ...]
        Values to reduce; ``E`` is ``src.size(dim)``.
    index : LongTensor of shape [E] or of the shape of ``src``
        Target group of each entry, in ``[0, dim_size)``. A 1-D index is broadcast over the
        other dimensions of ``src``. ``int32`` is accepted and widened.
    dim : int
        Dimension of ``src`` to reduce along (negative counts from the end).
    dim_size : int, optional
        Number of groups, i.e. ``out.size(dim)``. Default ``index.max() + 1`` (0 when empty).
    reduce : str
        ``"sum"`` (alias ``"add"``), ``"mean"``, ``"max"`` (``"amax"``), ``"min"``
        (``"amin"``) or ``"mul"`` (``"prod"``).
    sorted : bool, optional
        Whether ``index`` is non-decreasing. ``None`` detects it on CPU (a 1024-entry probe,
        then one pass only if the probe is sorted, and only where the segment kernel would
        be faster) and assumes unsorted on CUDA; ``True`` promises it (checked when
        validating) and selects the segment kernel where that is faster.
    validate : bool, optional
        Check index values (see the module docstring). Default: on CPU only.

    Returns
    -------
    Tensor of shape [..., dim_size, ...]
        Same dtype and device as ``src``. Empty groups hold 0 (1 for ``"mul"``).

    Raises
    ------
    InvalidArgumentError
        Unknown ``reduce``, ``dim`` out of range, mismatched shapes, non-integer index,
        negative or too-large index values, ``dim_size < 0``, an unsorted index promised as
        sorted, or ``"mean"`` on an integer ``src``.

    Notes
    -----
    Autograd works for every reduction. For max/min the gradient is shared equally among
    tied maxima (native) or given to one of them (torch-scatter).

    Examples
    --------
    >>> scatter(torch.tensor([1., 2., 3.]), torch.tensor([0, 0, 2]), reduce="max")
    tensor([2., 0., 3.])
    """
    op = _check_reduce(reduce)
    dim = _check_common(src, index, dim)
    index = _as_long(index)
    full_index = index.dim() > 1
    if op == "mean" and not (src.is_floating_point() or src.is_complex()):
        raise InvalidArgumentError(
            f"src: reduce='mean' needs a floating-point tensor, got dtype {src.dtype}"
        )
    do_validate = _resolve_validate(validate, index)
    dim_size = _resolve_dim_size(dim_size, index, do_validate)
    if sorted and do_validate and not full_index and _is_unsorted(index):
        raise InvalidArgumentError("index: sorted=True but the index is not non-decreasing")

    if op in ("max", "min") and src.is_cuda and src.requires_grad and _optional.WITH_TORCH_SCATTER:
        import torch_scatter

        return torch_scatter.scatter(src, index, dim, dim_size=dim_size, reduce=op)

    # Probe sortedness only where the segment kernel would be faster.
    segment_ok = not full_index and src.is_floating_point() and _segment_wins(op, src, dim)
    if segment_ok and _resolve_sorted(sorted, index):
        return _segment_by_index(src, index, dim, dim_size, op)
    return _scatter_native(src, index, dim, dim_size, op, full_index)


def scatter_softmax(
    src: Tensor,
    index: Tensor,
    dim: int = 0,
    dim_size: int | None = None,
    *,
    validate: bool | None = None,
) -> Tensor:
    """Softmax of ``src`` within each group of equal ``index`` (attention over neighbours).

    ``out[j] = exp(src[j] - m[index[j]]) / sum_{k: index[k] == index[j]} exp(src[k] - m)``,
    with ``m`` the per-group maximum, so large logits do not overflow.

    Parameters
    ----------
    src : Tensor of shape [..., E, ...]
        Floating-point logits.
    index : LongTensor of shape [E] or of the shape of ``src``
        Group of each entry.
    dim : int
        Dimension of ``src`` that ``index`` runs along.
    dim_size : int, optional
        Number of groups (only sizes intermediate buffers). Default ``index.max() + 1``.
    validate : bool, optional
        As in :func:`scatter`.

    Returns
    -------
    Tensor of the shape of ``src``
        Non-negative weights that sum to 1 over each non-empty group.

    Raises
    ------
    InvalidArgumentError
        Non-floating ``src``, or any bad ``index``/``dim`` as in :func:`scatter`.
    """
    dim = _check_common(src, index, dim)
    if not src.is_floating_point():
        raise InvalidArgumentError(
            f"src: scatter_softmax needs a floating-point tensor, got dtype {src.dtype}"
        )
    index = _as_long(index)
    do_validate = _resolve_validate(validate, index)
    dim_size = _resolve_dim_size(dim_size, index, do_validate)
    # The shift cancels analytically, so it needs no gradient.
    shift = scatter(src.detach(), index, dim, dim_size, "max", validate=False)
    shifted = src - _expand_back(shift, index, dim, src)
    exp = shifted.exp()
    denom = scatter(exp, index, dim, dim_size, "sum", validate=False)
    return exp / _expand_back(denom, index, dim, src)


def segment_csr(src: Tensor, ptr: Tensor, reduce: str = "sum") -> Tensor:
    """Reduce contiguous segments of ``src`` along dim 0: ``out[s] = reduce(src[ptr[s]:ptr[s+1]])``.

    The natural form for per-graph pooling with ``Batch.ptr``.

    Parameters
    ----------
    src : Tensor of shape [E, ...]
        Values, grouped contiguously by segment.
    ptr : LongTensor of shape [S + 1]
        Non-decreasing offsets with ``ptr[0] == 0`` and ``ptr[-1] == E``.
    reduce : str
        As in :func:`scatter`.

    Returns
    -------
    Tensor of shape [S, ...]
        Empty segments hold 0 (1 for ``"mul"``).

    Raises
    ------
    InvalidArgumentError
        Bad ``reduce``, ``ptr`` not 1-D / not integer / not a valid offset vector (checked on
        CPU), or ``src`` without a leading dimension.
    """
    op = _check_reduce(reduce)
    if not isinstance(src, Tensor) or src.dim() < 1:
        raise InvalidArgumentError("src: expected a tensor with at least one dimension")
    if not isinstance(ptr, Tensor) or ptr.dim() != 1 or ptr.dtype not in _INDEX_DTYPES:
        raise InvalidArgumentError("ptr: expected a 1-D integer tensor of segment offsets")
    if ptr.numel() < 1:
        raise InvalidArgumentError("ptr: needs at least one entry (ptr[0] == 0)")
    if ptr.device != src.device:
        raise InvalidArgumentError(f"ptr: on {ptr.device}, src on {src.device}")
    ptr = _as_long(ptr)
    if ptr.device.type == "cpu":
        if int(ptr[0]) != 0 or int(ptr[-1]) != src.size(0):
            raise InvalidArgumentError(
                f"ptr: must start at 0 and end at src.size(0) = {src.size(0)}, "
                f"got {int(ptr[0])} .. {int(ptr[-1])}"
            )
        if ptr.numel() > 1 and bool((ptr[1:] < ptr[:-1]).any()):
            raise InvalidArgumentError("ptr: offsets must be non-decreasing")
    if op == "mean" and not src.is_floating_point():
        raise InvalidArgumentError(
            f"src: reduce='mean' needs a floating-point tensor, got dtype {src.dtype}"
        )
    lengths = ptr[1:] - ptr[:-1]
    if src.is_floating_point():
        return _segment(src, lengths, 0, op, offsets=ptr)
    # segment_reduce has no integer kernels: expand the segment ids and scatter.
    index = torch.repeat_interleave(torch.arange(lengths.numel(), device=src.device), lengths)
    return _scatter_native(src, index, 0, lengths.numel(), op, full_index=False)


# ----------------------------------------------------------------------------------------
# checks


def _check_reduce(reduce: str) -> str:
    if not isinstance(reduce, str) or reduce.lower() not in _REDUCE_ALIASES:
        raise InvalidArgumentError(
            f"reduce: unknown reduction {reduce!r}; expected one of {sorted(set(_REDUCE_ALIASES))}"
        )
    return _REDUCE_ALIASES[reduce.lower()]


def _check_common(src: Tensor, index: Tensor, dim: int) -> int:
    if not isinstance(src, Tensor):
        raise InvalidArgumentError(f"src: expected a torch.Tensor, got {type(src).__name__}")
    if not isinstance(index, Tensor):
        raise InvalidArgumentError(f"index: expected a torch.Tensor, got {type(index).__name__}")
    if index.dtype not in _INDEX_DTYPES:
        raise InvalidArgumentError(f"index: expected an integer tensor, got dtype {index.dtype}")
    if src.dim() == 0:
        raise InvalidArgumentError("src: expected at least one dimension, got a scalar")
    if not isinstance(dim, int) or not -src.dim() <= dim < src.dim():
        raise InvalidArgumentError(
            f"dim: {dim!r} is out of range for src with {src.dim()} dimension(s)"
        )
    dim = dim % src.dim()
    if index.device != src.device:
        raise InvalidArgumentError(f"index: on {index.device}, but src is on {src.device}")
    if index.dim() == 1:
        if index.numel() != src.size(dim):
            raise InvalidArgumentError(
                f"index: has {index.numel()} entries but src has {src.size(dim)} along dim {dim}"
            )
    elif index.shape != src.shape:
        raise InvalidArgumentError(
            f"index: shape {tuple(index.shape)} must be [src.size(dim)] = [{src.size(dim)}] "
            f"or src's shape {tuple(src.shape)}"
        )
    return dim


def _as_long(index: Tensor) -> Tensor:
    return index if index.dtype == torch.int64 else index.long()


def _resolve_validate(validate: bool | None, index: Tensor) -> bool:
    return index.device.type == "cpu" if validate is None else bool(validate)


def _resolve_dim_size(dim_size: int | None, index: Tensor, do_validate: bool) -> int:
    if dim_size is not None and (
        isinstance(dim_size, bool) or not isinstance(dim_size, int) or dim_size < 0
    ):
        raise InvalidArgumentError(
            f"dim_size: expected a non-negative int or None, got {dim_size!r}"
        )
    if index.numel() == 0:
        return 0 if dim_size is None else dim_size
    if dim_size is None or do_validate:
        lo, hi = torch.aminmax(index)
        lo, hi = int(lo), int(hi)  # one host sync for both
        if do_validate and lo < 0:
            raise InvalidArgumentError(f"index: contains a negative value ({lo})")
        if dim_size is None:
            if lo < 0:
                raise InvalidArgumentError(f"index: contains a negative value ({lo})")
            return hi + 1
        if hi >= dim_size:
            raise InvalidArgumentError(f"index: value {hi} is out of range for dim_size={dim_size}")
    return dim_size


def _resolve_sorted(sorted_: bool | None, index: Tensor) -> bool:
    if sorted_ is not None:
        return bool(sorted_) and index.numel() > 1
    if index.device.type != "cpu" or index.numel() < _AUTO_SORTED_MIN:
        return False
    # A random index fails on the first few entries, so the full pass runs only when it pays.
    return not _is_unsorted(index[:_PROBE]) and not _is_unsorted(index)


def _is_unsorted(index: Tensor) -> bool:
    return index.numel() > 1 and bool((index[1:] < index[:-1]).any())


# ----------------------------------------------------------------------------------------
# kernels


def _segment_wins(op: str, src: Tensor, dim: int) -> bool:
    # Measured (bench_scatter.py): with one value per row, segment_reduce plus its length
    # count is no faster than the scatter kernels on a sorted index; for max/min/mul it wins
    # from 2 values per row (2.5x at 2, 5-7x at 8), for sum/mean from about 4 (1.3-2x at 8).
    width = src.numel() // max(src.size(dim), 1)
    return width >= (4 if op in ("sum", "mean") else 2)


def _out_shape(src: Tensor, dim: int, dim_size: int) -> list[int]:
    shape = list(src.shape)
    shape[dim] = dim_size
    return shape


def _broadcast_index(index: Tensor, src: Tensor, dim: int) -> Tensor:
    view = [1] * src.dim()
    view[dim] = -1
    return index.view(view).expand_as(src)


def _scatter_native(
    src: Tensor, index: Tensor, dim: int, dim_size: int, op: str, full_index: bool
) -> Tensor:
    shape = _out_shape(src, dim, dim_size)
    if op in ("sum", "mean"):
        if full_index:
            out = src.new_zeros(shape).scatter_add_(dim, index, src)
        else:
            out = src.new_zeros(shape).index_add_(dim, index, src)
        if op == "sum":
            return out
        if full_index:
            count = src.new_zeros(shape).scatter_add_(dim, index, torch.ones_like(src))
        else:
            count = torch.bincount(index, minlength=dim_size).to(src.dtype)
            view = [1] * src.dim()
            view[dim] = -1
            count = count.view(view)
        return out / count.clamp(min=1)
    full = index if full_index else _broadcast_index(index, src, dim)
    if op == "mul":
        return src.new_ones(shape).scatter_reduce_(dim, full, src, "prod", include_self=False)
    # include_self=False leaves untouched (empty) groups at their initial 0.
    return src.new_zeros(shape).scatter_reduce_(dim, full, src, "a" + op, include_self=False)


def _segment_by_index(src: Tensor, index: Tensor, dim: int, dim_size: int, op: str) -> Tensor:
    if index.device.type == "cpu":
        return _segment(src, torch.bincount(index, minlength=dim_size), dim, op)
    offsets = _offsets_from_sorted(index, dim_size)
    return _segment(src, offsets[1:] - offsets[:-1], dim, op, offsets=offsets)


def _offsets_from_sorted(index: Tensor, dim_size: int) -> Tensor:
    """CSR offsets [dim_size + 1] of a sorted index; stays on the device (bincount would
    synchronise with the host to size its output)."""
    bounds = torch.arange(dim_size + 1, device=index.device)
    return torch.searchsorted(index, bounds)


def _segment(
    src: Tensor, lengths: Tensor, dim: int, op: str, offsets: Tensor | None = None
) -> Tensor:
    moved = src.movedim(dim, 0) if dim != 0 else src
    if offsets is not None:
        out = torch.segment_reduce(moved, _SEGMENT_NAME[op], offsets=offsets, unsafe=True)
    else:
        out = torch.segment_reduce(moved, _SEGMENT_NAME[op], lengths=lengths, unsafe=True)
    if op in ("mean", "max", "min"):
        # segment_reduce leaves nan (mean) or -/+inf (max/min) in empty segments.
        empty = (lengths == 0).view([-1] + [1] * (out.dim() - 1))
        out = torch.where(empty, torch.zeros((), dtype=out.dtype, device=out.device), out)
    return out.movedim(0, dim) if dim != 0 else out


def _expand_back(per_group: Tensor, index: Tensor, dim: int, src: Tensor) -> Tensor:
    if index.dim() == 1:
        return per_group.index_select(dim, index)
    return per_group.gather(dim, index)


__all__ = ["scatter", "scatter_softmax", "segment_csr"]
