"""P1 finite-element pieces on 2D triangle meshes, shared by monitors, quality and movers.

Everything is vectorised numpy/scipy.sparse; triangles are int arrays of shape [F, 3].
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from geonop.errors import InvalidArgumentError, InvalidMeshError


def check_mesh(points: np.ndarray, triangles: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """``points`` as float64 [N, 2] and ``triangles`` as int64 [F, 3], or an error naming ``where``."""
    pts = np.asarray(points, dtype=np.float64)
    tri = np.asarray(triangles)
    if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] < 3:
        raise InvalidArgumentError(f"{where}: points must have shape [N >= 3, 2], got {list(pts.shape)}")
    if not np.isfinite(pts).all():
        raise InvalidArgumentError(f"{where}: points contain NaN or infinite coordinates")
    if tri.ndim != 2 or tri.shape[1] != 3 or tri.shape[0] < 1:
        raise InvalidArgumentError(f"{where}: triangles must have shape [F >= 1, 3], got {list(tri.shape)}")
    if not np.issubdtype(tri.dtype, np.integer):
        raise InvalidArgumentError(f"{where}: triangles must be integer node indices, got {tri.dtype}")
    if tri.min() < 0 or tri.max() >= pts.shape[0]:
        raise InvalidMeshError(
            f"{where}: triangle node indices must lie in [0, {pts.shape[0] - 1}], "
            f"got [{tri.min()}, {tri.max()}]")
    return pts, tri.astype(np.int64)


def signed_areas(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Signed area of each triangle (positive when counter-clockwise): array [F]."""
    p0, p1, p2 = (points[triangles[:, k]] for k in range(3))
    return 0.5 * ((p1[:, 0] - p0[:, 0]) * (p2[:, 1] - p0[:, 1])
                  - (p2[:, 0] - p0[:, 0]) * (p1[:, 1] - p0[:, 1]))


def basis_gradients(points: np.ndarray, triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of the three P1 basis functions of each triangle and the signed areas.

    Returns
    -------
    grads : ndarray of shape [F, 3, 2]
    areas : ndarray of shape [F]
    """
    x = points[triangles]  # [F, 3, 2]
    area = signed_areas(points, triangles)
    two_a = 2.0 * area
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(two_a != 0, 1.0 / two_a, 0.0)
    grads = np.empty((len(triangles), 3, 2))
    for i in range(3):
        j, k = (i + 1) % 3, (i + 2) % 3
        grads[:, i, 0] = (x[:, j, 1] - x[:, k, 1]) * inv
        grads[:, i, 1] = (x[:, k, 0] - x[:, j, 0]) * inv
    return grads, area


def cell_gradient(grads: np.ndarray, triangles: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Constant gradient of the P1 interpolant of nodal ``values`` ([N] or [N, C]) on each
    cell: [F, 2] or [F, C, 2]."""
    v = values[triangles]  # [F, 3] or [F, 3, C]
    if v.ndim == 2:
        return np.einsum("fi,fid->fd", v, grads)
    return np.einsum("fic,fid->fcd", v, grads)


def recovery_matrix(triangles: np.ndarray, areas: np.ndarray, num_nodes: int) -> sp.csr_matrix:
    """Sparse [N, F] matrix averaging cell values to nodes with area weights.

    This is the classical gradient recovery (area-weighted average over the cells around a
    node), which is second-order accurate on structured-like meshes and is what makes a P1
    potential give a usable Hessian.
    """
    a = np.abs(areas)
    rows = triangles.reshape(-1)
    cols = np.repeat(np.arange(len(triangles)), 3)
    vals = np.repeat(a, 3)
    m = sp.csr_matrix((vals, (rows, cols)), shape=(num_nodes, len(triangles)))
    weight = np.asarray(m.sum(axis=1)).reshape(-1)
    if (weight <= 0).any():
        raise InvalidMeshError(
            f"{int((weight <= 0).sum())} node(s) belong to no cell of positive area; "
            "remove unused nodes before moving the mesh")
    return sp.diags(1.0 / weight) @ m


def stiffness_and_mass(points: np.ndarray, triangles: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """P1 stiffness matrix [N, N] and lumped mass vector [N] (a third of each cell area)."""
    grads, area = basis_gradients(points, triangles)
    a = np.abs(area)
    local = np.einsum("fid,fjd->fij", grads, grads) * a[:, None, None]
    rows = np.repeat(triangles, 3, axis=1).reshape(-1)
    cols = np.tile(triangles, (1, 3)).reshape(-1)
    n = len(points)
    k = sp.csr_matrix((local.reshape(-1), (rows, cols)), shape=(n, n))
    mass = np.bincount(triangles.reshape(-1), weights=np.repeat(a / 3.0, 3), minlength=n)
    return k, mass


def triangle_edges(triangles: np.ndarray) -> np.ndarray:
    """Unique undirected edges of the triangles: int array [E, 2] with ``i < j``."""
    e = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
    e.sort(axis=1)
    n = int(triangles.max()) + 1
    key = np.unique(e[:, 0] * n + e[:, 1])  # 1-D integer keys: far faster than unique rows
    return np.stack([key // n, key % n], axis=1)
