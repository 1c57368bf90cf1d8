"""Operator-learning data with sharp fronts: a field's samples in, the field at query points out.

Every sample is a random :class:`~geonop.movers.fields.FrontField` (1-2 tanh fronts,
straight or circular, widths 0.02-0.06) on the unit square, known on a regular grid of input
points, with the exact field at query points as the target. It is the task on which
``benchmarks/bench_movers.py --integration`` measures whether placing an operator's latent
nodes with a mesh mover helps (:class:`~geonop.models.latent_grid.LatentGridOperator`):
the fronts are thinner than the input spacing of 1/31, so where the latent nodes sit matters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch_geometric.data import Data

from geonop.data.base import GeometryDataset
from geonop.errors import CorruptFileError, InvalidArgumentError
from geonop.movers.fields import FrontField, random_front_field


class FrontReconstructionDataset(GeometryDataset):
    """Random sharp-front fields: values on an input grid -> values at query points.

    A sample has ``input_pos`` [N, 2] and ``input_x`` [N, 1] (the field on a regular
    ``input_resolution`` x ``input_resolution`` grid of the unit square, ``N =
    input_resolution**2``), ``pos`` [M, 2] (query points) and ``y`` [M, 1] (the exact field
    there). The full sample (``dataset[i]``) has the cell centres of an ``eval_resolution``
    x ``eval_resolution`` grid as queries; the training view (``dataset[(i, seed)]``) has
    ``query_points`` uniformly random ones, new for every seed. Field ``i`` is drawn from
    ``(seed, i)``, so the same arguments always give the same fields.

    Parameters
    ----------
    root : str, optional
        Folder of a copy of the fields: ``fronts-<arguments>.npz`` (front parameters
        [num_samples, max_fronts, 6], columns as in :data:`geonop.movers.fields.PARAM_COLUMNS`)
        is written there on first use and read on later ones, so other tools (and later
        runs) see exactly the fields a run trained on. ``None``: nothing is written.
    num_samples : int
        Number of fields.
    input_resolution : int
        Input grid points per side (>= 2).
    query_points : int
        Random queries per training view (>= 1).
    eval_resolution : int
        Query grid cells per side of the full sample (>= 1).
    max_fronts : int
        Fronts per field (1 to this many).
    width_range : [float, float]
        Front widths (length units of the unit square).
    seed : int
        Seed of the fields.
    """

    normalized_fields: ClassVar[tuple[str, ...]] = ("input_x", "y")

    def __init__(self, root: str | None = None, num_samples: int = 256,
                 input_resolution: int = 32, query_points: int = 256, eval_resolution: int = 64,
                 max_fronts: int = 2, width_range: list[float] | tuple[float, float] = (0.02, 0.06),
                 seed: int = 0) -> None:
        if int(num_samples) < 1 or int(input_resolution) < 2 or int(query_points) < 1 \
                or int(eval_resolution) < 1 or int(max_fronts) < 1:
            raise InvalidArgumentError(
                f"FrontReconstructionDataset: need num_samples >= 1, input_resolution >= 2, "
                f"query_points >= 1, eval_resolution >= 1 and max_fronts >= 1, got "
                f"{num_samples}, {input_resolution}, {query_points}, {eval_resolution}, "
                f"{max_fronts}")
        w = tuple(float(v) for v in width_range)
        if len(w) != 2 or not 0 < w[0] <= w[1]:
            raise InvalidArgumentError(f"FrontReconstructionDataset: width_range must be "
                                       f"[low, high] with 0 < low <= high, got {width_range}")
        self.num_samples = int(num_samples)
        self.input_resolution = int(input_resolution)
        self.query_points = int(query_points)
        self.eval_resolution = int(eval_resolution)
        self.max_fronts = int(max_fronts)
        self.width_range = (w[0], w[1])
        self.seed = int(seed)
        s = np.linspace(0.0, 1.0, self.input_resolution)
        self._inputs = np.stack(np.meshgrid(s, s), -1).reshape(-1, 2)
        g = (np.arange(self.eval_resolution) + 0.5) / self.eval_resolution
        self._eval_queries = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
        self._fronts = self._load_or_draw(None if root is None else Path(root))

    # -- fields ----------------------------------------------------------------------------
    def _draw(self) -> np.ndarray:
        return np.stack([random_front_field(np.random.default_rng([self.seed, i]),
                                            self.max_fronts, self.width_range).params
                         for i in range(self.num_samples)])

    def _load_or_draw(self, root: Path | None) -> np.ndarray:
        if root is None:
            return self._draw()
        name = (f"fronts-n{self.num_samples}-k{self.max_fronts}-w{self.width_range[0]:g}_"
                f"{self.width_range[1]:g}-s{self.seed}.npz")
        path = root / name
        shape = (self.num_samples, self.max_fronts, 6)
        if path.is_file():
            try:
                with np.load(path) as f:
                    fronts = np.asarray(f["fronts"], dtype=np.float64)
            except (OSError, ValueError, KeyError) as exc:
                raise CorruptFileError(path, f"cannot read the fronts of the fields ({exc})") from exc
            if fronts.shape != shape or not np.isfinite(fronts).all():
                raise CorruptFileError(path, f"fronts must be finite with shape {list(shape)}, "
                                             f"got {list(fronts.shape)}")
            return fronts
        from geonop.io import atomic_write

        fronts = self._draw()
        atomic_write(path, lambda tmp: np.savez(tmp, fronts=fronts), suffix=".npz")
        return fronts

    def field(self, index: int) -> FrontField:
        """The exact field of sample ``index`` (values, gradients, Hessians anywhere)."""
        return FrontField(self._fronts[int(index)].copy())

    # -- protocol --------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.num_samples

    def spec(self) -> dict[str, Any]:
        return {"targets": [["u", 1]], "model_args": {"in_channels": 1, "out_channels": 1},
                "input_resolution": self.input_resolution}

    def get(self, index: int, seed: int | None = None) -> Data:
        field = self.field(index)
        if seed is None:
            queries = self._eval_queries
        else:
            queries = np.random.default_rng([self.seed, int(index), int(seed)]).random(
                (self.query_points, 2))
        f32 = torch.float32
        return Data(input_pos=torch.as_tensor(self._inputs, dtype=f32),
                    input_x=torch.as_tensor(field.value(self._inputs), dtype=f32)[:, None],
                    pos=torch.as_tensor(queries, dtype=f32),
                    y=torch.as_tensor(field.value(queries), dtype=f32)[:, None])
