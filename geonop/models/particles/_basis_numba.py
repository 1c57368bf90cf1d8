"""Compiled evaluation of :class:`~geonop.models.particles.basis_decoder.BasisKernelDecoder`
without gradients: neighbour search and basis sums fused in one pass over the queries.

The tensor path materialises the query-node edge list and a dozen [E, B] arrays; at 100k
queries (about 900k edges) that memory traffic, not arithmetic, is its cost. Here the
sparse nodes are binned into a grid of cells at least ``radius`` wide (the graph id is the
outer part of the cell key) and each query scans the 3^d cells around it, accumulating
``w * phi . C_j`` in registers. The result equals the tensor path up to float rounding
(float64 accumulation here). Serial by design: it is called inside a torch step that owns
the threads.
"""

from __future__ import annotations

import math
import warnings

import numba
import numpy as np

#: the grid holds at most this many cells per node (plus a constant): bounds its memory
_CELLS_PER_NODE = 4


def _jit(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", numba.NumbaWarning)
            return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # no writable cache location
        return numba.njit(cache=False, nogil=True)(fn)


@_jit
def _cell(v, lo, inv_w):
    return math.floor((v - lo) * inv_w)


@_jit
def _evaluate(xs, bx, coeff, ys, by, attr, xrel, yrel, radius, quad_rows, quad_cols, lo, inv_w,
              dims, num_graphs, out):
    k_nodes, d = xs.shape
    m = ys.shape[0]
    n_basis = coeff.shape[1]
    n_out = coeff.shape[2]
    n_quad = quad_rows.shape[0]
    n_attr = attr.shape[1]
    n_rel = xrel.shape[1]
    rel0 = 1 + d + n_quad + n_attr
    n_cells = num_graphs * dims[0] * dims[1] * dims[2]
    # counting sort of the nodes by cell key
    start = np.zeros(n_cells + 1, np.int64)
    keys = np.empty(k_nodes, np.int64)
    for j in range(k_nodes):
        c = np.zeros(3, np.int64)
        for a in range(d):
            c[a] = min(max(_cell(xs[j, a], lo[a], inv_w), 0), dims[a] - 1)
        key = ((bx[j] * dims[0] + c[0]) * dims[1] + c[1]) * dims[2] + c[2]
        keys[j] = key
        start[key + 1] += 1
    for c in range(n_cells):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    perm = np.empty(k_nodes, np.int64)
    for j in range(k_nodes):
        perm[fill[keys[j]]] = j
        fill[keys[j]] += 1
    inv_r = 1.0 / radius
    phi = np.empty(n_basis)
    s = np.zeros(3)
    acc = np.empty(n_out)
    lo_c = np.zeros(3, np.int64)
    hi_c = np.zeros(3, np.int64)
    for i in range(m):
        for a in range(3):
            if a < d:
                c = _cell(ys[i, a], lo[a], inv_w)
                lo_c[a] = max(c - 1, 0)
                hi_c[a] = min(c + 1, dims[a] - 1)
            else:
                lo_c[a] = 0
                hi_c[a] = 0
        for o in range(n_out):
            acc[o] = 0.0
        total = 0.0
        g = by[i]
        for c0 in range(lo_c[0], hi_c[0] + 1):
            for c1 in range(lo_c[1], hi_c[1] + 1):
                for c2 in range(lo_c[2], hi_c[2] + 1):
                    key = ((g * dims[0] + c0) * dims[1] + c1) * dims[2] + c2
                    for t in range(start[key], start[key + 1]):
                        j = perm[t]
                        s2 = 0.0
                        for a in range(d):
                            s[a] = (ys[i, a] - xs[j, a]) * inv_r
                            s2 += s[a] * s[a]
                        if s2 >= 1.0:
                            continue
                        w = (1.0 - s2) * (1.0 - s2)
                        total += w
                        phi[0] = w
                        for a in range(d):
                            phi[1 + a] = s[a] * w
                        for q in range(n_quad):
                            phi[1 + d + q] = s[quad_rows[q]] * s[quad_cols[q]] * w
                        for q in range(n_attr):
                            phi[1 + d + n_quad + q] = attr[i, q] * w
                        for q in range(n_rel):
                            phi[rel0 + q] = (yrel[i, q] - xrel[j, q]) * w
                        for o in range(n_out):
                            v = 0.0
                            for b in range(n_basis):
                                v += phi[b] * coeff[j, b, o]
                            acc[o] += v
        if total > 0.0:
            for o in range(n_out):
                out[i, o] = acc[o] / total
        else:
            for o in range(n_out):
                out[i, o] = 0.0


def evaluate(xs: np.ndarray, bx: np.ndarray, coeff: np.ndarray, ys: np.ndarray,
             by: np.ndarray, attr: np.ndarray, xrel: np.ndarray, yrel: np.ndarray,
             radius: float, quad_rows: np.ndarray, quad_cols: np.ndarray,
             num_graphs: int) -> np.ndarray:
    """The decoded field at ``ys`` [M, d] (float64 [M, out]); arrays as in :func:`_evaluate`:
    ``xs`` [K, d] float64, ``bx`` [K] and ``by`` [M] int64 graph ids, ``coeff`` [K, B, out]
    float64, ``attr`` [M, A] float64, relative features ``xrel`` [K, R] and ``yrel`` [M, R]
    float64 (``yrel[i] - xrel[j]`` enters the basis), ``quad_rows/cols`` [Q] int64."""
    k_nodes, d = xs.shape
    out = np.zeros((ys.shape[0], coeff.shape[2]), np.float64)
    if k_nodes == 0 or ys.shape[0] == 0:
        return out
    lo = xs.min(axis=0)
    ext = xs.max(axis=0) - lo
    width = radius * (1.0 + 1e-9)
    limit = _CELLS_PER_NODE * k_nodes + 1024
    active = max(int(np.count_nonzero(ext > 0)), 1)
    while True:
        cells = np.floor(ext / width) + 1.0
        total = float(np.prod(cells)) * num_graphs
        if total <= limit:
            break
        # too fine a grid for the node count: wider cells scan more candidates, same answer
        width *= (total / limit) ** (1.0 / active) * 1.01
    dims = np.ones(3, np.int64)
    dims[:d] = cells.astype(np.int64)
    lo3 = np.zeros(3)
    lo3[:d] = lo
    _evaluate(xs, bx, coeff, ys, by, attr, xrel, yrel, float(radius), quad_rows, quad_cols, lo3,
              1.0 / width, dims, int(num_graphs), out)
    return out
