"""Pictures of airfoil flows: predicted vs true fields around the airfoil, Cp curves, C_L.

All figures use matplotlib (Agg) and are written atomically with
:func:`geonop.viz.save_figure`. Fields are drawn on the cell centres with a Delaunay
triangulation whose triangles inside the airfoil are masked.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Union

import numpy as np

from geonop.viz import _pyplot, save_figure

PathLike = Union[str, "os.PathLike[str]"]

#: the window drawn around the airfoil (chords)
WINDOW = (-0.4, 1.6, -0.5, 0.5)


def _triangulation(points: np.ndarray, outline: np.ndarray, window: Sequence[float]):
    import matplotlib.tri as mtri
    from matplotlib.path import Path as MplPath

    x0, x1, y0, y1 = window
    pad = 0.1 * (x1 - x0)
    keep = ((points[:, 0] > x0 - pad) & (points[:, 0] < x1 + pad) & (points[:, 1] > y0 - pad)
            & (points[:, 1] < y1 + pad))
    idx = np.nonzero(keep)[0]
    tri = mtri.Triangulation(points[idx, 0], points[idx, 1])
    centres = points[idx][tri.triangles].mean(1)
    inside = MplPath(outline).contains_points(centres)
    # long triangles bridge the airfoil's concave trailing edge: drop them too
    edge = np.max(np.linalg.norm(points[idx][tri.triangles] - np.roll(points[idx][tri.triangles], 1, 1), axis=2), 1)
    tri.set_mask(inside | (edge > 0.2))
    return tri, idx


def plot_fields(points: np.ndarray, outline: np.ndarray, true: Mapping[str, np.ndarray],
                pred: Mapping[str, np.ndarray], path: PathLike, title: str = "",
                window: Sequence[float] = WINDOW) -> Path:
    """Rows of (true, predicted, |error|) for each named scalar field.

    Parameters
    ----------
    points : ndarray of shape [N, 2]
    outline : ndarray of shape [K, 2]
    true, pred : dict of str to ndarray of shape [N]
        Same keys (e.g. ``{"Cp": ..., "|U|/U_inf": ...}``).
    path : path of the PNG
    """
    plt = _pyplot()
    tri, idx = _triangulation(points, outline, window)
    names = list(true)
    fig, axes = plt.subplots(len(names), 3, figsize=(14, 3.2 * len(names)), squeeze=False)
    for row, name in enumerate(names):
        t, p = np.asarray(true[name])[idx], np.asarray(pred[name])[idx]
        lo, hi = np.percentile(t, [1, 99])
        err = np.abs(p - t)
        for col, (vals, label, cmap, lim) in enumerate(
                [(t, f"{name} (OpenFOAM)", "RdBu_r", (lo, hi)),
                 (p, f"{name} (predicted)", "RdBu_r", (lo, hi)),
                 (err, f"|error| of {name}", "magma", (0, max(np.percentile(err, 99), 1e-12)))]):
            ax = axes[row, col]
            art = ax.tripcolor(tri, vals, shading="gouraud", cmap=cmap, vmin=lim[0], vmax=lim[1])
            ax.fill(outline[:, 0], outline[:, 1], color="0.6")
            ax.set_xlim(window[0], window[1])
            ax.set_ylim(window[2], window[3])
            ax.set_aspect("equal")
            ax.set_title(label, fontsize=10)
            fig.colorbar(art, ax=ax, shrink=0.8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_cp(surface_pos: np.ndarray, cp_true: np.ndarray | None, cp_pred: np.ndarray,
            path: PathLike, title: str = "", extra: Mapping[str, np.ndarray] | None = None) -> Path:
    """Pressure coefficient along the chord (``-Cp`` up, the aerodynamicist's convention).

    ``extra`` adds curves of other predictors (label -> Cp [M])."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    order = np.argsort(np.arctan2(surface_pos[:, 1], surface_pos[:, 0] - 0.5))
    x = surface_pos[order, 0]
    if cp_true is not None:
        ax.plot(x, -np.asarray(cp_true)[order], "k-", lw=2, label="OpenFOAM")
    ax.plot(x, -np.asarray(cp_pred)[order], "C3--", lw=1.6, label="geonop")
    for k, (label, cp) in enumerate((extra or {}).items()):
        ax.plot(x, -np.asarray(cp)[order], f"C{k}:", lw=1.2, label=label)
    ax.set_xlabel("x / c")
    ax.set_ylabel("-Cp")
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_coefficients(true: Mapping[str, np.ndarray], pred: Mapping[str, np.ndarray],
                      path: PathLike, title: str = "") -> Path:
    """Predicted vs true C_L and C_D over cases (``{"cl": [...], "cd": [...]}``)."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    for ax, key, label in zip(axes, ("cl", "cd"), ("C_L", "C_D")):
        t, p = np.asarray(true[key]), np.asarray(pred[key])
        lo, hi = min(t.min(), p.min()), max(t.max(), p.max())
        ax.plot([lo, hi], [lo, hi], "k-", lw=0.8)
        ax.scatter(t, p, s=18, c="C3")
        ax.set_xlabel(f"{label} (OpenFOAM)")
        ax.set_ylabel(f"{label} (predicted)")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def speed_and_pressure(volume_nd: np.ndarray) -> dict[str, Any]:
    """``{"Cp": [N], "|U|/U_inf": [N]}`` from non-dimensional volume fields [N, 4]."""
    return {"Cp": volume_nd[:, 2], "|U|/U_inf": np.linalg.norm(volume_nd[:, 0:2], axis=1)}
