"""Training data of data-free mesh movers: random sharp-front fields on random meshes.

Every sample is a triangle mesh of the unit square (a structured grid or a jittered
Delaunay mesh, of a random size) with a random :class:`~geonop.movers.fields.FrontField` on
its nodes, and what the Monge-Ampere loss needs: the fronts themselves (so the monitor can be
evaluated exactly at moved points), the monitor's normalisation and mean, and collocation
points. No moved mesh is ever stored: the mover learns from the equation alone.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from torch_geometric.data import Data

from geonop.data.base import GeometryDataset
from geonop.data.normalization import FieldStats
from geonop.errors import InvalidArgumentError
from geonop.movers._fem import triangle_edges
from geonop.movers.fields import FrontField, random_front_field
from geonop.movers.grids import jittered_delaunay_mesh, structured_triangle_mesh

#: monitor kinds: the indicator each is built from
MONITORS = ("gradient", "hessian")


def monitor_indicator(field: FrontField, kind: str, x: np.ndarray) -> np.ndarray:
    """``|grad u|^2`` (``"gradient"``) or ``||H(u)||_F`` (``"hessian"``) at points [N, 2]: [N]."""
    if kind == "gradient":
        return (field.gradient(x) ** 2).sum(1)
    if kind == "hessian":
        return field.hessian_norm(x)
    raise InvalidArgumentError(f"monitor must be one of {MONITORS}, got {kind!r}")


def monitor_statistics(field: FrontField, kind: str, alpha: float,
                       resolution: int = 201) -> tuple[float, float]:
    """``(scale, theta)`` of the monitor ``1 + alpha indicator / scale`` on the unit square:
    the indicator's maximum and the monitor's mean, over a ``resolution``^2 grid."""
    s = np.linspace(0.0, 1.0, resolution)
    g = np.stack(np.meshgrid(s, s), -1).reshape(-1, 2)
    ind = monitor_indicator(field, kind, g)
    scale = float(max(ind.max(), 1e-30))
    return scale, float((1.0 + alpha * ind / scale).mean())


def mesh_data(points: np.ndarray, triangles: np.ndarray, values: np.ndarray) -> Data:
    """A mover's input: ``pos`` [N, 2], ``x`` (field values) [N, 1], ``edge_index`` [2, 2E]
    (mesh edges, both directions) and ``face`` [3, F]."""
    e = triangle_edges(triangles)
    edge_index = torch.from_numpy(np.concatenate([e, e[:, ::-1]]).T.copy())
    return Data(pos=torch.as_tensor(points, dtype=torch.float32),
                x=torch.as_tensor(values, dtype=torch.float32).reshape(-1, 1),
                edge_index=edge_index.long(),
                face=torch.as_tensor(triangles.T.copy(), dtype=torch.long))


class FrontFieldDataset(GeometryDataset):
    """Random tanh-front fields on random unit-square meshes, for data-free mesh movers.

    A sample has ``pos`` [N, 2], ``x`` [N, 1] (field values), ``edge_index`` [2, E],
    ``face`` [3, F], ``fronts`` [1, K, 6] (the fronts the monitor is computed from),
    ``monitor`` [1, 4] (kind id, alpha, scale, theta) and ``colloc`` [1, Q, 2].

    Parameters
    ----------
    num_samples : int
        Number of samples (each is generated from ``(seed, index)``, nothing is stored).
    nodes_per_side : [int, int]
        Range of grid nodes per side (inclusive).
    unstructured_fraction : float
        Share of jittered Delaunay meshes (the rest are structured grids).
    max_fronts : int
        Fronts per field (1 to this many).
    width_range : [float, float]
        Front widths.
    monitor : str
        ``"hessian"`` (``1 + alpha ||H(u)|| / max``) or ``"gradient"``
        (``1 + alpha |grad u|^2 / max``).
    alpha : float
        Monitor strength.
    min_width : float
        The monitor is computed from the fronts widened to at least this width, which a mesh
        of spacing about ``min_width / 2`` resolves (0: the exact fronts).
    collocation_points : int
        Points per sample where the Monge-Ampere residual is evaluated: half uniform, half
        drawn with probability proportional to the monitor.
    seed : int
        Seed of the meshes and fields.
    statistics_resolution : int
        Grid (per side) on which the monitor's maximum and mean are taken (default 201; 101
        is 4x cheaper and within about 1 % for fronts widened to 0.05).
    cache : bool
        Keep each sample's mesh and monitor statistics after first use (default). Turn it off
        for very many samples seen about once each (fields are free: training on tens of
        thousands of them is what makes a learned mover generalise).
    """

    normalized_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, num_samples: int = 256, nodes_per_side: list[int] | tuple[int, int] = (17, 41),
                 unstructured_fraction: float = 0.5, max_fronts: int = 2,
                 width_range: list[float] | tuple[float, float] = (0.02, 0.06),
                 monitor: str = "hessian", alpha: float = 5.0, min_width: float = 0.05,
                 collocation_points: int = 512, seed: int = 0, statistics_resolution: int = 201,
                 cache: bool = True) -> None:
        lo, hi = (int(v) for v in nodes_per_side)
        if num_samples < 1 or not 3 <= lo <= hi:
            raise InvalidArgumentError("FrontFieldDataset: need num_samples >= 1 and "
                                       f"3 <= nodes_per_side[0] <= nodes_per_side[1], got "
                                       f"{num_samples}, {nodes_per_side}")
        if monitor not in MONITORS:
            raise InvalidArgumentError(f"FrontFieldDataset: monitor must be one of {MONITORS}, "
                                       f"got {monitor!r}")
        if not 0.0 <= unstructured_fraction <= 1.0 or alpha < 0 or min_width < 0 \
                or collocation_points < 2:
            raise InvalidArgumentError(
                "FrontFieldDataset: need 0 <= unstructured_fraction <= 1, alpha >= 0, "
                "min_width >= 0 and collocation_points >= 2")
        self.num_samples = int(num_samples)
        self.nodes_per_side = (lo, hi)
        self.unstructured_fraction = float(unstructured_fraction)
        self.max_fronts = int(max_fronts)
        self.width_range = (float(width_range[0]), float(width_range[1]))
        self.monitor = monitor
        self.alpha = float(alpha)
        self.min_width = float(min_width)
        self.collocation_points = int(collocation_points)
        self.seed = int(seed)
        self.cache = bool(cache)
        if int(statistics_resolution) < 3:
            raise InvalidArgumentError(f"FrontFieldDataset: statistics_resolution must be >= 3, "
                                       f"got {statistics_resolution}")
        self.statistics_resolution = int(statistics_resolution)
        self._base: dict[int, tuple[Data, FrontField, float, float]] = {}

    def __len__(self) -> int:
        return self.num_samples

    def spec(self) -> dict[str, Any]:
        return {"monitor": self.monitor, "alpha": self.alpha, "min_width": self.min_width}

    def statistics(self, indices: Any = None, max_samples: int | None = None,
                   seed: int = 0) -> dict[str, FieldStats]:
        # the mover normalises coordinates and values per sample: nothing to learn here
        return {}

    def sample(self, index: int) -> tuple[np.ndarray, np.ndarray, FrontField]:
        """Mesh nodes [N, 2], triangles [F, 3] and field of sample ``index``."""
        rng = np.random.default_rng([self.seed, int(index)])
        n = int(rng.integers(self.nodes_per_side[0], self.nodes_per_side[1] + 1))
        if rng.random() < self.unstructured_fraction:
            pts, tri = jittered_delaunay_mesh(n, seed=rng)
        else:
            pts, tri = structured_triangle_mesh(n)
        field = random_front_field(rng, self.max_fronts, self.width_range)
        return pts, tri, field

    def monitor_field(self, field: FrontField) -> FrontField:
        """The (widened) fronts the monitor is computed from."""
        return field.widened(self.min_width) if self.min_width > 0 else field

    def get(self, index: int, seed: int | None = None) -> Data:
        entry = self._base.get(index)
        if entry is None:  # meshes and monitor statistics are costly: keep them
            pts, tri, field = self.sample(index)
            mfield = self.monitor_field(field)
            entry = (mesh_data(pts, tri, field.value(pts)), mfield,
                     *monitor_statistics(mfield, self.monitor, self.alpha,
                                        self.statistics_resolution))
            if self.cache:
                self._base[index] = entry
        base, mfield, scale, theta = entry
        data = base.clone()
        rng = np.random.default_rng([self.seed, int(index), 1 if seed is None else 2, seed or 0])
        q = self.collocation_points
        uniform = rng.random((q - q // 2, 2))
        cand = rng.random((8 * (q // 2), 2))
        w = 1.0 + self.alpha * monitor_indicator(mfield, self.monitor, cand) / scale
        pick = rng.choice(len(cand), size=q // 2, replace=False, p=w / w.sum())
        colloc = np.concatenate([uniform, cand[pick]])
        data.fronts = torch.as_tensor(mfield.params, dtype=torch.float32).unsqueeze(0)
        data.monitor = torch.tensor([[float(MONITORS.index(self.monitor)), self.alpha, scale,
                                      theta]], dtype=torch.float32)
        data.colloc = torch.as_tensor(colloc, dtype=torch.float32).unsqueeze(0)
        return data
