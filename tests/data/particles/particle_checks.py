"""Physical measures of particle trajectories used by the dataset tests.

Blocks are found as the connected groups of particles at frame 0 (scenes place blocks
several spacings apart); each measure is then taken per block.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import ConvexHull, cKDTree

from geonop.data.particles import Trajectory


def spacing(points: np.ndarray) -> float:
    """Median nearest-neighbour distance of points [N, d]."""
    d, _ = cKDTree(points).query(points, k=2)
    return float(np.median(d[:, 1]))


def blocks(traj: Trajectory) -> list[np.ndarray]:
    """Particle indices of each block at frame 0 (connected within 1.5 spacings)."""
    x0 = traj.positions[0].astype(np.float64)
    if len(x0) < 2:
        return [np.arange(len(x0))]
    pairs = cKDTree(x0).query_pairs(1.5 * spacing(x0), output_type="ndarray")
    n = len(x0)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return [np.flatnonzero(labels == k) for k in range(labels.max() + 1)]


def sand_pile_metrics(traj: Trajectory) -> dict[str, float]:
    """How sand blocks turned into piles.

    Returns
    -------
    dict
        ``height_ratio``: largest final/initial vertical extent over blocks;
        ``width_ratio``: smallest final/initial horizontal extent over blocks;
        ``slope_deg``: mean angle of the free flanks of the final deposits (not touching a
        wall), from the foot of the flank to where the surface first reaches 90% of the
        deposit's height; ``final_speed``: RMS speed over the last step (box units/s).
    """
    x0, x1 = traj.positions[0].astype(np.float64), traj.positions[-1].astype(np.float64)
    h_ratio, w_ratio = [], []
    for idx in blocks(traj):
        h_ratio.append(np.ptp(x1[idx, 1]) / np.ptp(x0[idx, 1]))
        w_ratio.append(np.ptp(x1[idx, 0]) / np.ptp(x0[idx, 0]))
    lo, hi = traj.bounds[0]
    s = spacing(x0)
    width = 2 * s
    edges = np.arange(lo, hi + width, width)
    which = np.clip(np.digitize(x1[:, 0], edges) - 1, 0, len(edges) - 2)
    height = np.zeros(len(edges) - 1)
    np.maximum.at(height, which, x1[:, 1] - traj.bounds[1][0])
    filled = height > 0
    angles = []
    k = 0
    while k < len(height):
        if not filled[k]:
            k += 1
            continue
        start = k
        while k < len(height) and filled[k]:
            k += 1
        run = height[start:k]
        if len(run) < 4:
            continue
        top = 0.9 * run.max()
        first = int(np.argmax(run >= top))
        last = len(run) - 1 - int(np.argmax(run[::-1] >= top))
        if start > 1:  # left flank is free (not at the wall)
            angles.append(np.degrees(np.arctan2(top, (first + 0.5) * width)))
        if k < len(height) - 1:
            angles.append(np.degrees(np.arctan2(top, (len(run) - last - 0.5) * width)))
    v = (traj.positions[-1] - traj.positions[-2]).astype(np.float64) / traj.dt
    return {"height_ratio": float(max(h_ratio)), "width_ratio": float(min(w_ratio)),
            "slope_deg": float(np.mean(angles)) if angles else float("nan"),
            "final_speed": float(np.sqrt(np.mean(np.sum(v**2, axis=1))))}


def jelly_shape_metrics(traj: Trajectory) -> dict[str, float]:
    """How well jelly blocks keep their shape, worst block over the trajectory.

    Returns
    -------
    dict
        ``shape_error``: largest RMS residual after the best rigid fit of a block onto its
        initial shape, relative to the block's RMS radius; ``area_change``: largest
        relative change of a block's convex-hull area.
    """
    errors, areas = [0.0], [0.0]
    for idx in blocks(traj):
        ref = traj.positions[0, idx].astype(np.float64)
        ref_c = ref - ref.mean(0)
        radius = np.sqrt(np.mean(np.sum(ref_c**2, axis=1)))
        area0 = ConvexHull(ref).volume
        for frame in traj.positions[:, idx]:
            cur = frame.astype(np.float64)
            cur_c = cur - cur.mean(0)
            u, _, vt = np.linalg.svd(cur_c.T @ ref_c)
            d = np.sign(np.linalg.det(u @ vt))
            rot = u @ np.diag([1.0, d]) @ vt
            resid = cur_c - ref_c @ rot.T
            errors.append(np.sqrt(np.mean(np.sum(resid**2, axis=1))) / radius)
            areas.append(abs(ConvexHull(cur).volume / area0 - 1.0))
    return {"shape_error": float(max(errors)), "area_change": float(max(areas))}


def water_rest_ratio(traj: Trajectory, mask: np.ndarray) -> float:
    """Kinetic energy of the masked particles over the last 5 steps over its peak."""
    ke = traj.kinetic_energy(mask)
    return float(ke[-5:].mean() / ke.max())
