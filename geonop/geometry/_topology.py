"""Connectivity checks used before a signed distance is computed.

Points with bit-identical coordinates are welded first, so triangle soups (STL) and
curves whose closing point is repeated pass when they are in fact closed.
"""

from __future__ import annotations

import numpy as np

from geonop.errors import InvalidMeshError


def weld(points: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Return ``cells`` re-indexed so that points with identical coordinates share an id
    (the lowest original index of each group, so ids still index ``points``)."""
    _, first, inverse = np.unique(points, axis=0, return_index=True, return_inverse=True)
    return first[inverse.reshape(-1)][cells]


def check_closed_surface(points: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Check that a triangulated surface is closed, manifold and consistently oriented.

    Every directed edge ``u -> v`` (u != v) must occur exactly once and its reverse
    ``v -> u`` exactly once: that is, each edge has two faces that traverse it in
    opposite directions.

    Returns:
        The welded triangles [T, 3].

    Raises:
        InvalidMeshError: naming the first offending edge.
    """
    tris = weld(points, tris)
    n = int(tris.max()) + 1
    u = tris.reshape(-1)
    v = np.roll(tris, -1, axis=1).reshape(-1)
    keep = u != v  # edges of collapsed faces (repeated index) carry no orientation
    u, v = u[keep], v[keep]
    key = u * n + v
    uniq, counts = np.unique(key, return_counts=True)
    if (counts > 1).any():
        k = int(uniq[np.argmax(counts > 1)])
        raise InvalidMeshError(
            f"faces: edge {k // n}-{k % n} is traversed {int(counts.max())} times in the same "
            "direction: the surface is non-manifold or its faces are not consistently oriented "
            "(fix the winding, e.g. with trimesh.repair.fix_winding)"
        )
    rev = v * n + u
    pos = np.searchsorted(uniq, rev)
    pos[pos >= len(uniq)] = 0
    missing = uniq[pos] != rev
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise InvalidMeshError(
            f"faces: the surface is not closed (watertight): {int(missing.sum())} boundary "
            f"edge(s), e.g. {int(u[i])}-{int(v[i])}; signed distance needs a closed surface "
            "(unsigned distance works on any surface)"
        )
    return tris


def check_closed_curve(points: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Check that a 2D segment set is closed: every point is used by an even number of
    segments (so it decomposes into loops). Orientation is not required.

    Returns:
        The welded segments [S, 2].
    """
    segments = weld(points, segments)
    keep = segments[:, 0] != segments[:, 1]
    degree = np.bincount(segments[keep].reshape(-1), minlength=int(segments.max()) + 1)
    odd = np.flatnonzero(degree % 2 == 1)
    if len(odd):
        raise InvalidMeshError(
            f"segments: the curve is not closed: {len(odd)} open end(s), e.g. at vertex "
            f"{int(odd[0])} (used by {int(degree[odd[0]])} segment(s)); signed distance and "
            "outward orientation need closed loops"
        )
    return segments


def signed_volume(points: np.ndarray, tris: np.ndarray) -> float:
    """Volume enclosed by a closed triangulated surface; negative when it faces inwards."""
    a, b, c = points[tris[:, 0]], points[tris[:, 1]], points[tris[:, 2]]
    # translate to the centroid so large offsets do not cost precision
    o = points.mean(axis=0)
    return float(np.einsum("ij,ij->i", a - o, np.cross(b - o, c - o)).sum() / 6.0)


def triangle_edges(tris: np.ndarray) -> tuple[np.ndarray, int]:
    """Undirected edge ids of each triangle's edges AB, AC, BC.

    Returns:
        edge ids [T, 3] and the number of distinct edges.
    """
    n = int(tris.max()) + 1
    pairs = np.stack([tris[:, [0, 1]], tris[:, [0, 2]], tris[:, [1, 2]]], axis=1).reshape(-1, 2)
    key = np.minimum(pairs[:, 0], pairs[:, 1]) * n + np.maximum(pairs[:, 0], pairs[:, 1])
    uniq, inverse = np.unique(key, return_inverse=True)
    return inverse.reshape(-1, 3), len(uniq)
