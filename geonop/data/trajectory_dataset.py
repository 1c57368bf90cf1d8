"""Particle trajectories, one training sample per time window, read lazily.

Each trajectory is a file (``.npz`` holding ``position`` of shape [T, N, d] and,
optionally, ``particle_type`` of shape [N]) or an in-memory mapping with the same
keys. Only the shapes are read up front; positions are loaded when a window of that
trajectory is first asked for, and the ``cache_size`` most recent trajectories stay in
memory. Sample ``(trajectory, t)`` is::

    Data(pos=[N, d],                 # positions at step t
         pos_history=[N, H + 1, d],  # positions at steps t - H .. t
         y=[N, d],                   # positions at step t + 1 ([N, K, d] for horizon K > 1)
         particle_type=[N],          # when the trajectory has one
         trajectory=[1], step=[1])

:meth:`TrajectoryDataset.statistics` returns the per-dimension statistics of
velocities and accelerations (finite differences per frame, as in the
"Learning to Simulate" metadata) over the training trajectories.
"""

from __future__ import annotations

import os
import zipfile
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Union

import numpy as np
import torch
from torch_geometric.data import Data

from geonop.data.base import GeometryDataset
from geonop.data.mesh_dataset import list_files
from geonop.data.normalization import FieldStats, RunningStats
from geonop.errors import CorruptFileError, InvalidArgumentError

TrajectoryLike = Union[str, os.PathLike, Mapping[str, Any]]


def _npz_shape(path: Path, key: str) -> tuple[int, ...]:
    """Shape of array ``key`` in an ``.npz`` file, read from its header only."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if f"{key}.npy" not in names:
                raise CorruptFileError(
                    path, f"no array {key!r} (arrays: {', '.join(n[:-4] for n in names)})"
                )
            with zf.open(f"{key}.npy") as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, _ = np.lib.format.read_array_header_1_0(f)
                else:
                    shape, _, _ = np.lib.format.read_array_header_2_0(f)
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise CorruptFileError(path, f"not a readable .npz file ({exc})") from exc
    return tuple(shape)


class TrajectoryDataset(GeometryDataset):
    """Windows of particle trajectories for learned simulators.

    Parameters
    ----------
    root : folder, glob, file, or sequence of files or mappings
        Trajectories: ``.npz`` files with ``position`` [T, N, d] (and optionally
        ``particle_type`` [N]), or mappings with those keys.
    history : int
        Past steps in each sample (``H``; ``H`` velocities need ``H + 1`` positions).
    horizon : int
        Future positions in ``Data.y``.
    stride : int
        Steps between consecutive windows.
    cache_size : int
        Trajectories kept in memory.
    """

    def __init__(
        self,
        root: TrajectoryLike | Sequence[TrajectoryLike],
        history: int = 5,
        horizon: int = 1,
        stride: int = 1,
        cache_size: int = 2,
    ) -> None:
        if history < 1 or horizon < 1 or stride < 1:
            raise InvalidArgumentError(
                f"history, horizon and stride must be >= 1, got {history}, {horizon}, {stride}"
            )
        self.history, self.horizon, self.stride = int(history), int(horizon), int(stride)
        self.cache_size = max(1, int(cache_size))
        if isinstance(root, Mapping):
            sources: list[Any] = [root]
        elif isinstance(root, (str, os.PathLike)):
            sources = list(list_files(root, suffixes=(".npz",)))
        else:
            sources = []
            for item in root:
                sources.extend([item] if isinstance(item, Mapping) else list_files(item, (".npz",)))
        if not sources:
            raise InvalidArgumentError("TrajectoryDataset: no trajectories given")
        self.sources = sources
        shapes = [self._shape(s) for s in sources]
        dims = {s[2] for s in shapes}
        if len(dims) != 1:
            raise InvalidArgumentError(f"trajectories mix dimensions {sorted(dims)}")
        self.dim = dims.pop()
        counts = []
        for t, _, _ in shapes:
            n_windows = max(0, (t - self.history - self.horizon + self.stride - 1) // self.stride)
            counts.append(n_windows)
        self._counts = np.asarray(counts, dtype=np.int64)
        self._offsets = np.concatenate([[0], np.cumsum(self._counts)])
        if self._offsets[-1] == 0:
            raise InvalidArgumentError(
                f"trajectories are too short for history={history}, horizon={horizon}"
            )
        self._cache: OrderedDict[int, dict[str, np.ndarray]] = OrderedDict()

    @staticmethod
    def _shape(src: Any) -> tuple[int, int, int]:
        if isinstance(src, Mapping):
            shape = tuple(np.shape(src["position"]))
            where: Any = "trajectory"
        else:
            shape = _npz_shape(Path(src), "position")
            where = src
        if len(shape) != 3:
            raise CorruptFileError(where, f"position must have shape [T, N, d], got {list(shape)}")
        return shape  # type: ignore[return-value]

    def __len__(self) -> int:
        return int(self._offsets[-1])

    def locate(self, index: int) -> tuple[int, int]:
        """``(trajectory, t)`` of sample ``index``."""
        traj = int(np.searchsorted(self._offsets, index, side="right") - 1)
        t = self.history + (index - int(self._offsets[traj])) * self.stride
        return traj, t

    def trajectory(self, i: int) -> dict[str, np.ndarray]:
        """All arrays of trajectory ``i`` (``position`` [T, N, d], ``particle_type`` [N])."""
        if i in self._cache:
            self._cache.move_to_end(i)
            return self._cache[i]
        src = self.sources[i]
        if isinstance(src, Mapping):
            arrays = {k: np.asarray(v) for k, v in src.items()}
        else:
            try:
                with np.load(src, allow_pickle=False) as z:
                    arrays = {k: z[k] for k in z.files}
            except (ValueError, OSError, zipfile.BadZipFile) as exc:
                raise CorruptFileError(src, f"cannot read trajectory ({exc})") from exc
        self._cache[i] = arrays
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return arrays

    def get(self, index: int, seed: int | None = None) -> Data:
        traj, t = self.locate(index)
        arrays = self.trajectory(traj)
        pos = arrays["position"]
        window = torch.as_tensor(np.asarray(pos[t - self.history: t + 1], dtype=np.float32))
        future = torch.as_tensor(np.asarray(pos[t + 1: t + 1 + self.horizon], dtype=np.float32))
        y = future[0] if self.horizon == 1 else future.transpose(0, 1)
        data = Data(pos=window[-1], pos_history=window.transpose(0, 1), y=y,
                    trajectory=torch.tensor([traj]), step=torch.tensor([t]))
        if "particle_type" in arrays:
            data.particle_type = torch.as_tensor(np.asarray(arrays["particle_type"], dtype=np.int64))
        data.num_nodes = window.shape[1]
        return data

    def spec(self) -> dict[str, Any]:
        return {"dim": self.dim, "history": self.history, "horizon": self.horizon,
                "model_args": {"pos_dim": self.dim, "history": self.history}}

    def statistics(
        self,
        indices: Sequence[int] | None = None,
        max_samples: int | None = None,
        seed: int = 0,
    ) -> dict[str, FieldStats]:
        """Velocity and acceleration statistics over the trajectories of ``indices``.

        ``max_samples`` caps the number of trajectories read.
        """
        idx = range(len(self)) if indices is None else indices
        trajs = sorted({self.locate(int(i))[0] for i in idx})
        if not trajs:
            raise InvalidArgumentError("cannot compute normalisation statistics of zero samples")
        if max_samples is not None and len(trajs) > max_samples:
            trajs = sorted(np.random.default_rng(seed).choice(trajs, max_samples, replace=False))
        vel, acc = RunningStats(), RunningStats()
        for i in trajs:
            pos = np.asarray(self.trajectory(int(i))["position"], dtype=np.float64)
            v = np.diff(pos, axis=0)
            vel.update(v.reshape(-1, self.dim))
            if v.shape[0] > 1:
                acc.update(np.diff(v, axis=0).reshape(-1, self.dim))
        return {"velocity": vel.result(), "acceleration": acc.result()}
