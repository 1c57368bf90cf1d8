"""A bounding-volume hierarchy traversed for many queries at once (numpy, no loops
over queries).

The tree is a complete binary tree in heap layout: level ``l`` has ``2**l`` nodes and
node ``j`` covers a contiguous range of the primitives, sorted by median splits of
their centroids along each node's longest axis. Leaves hold at most ``leaf_size``
primitives, stored padded (by repeating the leaf's first primitive, harmless for a
minimum) as ``leaf_prims [n_leaves, width]``.

Each node is bounded by a *slab-disk*: the set of points within ``thick`` of a plane
(line in 2D) through ``centre`` with unit ``normal``, and within ``radius`` of
``centre`` in that plane. The normal is the direction of least spread of the node's
corner points, so for the nearly flat patches that make up a surface the bound is
far tighter than an axis-aligned box, whatever the patch's orientation. Each node also
keeps a representative point lying on one of its primitives: its distance to a query
is an upper bound on the query's distance to the geometry.

Traversal is breadth-first over levels for a batch of queries: a ``(query, node)``
pair survives while the node's lower bound is within the query's threshold, and the
threshold shrinks to the nearest representative seen so far. Thresholds are upper
bounds on the true nearest distance (with a margin for rounding), so a node holding a
nearest primitive is never pruned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

_BUDGET = 1 << 19
#: bound on the rounding error of |v|^2 - h^2 relative to |v|^2 (|normal| = 1)
_CANCEL = (
    16 * np.finfo(np.float64).eps
)  # (query, node) pairs expanded at once; larger frontiers are split


@dataclass
class BVH:
    #: per level ``l``, node data [2**l, 3d + 2]: centre, normal, representative point,
    #: radius, thickness (packed so that one gather fetches a node)
    nodes: list[np.ndarray]
    leaf_prims: np.ndarray  # [2**depth, width] int64
    depth: int
    dim: int


def _slab_bounds(pts: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Centre [n, d], normal [n, d], radius [n], thickness [n] of point groups given as
    contiguous rows of ``pts`` [N, d], packed as [n, 2d + 2]."""
    owner = np.repeat(np.arange(len(starts)), sizes)
    centre = np.add.reduceat(pts, starts, axis=0) / sizes[:, None]
    rel = pts - centre[owner]
    cov = np.add.reduceat(rel[:, :, None] * rel[:, None, :], starts, axis=0)
    normal = np.linalg.eigh(cov)[1][:, :, 0]  # eigenvalues ascend: least spread first
    h = (rel * normal[owner]).sum(1)
    w = rel - h[:, None] * normal[owner]
    thick = np.maximum.reduceat(np.abs(h), starts)
    radius = np.maximum.reduceat(np.sqrt((w * w).sum(1)), starts)
    # h and w carry rounding relative to |rel|: widen by a few ulps of the extent
    pad = 16 * np.finfo(np.float64).eps * np.sqrt(thick**2 + radius**2)
    return np.concatenate([centre, normal, (radius + pad)[:, None], (thick + pad)[:, None]], 1)


def build(prim_pts: np.ndarray, leaf_size: int = 8) -> BVH:
    """Build the hierarchy over primitives given by their corner points [P, k, d]
    (triangles: k = 3, segments: k = 2)."""
    n, k, d = prim_pts.shape
    centroid = prim_pts.mean(axis=1)
    depth = max(0, int(np.ceil(np.log2(max(n / leaf_size, 1.0)))))
    perm = np.arange(n)
    starts = np.zeros(1, dtype=np.int64)
    sizes = np.full(1, n, dtype=np.int64)
    ranges = [(starts, sizes)]
    for _ in range(depth):
        # split each node at its middle position along its longest centroid extent
        c = centroid[perm]
        axis = np.argmax(
            np.maximum.reduceat(c, starts, axis=0) - np.minimum.reduceat(c, starts, axis=0), 1
        )
        owner = np.repeat(np.arange(len(starts)), sizes)
        perm = perm[np.lexsort((c[np.arange(n), axis[owner]], owner))]
        half = sizes // 2
        starts = np.stack([starts, starts + half], axis=1).reshape(-1)
        sizes = np.stack([half, sizes - half], axis=1).reshape(-1)
        ranges.append((starts, sizes))
    # every leaf is non-empty: n / 2**depth > leaf_size / 2 >= 1 for leaf_size >= 2
    col = np.minimum(np.arange(int(sizes.max()))[None, :], sizes[:, None] - 1)
    leaf_prims = perm[starts[:, None] + col]

    corners = prim_pts[perm].reshape(n * k, d)
    cent = centroid[perm]
    nodes = []
    for starts, sizes in ranges:
        slab = _slab_bounds(corners, starts * k, sizes * k)
        # representative: the primitive centroid nearest the node's centre
        owner = np.repeat(np.arange(len(starts)), sizes)
        gap = ((cent - slab[owner, :d]) ** 2).sum(1)
        rep = cent[np.lexsort((gap, owner))[starts]]
        nodes.append(np.concatenate([slab[:, : 2 * d], rep, slab[:, 2 * d :]], axis=1))
    return BVH(nodes, leaf_prims, depth, d)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # explicit sums: ndarray.sum(1) over 2-3 columns is several times slower
    out = a[:, 0] * b[:, 0]
    for j in range(1, a.shape[1]):
        out += a[:, j] * b[:, j]
    return out


def node_bounds(q: np.ndarray, node: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Squared lower bound on the distance from ``q`` [P, d] to the nodes (packed rows
    [P, 3d + 2]) and squared distance to their representative points (an upper
    bound on the distance to the geometry).

    For p in the slab-disk, ``|q - p|^2 >= max(|h| - thick, 0)^2 + max(rho - radius,
    0)^2`` where h is the offset of q along the normal and rho the length of its
    in-plane part. rho comes from ``|v|^2 - h^2``, lowered by a bound on that
    difference's rounding error so that the result stays a lower bound.
    """
    d = q.shape[1]
    v = q - node[:, :d]
    h = _dot(v, node[:, d : 2 * d])
    v2 = _dot(v, v)
    rho = np.sqrt(np.maximum(v2 - h * h - _CANCEL * v2, 0.0))
    e_plane = np.maximum(np.abs(h) - node[:, 3 * d + 1], 0.0)
    e_disk = np.maximum(rho - node[:, 3 * d], 0.0)
    r = q - node[:, 2 * d : 3 * d]
    return e_plane * e_plane + e_disk * e_disk, _dot(r, r)


def traverse(
    bvh: BVH,
    q: np.ndarray,
    thresh2: np.ndarray,
    visit: Callable[[np.ndarray, np.ndarray], None],
    widen: Callable[[np.ndarray], np.ndarray],
) -> None:
    """Call ``visit(query_ids, leaf_ids)`` on batches of ``(query, leaf)`` pairs that
    cover every leaf whose bound lies within ``sqrt(thresh2[query])`` of the query.

    ``thresh2`` [M] starts as an upper bound on each query's squared distance (``inf``
    is fine) and is lowered in place to ``widen(|q - rep|^2)`` for each representative
    passed (``widen`` adds the margin for rounding); ``visit`` may lower it too. Frontiers larger than
    ``_BUDGET`` pairs are split and processed depth-first, so memory stays bounded even
    when nothing can be pruned (queries at the centre of a sphere).
    """
    stack = [(np.arange(len(q), dtype=np.int64), np.zeros(len(q), dtype=np.int64), 0)]
    root = np.broadcast_to(bvh.nodes[0][0], (len(q), bvh.nodes[0].shape[1]))
    np.minimum(thresh2, widen(node_bounds(q, root)[1]), out=thresh2)
    while stack:
        qi, node, level = stack.pop()
        if len(qi) == 0:
            continue
        if level == bvh.depth:
            visit(qi, node)
            continue
        if 2 * len(qi) > _BUDGET and len(qi) > 1:
            half = len(qi) // 2
            stack.append((qi[half:], node[half:], level))
            stack.append((qi[:half], node[:half], level))
            continue
        qi = np.repeat(qi, 2)
        node = 2 * np.repeat(node, 2)
        node[1::2] += 1
        lb, ub = node_bounds(q[qi], bvh.nodes[level + 1][node])
        # qi stays sorted (repeat and boolean filtering keep order): reduce per run
        first = np.flatnonzero(np.r_[True, qi[1:] != qi[:-1]])
        owners = qi[first]
        thresh2[owners] = np.minimum(thresh2[owners], widen(np.minimum.reduceat(ub, first)))
        keep = lb <= thresh2[qi]
        stack.append((qi[keep], node[keep], level + 1))
