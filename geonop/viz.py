"""Pictures with matplotlib (Agg, off-screen): meshes, graphs, fields and point clouds.

Every function draws on a given matplotlib ``Axes`` (or makes one) and returns it;
:func:`save_figure` writes a PNG atomically. Nothing here needs a display or OpenGL.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def new_axes(ncols: int = 1, size: float = 5.0, projection: Optional[str] = None):
    """A figure with ``ncols`` axes side by side; returns ``(figure, [axes...])``."""
    plt = _pyplot()
    fig = plt.figure(figsize=(size * ncols, size * 0.8))
    axes = [fig.add_subplot(1, ncols, i + 1, projection=projection) for i in range(ncols)]
    return fig, axes


def save_figure(fig: Any, path: os.PathLike | str, dpi: int = 130) -> Path:
    """Write ``fig`` as a PNG at ``path`` atomically (temp file, then rename) and close it."""
    from geonop.errors import WriteError

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise WriteError(path, f"could not write the picture: {exc}") from exc
    finally:
        _pyplot().close(fig)
    return path


def plot_edges_2d(
    ax: Any,
    points: np.ndarray,
    edge_index: np.ndarray,
    *,
    window: Optional[Sequence[float]] = None,
    color: str = "0.35",
    linewidth: float = 0.3,
) -> Any:
    """Draw graph edges ``edge_index`` [2, E] between ``points`` [N, >=2] (x, y used).

    ``window = (xmin, xmax, ymin, ymax)`` keeps only edges with an end inside it and sets
    the view; each undirected edge is drawn once.
    """
    from matplotlib.collections import LineCollection

    ei = np.asarray(edge_index)
    ei = ei[:, ei[0] < ei[1]]
    xy = np.asarray(points)[:, :2]
    if window is not None:
        x0, x1, y0, y1 = window
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        ei = ei[:, inside[ei[0]] | inside[ei[1]]]
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
    ax.add_collection(LineCollection(xy[ei.T], colors=color, linewidths=linewidth))
    ax.set_aspect("equal")
    if window is None:
        ax.autoscale()
    return ax


def triangulate_cells(cells: dict) -> np.ndarray:
    """Triangles [T, 3] from a cells mapping: triangles as they are, quads split 0-1-2 / 0-2-3."""
    tris = [np.asarray(cells["triangle"], dtype=np.int64).reshape(-1, 3)] if "triangle" in cells else []
    if "quad" in cells:
        q = np.asarray(cells["quad"], dtype=np.int64).reshape(-1, 4)
        tris += [q[:, [0, 1, 2]], q[:, [0, 2, 3]]]
    return np.concatenate(tris) if tris else np.zeros((0, 3), dtype=np.int64)


def plot_field_2d(
    ax: Any,
    points: np.ndarray,
    values: np.ndarray,
    *,
    triangles: Optional[np.ndarray] = None,
    levels: int | Sequence[float] = 40,
    cmap: str = "RdBu_r",
    label: str = "",
    window: Optional[Sequence[float]] = None,
    contour_zero: bool = False,
) -> Any:
    """Filled contours of a scalar ``values`` [N] at ``points`` [N, >=2].

    Without ``triangles`` a Delaunay triangulation of the points is used. ``contour_zero``
    adds the zero level (e.g. the wall of a signed distance field).
    """
    import matplotlib.tri as mtri

    xy = np.asarray(points)[:, :2]
    tri = mtri.Triangulation(xy[:, 0], xy[:, 1], triangles)
    cs = ax.tricontourf(tri, np.asarray(values, dtype=float), levels=levels, cmap=cmap,
                        extend="both")
    if contour_zero:
        ax.tricontour(tri, np.asarray(values, dtype=float), levels=[0.0], colors="k",
                      linewidths=1.0)
    ax.figure.colorbar(cs, ax=ax, shrink=0.8, label=label)
    ax.set_aspect("equal")
    if window is not None:
        ax.set_xlim(window[0], window[1])
        ax.set_ylim(window[2], window[3])
    return ax


def plot_points_3d(
    ax: Any,
    points: np.ndarray,
    *,
    values: Optional[np.ndarray] = None,
    size: float = 1.0,
    cmap: str = "viridis",
    color: str = "C0",
) -> Any:
    """Scatter ``points`` [N, 3] on a 3D axes, coloured by ``values`` [N] when given."""
    p = np.asarray(points)
    kw = {"c": values, "cmap": cmap} if values is not None else {"color": color}
    ax.scatter(p[:, 0], p[:, 1], p[:, 2], s=size, depthshade=False, **kw)
    span = (p.max(0) - p.min(0)).max() / 2
    mid = (p.max(0) + p.min(0)) / 2
    for setter, m in zip((ax.set_xlim, ax.set_ylim, ax.set_zlim), mid):
        setter(m - span, m + span)
    return ax


def plot_edges_3d(ax: Any, points: np.ndarray, edge_index: np.ndarray, *, color: str = "0.3",
                  linewidth: float = 0.4) -> Any:
    """Draw graph edges [2, E] between ``points`` [N, 3] on a 3D axes (each pair once)."""
    from mpl_toolkits.mplot3d.art3d import Line3DCollection

    ei = np.asarray(edge_index)
    ei = ei[:, ei[0] < ei[1]]
    ax.add_collection3d(Line3DCollection(np.asarray(points)[ei.T], colors=color,
                                         linewidths=linewidth))
    return ax
