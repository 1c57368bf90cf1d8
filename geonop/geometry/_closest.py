"""Vectorised exact closest points: point-to-triangle (3D) and point-to-segment (2D/3D).

Each kernel takes P query points and P primitives (one pair per row) and returns the
squared distance, the closest point and the Voronoi region of the closest point.
The arithmetic is purely element-wise, so evaluating a pair gives bit-identical
results whatever else is in the batch; the accelerated and brute-force searches in
:mod:`geonop.geometry.sdf` rely on this to agree exactly.

Triangle regions (Ericson, *Real-Time Collision Detection*, 5.1.5)::

    0 interior, 1 edge AB, 2 edge AC, 3 edge BC, 4 vertex A, 5 vertex B, 6 vertex C

Segment regions: 0 interior, 1 vertex A, 2 vertex B.
"""

from __future__ import annotations

import numpy as np

REGION_INTERIOR = 0
TRI_EDGE_AB, TRI_EDGE_AC, TRI_EDGE_BC = 1, 2, 3
TRI_VERT_A, TRI_VERT_B, TRI_VERT_C = 4, 5, 6
SEG_VERT_A, SEG_VERT_B = 1, 2

# columns of the per-triangle table built by :func:`triangle_table`
_A, _AB, _AC = slice(0, 3), slice(3, 6), slice(6, 9)
_ABAB, _ACAC, _ABAC, _N, _DEGEN = 9, 10, 11, slice(12, 15), 15

#: a triangle whose |ab x ac| is below this fraction of its longest squared edge is
#: handled as its three edges (its plane, hence its interior, is not well defined)
DEGENERATE_SINE = 1e-10


def triangle_table(points: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Per-triangle constants [T, 16]: a, ab, ac, |ab|^2, |ac|^2, ab.ac, unit normal,
    degenerate flag."""
    a = points[tris[:, 0]]
    ab = points[tris[:, 1]] - a
    ac = points[tris[:, 2]] - a
    abab = (ab * ab).sum(1)
    acac = (ac * ac).sum(1)
    abac = (ab * ac).sum(1)
    cross = np.cross(ab, ac)
    bc = ac - ab
    longest = np.maximum(np.maximum(abab, acac), (bc * bc).sum(1))
    cross_norm = np.sqrt((cross * cross).sum(1))
    degen = cross_norm <= DEGENERATE_SINE * longest
    normal = np.zeros_like(cross)
    normal[~degen] = cross[~degen] / cross_norm[~degen, None]
    return np.concatenate(
        [
            a,
            ab,
            ac,
            abab[:, None],
            acac[:, None],
            abac[:, None],
            normal,
            degen[:, None].astype(np.float64),
        ],
        axis=1,
    )


def closest_on_triangles(
    q: np.ndarray, table: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closest points of ``q`` [P, 3] on the triangles ``table`` [P, 16] (gathered rows).

    Returns:
        squared distance [P], closest point [P, 3], region [P] int8.
    """
    a, ab, ac = table[:, _A], table[:, _AB], table[:, _AC]
    abab, acac, abac = table[:, _ABAB], table[:, _ACAC], table[:, _ABAC]
    ap = q - a
    d1 = ab[:, 0] * ap[:, 0] + ab[:, 1] * ap[:, 1] + ab[:, 2] * ap[:, 2]
    d2 = ac[:, 0] * ap[:, 0] + ac[:, 1] * ap[:, 1] + ac[:, 2] * ap[:, 2]
    # dot products with b - p and c - p follow from those with a - p
    d3 = d1 - abab
    d4 = d2 - abac
    d5 = d1 - abac
    d6 = d2 - acac
    vc = d1 * d4 - d3 * d2
    vb = d5 * d2 - d1 * d6
    va = d3 * d6 - d5 * d4
    e43 = d4 - d3
    e56 = d5 - d6

    # Conditions in Ericson's order; the first one that holds decides.
    conds = [
        (d1 <= 0) & (d2 <= 0),  # vertex A
        (d3 >= 0) & (d4 <= d3),  # vertex B
        (vc <= 0) & (d1 >= 0) & (d3 <= 0),  # edge AB
        (d6 >= 0) & (d5 <= d6),  # vertex C
        (vb <= 0) & (d2 >= 0) & (d6 <= 0),  # edge AC
        (va <= 0) & (e43 >= 0) & (e56 >= 0),  # edge BC
    ]
    codes = [TRI_VERT_A, TRI_VERT_B, TRI_EDGE_AB, TRI_VERT_C, TRI_EDGE_AC, TRI_EDGE_BC]
    region = np.select(conds, codes, default=REGION_INTERIOR).astype(np.int8)

    with np.errstate(divide="ignore", invalid="ignore"):
        t_ab = d1 / (d1 - d3)
        t_ac = d2 / (d2 - d6)
        t_bc = e43 / (e43 + e56)
    v = np.select(
        [region == TRI_VERT_B, region == TRI_EDGE_AB, region == TRI_EDGE_BC],
        [1.0, t_ab, 1.0 - t_bc],
        default=0.0,
    )
    w = np.select(
        [region == TRI_VERT_C, region == TRI_EDGE_AC, region == TRI_EDGE_BC],
        [1.0, t_ac, t_bc],
        default=0.0,
    )
    cp = a + v[:, None] * ab + w[:, None] * ac
    # Interior: project onto the plane. Unlike the barycentric formula this does not
    # divide by the (possibly small) area and has no cancellation far from the plane.
    inside = region == REGION_INTERIOR
    if inside.any():
        n = table[inside][:, _N]
        api = ap[inside]
        h = n[:, 0] * api[:, 0] + n[:, 1] * api[:, 1] + n[:, 2] * api[:, 2]
        cp[inside] = q[inside] - h[:, None] * n
    diff = q - cp
    dist2 = diff[:, 0] * diff[:, 0] + diff[:, 1] * diff[:, 1] + diff[:, 2] * diff[:, 2]

    degen = table[:, _DEGEN] != 0
    if degen.any():
        d2g, cpg, rg = _closest_on_degenerate(q[degen], table[degen])
        dist2[degen], cp[degen], region[degen] = d2g, cpg, rg
    return dist2, cp, region


def _closest_on_degenerate(
    q: np.ndarray, table: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # A zero-area triangle is the union of its edges; take the nearest of the three.
    a, ab, ac = table[:, _A], table[:, _AB], table[:, _AC]
    b, c = a + ab, a + ac
    best = None
    edge_codes = [
        (a, b, TRI_EDGE_AB, TRI_VERT_A, TRI_VERT_B),
        (a, c, TRI_EDGE_AC, TRI_VERT_A, TRI_VERT_C),
        (b, c, TRI_EDGE_BC, TRI_VERT_B, TRI_VERT_C),
    ]
    for p0, p1, e_code, v0_code, v1_code in edge_codes:
        d2, cp, reg = closest_on_segments(q, p0, p1)
        code = np.select([reg == SEG_VERT_A, reg == SEG_VERT_B], [v0_code, v1_code], e_code)
        if best is None:
            best = [d2, cp, code.astype(np.int8)]
        else:
            better = d2 < best[0]
            best[0] = np.where(better, d2, best[0])
            best[1] = np.where(better[:, None], cp, best[1])
            best[2] = np.where(better, code, best[2]).astype(np.int8)
    assert best is not None
    return best[0], best[1], best[2]


def closest_on_segments(
    q: np.ndarray, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closest points of ``q`` [P, d] on segments ``a``-``b`` ([P, d] each).

    Returns:
        squared distance [P], closest point [P, d], region [P] int8.
    """
    ab = b - a
    ap = q - a
    num = (ab * ap).sum(1) if q.shape[1] != 2 else ab[:, 0] * ap[:, 0] + ab[:, 1] * ap[:, 1]
    den = (ab * ab).sum(1) if q.shape[1] != 2 else ab[:, 0] * ab[:, 0] + ab[:, 1] * ab[:, 1]
    region = np.select([num <= 0, num >= den], [SEG_VERT_A, SEG_VERT_B], REGION_INTERIOR)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(region == REGION_INTERIOR, num / den, 0.0)
    t = np.where(region == SEG_VERT_B, 1.0, t)
    cp = a + t[:, None] * ab
    diff = q - cp
    dist2 = (diff * diff).sum(1)
    return dist2, cp, region.astype(np.int8)
