"""Node placement for operators: put an operator's latent (or query) nodes where a field needs
resolution, with a mesh mover.

A graph or neural-field operator (GINO-style: inputs -> latent nodes -> queries) usually puts
its latent nodes on a uniform grid. :class:`MoverPlacement` is a callable that takes the
points where the input field is known and its values there, and returns the positions of a
fixed number of latent nodes: a structured grid of the domain's bounding box, moved by a
Monge-Ampere mover so that nodes gather where the field varies fast. The node count and the
grid's connectivity never change, so an operator can swap it for the uniform grid without
any other change; :meth:`MoverPlacement.to_computational` maps the operator's input and
query points into the grid's computational coordinates, so the operator can work on the
uniform grid and see the field zoomed in where the nodes gathered
(``benchmarks/bench_movers.py --integration`` measures both).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from geonop.errors import InvalidArgumentError, MissingFileError
from geonop.movers.grids import structured_triangle_mesh
from geonop.movers.learned import DataFreeMeshMover
from geonop.movers.monge_ampere import MongeAmpereMover
from geonop.movers.monitor import hessian_monitor

#: movers :meth:`MoverPlacement.named` builds
MOVER_NAMES = ("learned", "classical")


def shipped_mover_checkpoint() -> Path:
    """The learned mover shipped with the repository (``datasets/movers/dmm_fronts.pt``)."""
    return Path(__file__).resolve().parents[2] / "datasets" / "movers" / "dmm_fronts.pt"


class MoverPlacement:
    """Latent nodes of a structured grid, moved towards where a field needs resolution.

    Args:
        mover: a :class:`DataFreeMeshMover` (fast; the default is one with its untrained
            weights, i.e. the plain curvature monitor and the classical relaxation steps) or a
            :class:`MongeAmpereMover` (driven by the recovered curvature monitor of strength
            ``alpha``).
        nodes_per_side: grid nodes per side; the operator gets ``nodes_per_side**2`` nodes.
        bounds: ``(x0, y0, x1, y1)`` of the grid; default: the bounding box of the points.
        neighbors: input points used to interpolate the field at each grid node (inverse
            distance weighting, default 4).
        alpha: monitor strength for a :class:`MongeAmpereMover` (default 5).

    Shapes:
        - **input:** ``points`` [N, 2] (ndarray or Tensor), ``values`` [N]
        - **output:** node positions [nodes_per_side**2, 2], same type, dtype and device as
          ``points``
    """

    def __init__(self, mover: DataFreeMeshMover | MongeAmpereMover | None = None,
                 nodes_per_side: int = 16,
                 bounds: tuple[float, float, float, float] | None = None,
                 neighbors: int = 4, alpha: float = 5.0) -> None:
        if mover is not None and not isinstance(mover, (DataFreeMeshMover, MongeAmpereMover)):
            raise InvalidArgumentError(f"MoverPlacement: mover must be a DataFreeMeshMover or a "
                                       f"MongeAmpereMover, got {type(mover).__name__}")
        if int(nodes_per_side) < 3 or int(neighbors) < 1 or not alpha >= 0:
            raise InvalidArgumentError(f"MoverPlacement: need nodes_per_side >= 3, neighbors >= 1 "
                                       f"and alpha >= 0, got {nodes_per_side}, {neighbors}, {alpha}")
        if bounds is not None and not (len(bounds) == 4 and bounds[2] > bounds[0]
                                       and bounds[3] > bounds[1]):
            raise InvalidArgumentError(f"MoverPlacement: bounds must be (x0, y0, x1, y1) with "
                                       f"x1 > x0 and y1 > y0, got {bounds}")
        self.mover = DataFreeMeshMover() if mover is None else mover
        self.nodes_per_side = int(nodes_per_side)
        self.bounds = None if bounds is None else tuple(float(b) for b in bounds)
        self.neighbors = int(neighbors)
        self.alpha = float(alpha)

    @classmethod
    def named(cls, mover: str = "learned", checkpoint: str | Path | None = None,
              nodes_per_side: int = 16, bounds: tuple[float, float, float, float] | None = None,
              alpha: float = 5.0) -> MoverPlacement:
        """A placement from plain options, as models store them: ``mover="learned"`` reads
        the :class:`DataFreeMeshMover` of ``checkpoint`` (default: the shipped one,
        :func:`shipped_mover_checkpoint`), ``"classical"`` is a :class:`MongeAmpereMover`.

        Raises:
            InvalidArgumentError: unknown ``mover``.
            MissingFileError: no checkpoint file there.
            CheckpointError: a file that is not a learned mover's checkpoint.
        """
        from geonop.errors import CheckpointError
        from geonop.models.stored import load_checkpoint, model_from_checkpoint

        if mover not in MOVER_NAMES:
            raise InvalidArgumentError(f"MoverPlacement: mover must be one of {MOVER_NAMES}, "
                                       f"got {mover!r}")
        if mover == "classical":
            return cls(MongeAmpereMover(), nodes_per_side, bounds=bounds, alpha=alpha)
        path = shipped_mover_checkpoint() if checkpoint is None else Path(checkpoint)
        if not path.is_file():
            raise MissingFileError(path, "no learned mover checkpoint there (give another "
                                         "checkpoint, or mover='classical')")
        model = model_from_checkpoint(load_checkpoint(path), path).eval()
        if not isinstance(model, DataFreeMeshMover):
            raise CheckpointError(path, f"holds a {type(model).__name__}, not a "
                                        f"DataFreeMeshMover")
        return cls(model, nodes_per_side, bounds=bounds, alpha=alpha)

    def __repr__(self) -> str:
        return (f"MoverPlacement({type(self.mover).__name__}, "
                f"nodes_per_side={self.nodes_per_side})")

    @property
    def num_nodes(self) -> int:
        """Number of nodes placed."""
        return self.nodes_per_side**2

    def reference(self, points: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The unmoved grid: nodes [L, 2] and triangles [F, 3] (of ``bounds``, or of the
        bounding box of ``points`` [N, 2])."""
        if self.bounds is not None:
            box = self.bounds
        elif points is not None:
            lo, hi = points.min(0), points.max(0)
            box = (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))
        else:
            box = (0.0, 0.0, 1.0, 1.0)
        return structured_triangle_mesh(self.nodes_per_side, bounds=box)

    def __call__(self, points: np.ndarray | Tensor, values: np.ndarray | Tensor) -> Any:
        as_tensor = isinstance(points, Tensor)
        pts = points.detach().double().cpu().numpy() if as_tensor else np.asarray(points, np.float64)
        vals = (values.detach().double().cpu().numpy() if isinstance(values, Tensor)
                else np.asarray(values, np.float64)).reshape(-1)
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < self.neighbors:
            raise InvalidArgumentError(f"MoverPlacement: points must have shape [N >= "
                                       f"{self.neighbors}, 2], got {list(pts.shape)}")
        if vals.shape != (len(pts),) or not np.isfinite(vals).all() or not np.isfinite(pts).all():
            raise InvalidArgumentError(f"MoverPlacement: values must be finite with shape "
                                       f"[{len(pts)}], got {list(vals.shape)}")
        nodes, tri = self.reference(pts)
        u = _idw(pts, vals, nodes, self.neighbors)
        if isinstance(self.mover, DataFreeMeshMover):
            moved = self.mover.move(nodes, u, tri).points
        else:
            moved = self.mover.move(nodes, tri, hessian_monitor(nodes, tri, u, self.alpha, 1)).points
        if as_tensor:
            return torch.as_tensor(moved, dtype=points.dtype, device=points.device)
        return moved

    def to_computational(self, nodes: np.ndarray | Tensor, points: np.ndarray | Tensor,
                         bounds_points: np.ndarray | None = None) -> Any:
        """Map ``points`` [M, 2] of the domain into the grid's computational coordinates:
        the piecewise-linear inverse of the move that gave ``nodes`` [L, 2] (an output of
        this placement). An operator that then works on the uniform grid sees the field
        zoomed in where the nodes gathered (MM-PDE style); points the moved mesh does not
        cover (round-off on the boundary) stay where they are.

        ``bounds_points``: the input points the grid was built from when ``bounds`` is None.
        Returns the same type, dtype and device as ``points``.
        """
        import matplotlib.tri as mtri

        as_tensor = isinstance(points, Tensor)
        x = points.detach().double().cpu().numpy() if as_tensor else np.asarray(points, np.float64)
        z = nodes.detach().double().cpu().numpy() if isinstance(nodes, Tensor) else np.asarray(nodes, np.float64)
        ref, tri = self.reference(bounds_points)
        if z.shape != ref.shape or x.ndim != 2 or x.shape[1] != 2:
            raise InvalidArgumentError(f"MoverPlacement.to_computational: need nodes of shape "
                                       f"{list(ref.shape)} and points [M, 2], got "
                                       f"{list(z.shape)} and {list(x.shape)}")
        t = mtri.Triangulation(z[:, 0], z[:, 1], tri)
        out = np.stack([np.ma.filled(mtri.LinearTriInterpolator(t, ref[:, k])(x[:, 0], x[:, 1])
                                     .astype(np.float64), np.nan) for k in (0, 1)], 1)
        out = np.where(np.isfinite(out), out, x)
        if as_tensor:
            return torch.as_tensor(out, dtype=points.dtype, device=points.device)
        return out


def _idw(points: np.ndarray, values: np.ndarray, targets: np.ndarray, k: int) -> np.ndarray:
    """Inverse-distance-weighted interpolation from the ``k`` nearest points: [M]."""
    from scipy.spatial import cKDTree

    dist, idx = cKDTree(points).query(targets, k=k)
    dist, idx = dist.reshape(len(targets), -1), idx.reshape(len(targets), -1)
    w = 1.0 / np.maximum(dist, 1e-12) ** 2
    return (w * values[idx]).sum(1) / w.sum(1)
