"""Edge features (relative displacement, distance) and packing graphs as PyG ``Data``.

Sign convention, shared by every geonop graph layer: an edge ``(j, i)`` of an
``edge_index`` runs from source ``j = edge_index[0]`` to target (receiver)
``i = edge_index[1]``, and its displacement is **source minus target**,

    disp = pos_src[j] - pos_dst[i],

the convention of DeepMind's GNS and MeshGraphNets code (``pos[senders] - pos[receivers]``)
and of PyG's ``Cartesian`` transform and ``PointNetConv`` (``pos_j - pos_i``). It is the
vector from the receiver to the sender, seen from the receiver.

In a periodic ``box`` the displacement is wrapped to the minimum image (each component in
``[-L/2, L/2]``), so neighbours across the boundary get short vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from geonop.errors import InvalidArgumentError, InvalidMeshError

if TYPE_CHECKING:  # torch_geometric is imported when first used, keeping import light
    from torch_geometric.data import Batch, Data

BoxLike = float | Sequence[float] | Tensor


def edge_features(
    pos_src: Tensor,
    edge_index: Tensor,
    pos_dst: Tensor | None = None,
    *,
    box: BoxLike | None = None,
    normalize_by: float | None = None,
) -> tuple[Tensor, Tensor]:
    """Displacement and distance of every edge.

    Parameters
    ----------
    pos_src : Tensor of shape [N, d]
        Positions of the source nodes (of all nodes for a graph within one point set).
    edge_index : LongTensor of shape [2, E]
        ``edge_index[0]`` indexes ``pos_src``, ``edge_index[1]`` indexes ``pos_dst``.
    pos_dst : Tensor of shape [M, d], optional
        Positions of the target nodes of a bipartite graph. Default: ``pos_src``.
    box : float or sequence of d floats or Tensor of shape [d], optional
        Periodic box lengths per axis (a scalar for a cube); ``inf`` marks a non-periodic
        axis. Displacements are wrapped to the minimum image.
    normalize_by : float, optional
        Divide displacement and distance by this length (e.g. the connectivity radius,
        as GNS does), making the features dimensionless.

    Returns
    -------
    disp : Tensor of shape [E, d]
        ``pos_src[edge_index[0]] - pos_dst[edge_index[1]]`` (minimum image, normalised).
    dist : Tensor of shape [E, 1]
        Euclidean length of ``disp``. Differentiable; the gradient at zero length is 0.

    Raises
    ------
    InvalidArgumentError
        Mismatched shapes or dtypes, an index out of range, a non-positive ``box`` entry
        or ``normalize_by``.
    InvalidMeshError
        Non-finite positions.
    """
    _check_pos(pos_src, "pos_src")
    dst = pos_src if pos_dst is None else _check_pos(pos_dst, "pos_dst")
    if dst.size(1) != pos_src.size(1) or dst.dtype != pos_src.dtype:
        raise InvalidArgumentError(
            f"pos_dst: shape {tuple(dst.shape)} / {dst.dtype} does not match pos_src "
            f"{tuple(pos_src.shape)} / {pos_src.dtype}"
        )
    _check_edge_index(edge_index, pos_src.size(0), dst.size(0), pos_src.device)
    disp = pos_src.index_select(0, edge_index[0]) - dst.index_select(0, edge_index[1])
    if box is not None:
        lengths = _box_lengths(box, pos_src)
        periodic = torch.isfinite(lengths)
        if bool(periodic.any()):
            safe = torch.where(periodic, lengths, torch.ones_like(lengths))
            shift = torch.where(periodic, safe * torch.round(disp / safe), torch.zeros_like(disp))
            disp = disp - shift
    if normalize_by is not None:
        if (
            isinstance(normalize_by, bool)
            or not isinstance(normalize_by, (int, float))
            or not 0 < float(normalize_by) < float("inf")
        ):
            raise InvalidArgumentError(
                f"normalize_by: expected a finite length > 0, got {normalize_by!r}"
            )
        disp = disp / float(normalize_by)
    dist = torch.linalg.vector_norm(disp, dim=1, keepdim=True)
    return disp, dist


def to_data(
    pos: Tensor,
    edge_index: Tensor,
    *,
    x: Tensor | None = None,
    box: BoxLike | None = None,
    normalize_by: float | None = None,
    **fields: Any,
) -> Data:
    """Pack a graph as a PyG ``Data`` with ``edge_attr = [disp, dist]``.

    Parameters
    ----------
    pos : Tensor of shape [N, d]
        Node positions.
    edge_index : LongTensor of shape [2, E]
        Edges within ``pos`` (source row first).
    x : Tensor of shape [N, F], optional
        Node features.
    box, normalize_by
        As in :func:`edge_features`. A ``box`` is stored as ``data.box`` of shape [1, d]
        so that a ``Batch`` holds one row per graph.
    **fields
        Extra attributes (``y``, ``node_type``, ``face``, ...), stored as given.

    Returns
    -------
    torch_geometric.data.Data
        ``pos``, ``edge_index``, ``edge_attr`` of shape [E, d + 1] (displacement, then
        distance), ``x`` and ``box`` when given, and ``fields``. ``Batch.from_data_list``
        offsets ``edge_index`` per graph, and the edge features of a batch equal those of
        the graphs computed one by one.
    """
    from torch_geometric.data import Data

    disp, dist = edge_features(pos, edge_index, box=box, normalize_by=normalize_by)
    data = Data(pos=pos, edge_index=edge_index, edge_attr=torch.cat([disp, dist], dim=1))
    if x is not None:
        if not isinstance(x, Tensor) or x.dim() < 1 or x.size(0) != pos.size(0):
            raise InvalidArgumentError(
                f"x: expected a tensor with {pos.size(0)} rows (one per node), got "
                f"{tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__}"
            )
        data.x = x
    if box is not None:
        data.box = _box_lengths(box, pos).view(1, -1)
    for key, value in fields.items():
        data[key] = value
    return data


def to_batch(data_list: Sequence[Any]) -> Batch:
    """Concatenate graphs into one PyG ``Batch`` (``edge_index`` offset per graph).

    Parameters
    ----------
    data_list : sequence of torch_geometric.data.Data
        Graphs, e.g. from :func:`to_data`, with the same attributes.

    Returns
    -------
    torch_geometric.data.Batch

    Raises
    ------
    InvalidArgumentError
        An empty list or an element that is not a ``Data``.
    """
    from torch_geometric.data import Batch, Data

    items = list(data_list)
    if not items:
        raise InvalidArgumentError("data_list: needs at least one graph")
    for i, item in enumerate(items):
        if not isinstance(item, Data):
            raise InvalidArgumentError(
                f"data_list: element {i} is a {type(item).__name__}, not a torch_geometric Data"
            )
    return Batch.from_data_list(items)


def _check_pos(pos: Tensor, name: str) -> Tensor:
    if not isinstance(pos, Tensor) or pos.dim() != 2:
        shape = tuple(pos.shape) if isinstance(pos, Tensor) else type(pos).__name__
        raise InvalidArgumentError(f"{name}: expected a tensor of shape [N, d], got {shape}")
    if not pos.is_floating_point():
        raise InvalidArgumentError(f"{name}: expected a floating-point tensor, got {pos.dtype}")
    if pos.device.type == "cpu" and pos.numel() and not bool(torch.isfinite(pos).all()):
        raise InvalidMeshError(f"{name}: contains NaN or Inf coordinates")
    return pos


def _check_edge_index(edge_index: Tensor, n_src: int, n_dst: int, device: torch.device) -> None:
    if not isinstance(edge_index, Tensor) or edge_index.dim() != 2 or edge_index.size(0) != 2:
        shape = (
            tuple(edge_index.shape) if isinstance(edge_index, Tensor) else type(edge_index).__name__
        )
        raise InvalidArgumentError(f"edge_index: expected shape [2, E], got {shape}")
    if edge_index.dtype != torch.long:
        raise InvalidArgumentError(f"edge_index: expected dtype torch.long, got {edge_index.dtype}")
    if edge_index.device != device:
        raise InvalidArgumentError(f"edge_index: on {edge_index.device}, positions on {device}")
    if edge_index.device.type == "cpu" and edge_index.numel():
        src_lo, src_hi = torch.aminmax(edge_index[0])
        dst_lo, dst_hi = torch.aminmax(edge_index[1])
        if int(src_lo) < 0 or int(dst_lo) < 0:
            raise InvalidArgumentError("edge_index: contains a negative node index")
        if int(src_hi) >= n_src:
            raise InvalidArgumentError(
                f"edge_index: source index {int(src_hi)} out of range for {n_src} source nodes"
            )
        if int(dst_hi) >= n_dst:
            raise InvalidArgumentError(
                f"edge_index: target index {int(dst_hi)} out of range for {n_dst} target nodes"
            )


def _box_lengths(box: BoxLike, like: Tensor) -> Tensor:
    lengths = torch.as_tensor(box, dtype=like.dtype).to(like.device).flatten()
    d = like.size(1)
    if lengths.numel() == 1:
        lengths = lengths.expand(d)
    if lengths.numel() != d:
        raise InvalidArgumentError(f"box: expected a scalar or {d} lengths, got {lengths.numel()}")
    if bool(torch.isnan(lengths).any()) or bool((lengths <= 0).any()):
        raise InvalidArgumentError(
            f"box: lengths must be > 0 (inf = not periodic), got {lengths.tolist()}"
        )
    return lengths


__all__ = ["edge_features", "to_batch", "to_data"]
