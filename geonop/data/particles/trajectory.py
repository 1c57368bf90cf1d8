"""Particle trajectories in memory, and a lazy dataset of one-step training windows.

:class:`Trajectory` is the in-memory form every reader returns and every writer takes:
positions of ``N`` particles over ``T`` frames, their type codes, the time between
frames and the box. :class:`ParticleDataset` serves windows of stored trajectories
(the last ``history + 1`` positions and the next one) without loading a split whole.

Particle type codes follow DeepMind's "Learning to Simulate" datasets (3 kinematic or
boundary, 5 water, 6 sand, 7 goop); geonop's elastic jelly, absent there, is 8, which
still fits the 9-entry type embedding of GNS.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Union

import numpy as np
import torch
from torch_geometric.data import Data

from geonop.data.base import GeometryDataset
from geonop.data.normalization import FieldStats
from geonop.errors import InvalidArgumentError, InvalidMeshError, MissingFileError

PathLike = Union[str, "os.PathLike[str]"]

KINEMATIC: int = 3
WATER: int = 5
SAND: int = 6
GOOP: int = 7
JELLY: int = 8

#: material name -> particle type code
PARTICLE_TYPES: dict[str, int] = {
    "boundary": KINEMATIC, "water": WATER, "sand": SAND, "goop": GOOP, "jelly": JELLY,
}


@dataclass
class Trajectory:
    """One simulated trajectory of ``N`` particles over ``T`` frames.

    Attributes
    ----------
    positions : ndarray of shape [T, N, d], float32
        Particle positions per frame.
    particle_type : ndarray of shape [N], int64
        Type code of each particle (see :data:`PARTICLE_TYPES`).
    dt : float
        Time between consecutive frames, in seconds.
    bounds : ndarray of shape [d, 2], float64, optional
        ``[[x_min, x_max], [y_min, y_max], ...]`` of the box (walls or periodic cell).
    metadata : dict
        JSON-able extras (scene description, material, generator settings, source).
    name : str
        Name of the trajectory in its file (e.g. ``"simulation_trajectory_3"``).

    Raises
    ------
    InvalidMeshError
        If the shapes disagree or the positions are not finite.
    """

    positions: np.ndarray
    particle_type: np.ndarray
    dt: float = 1.0
    bounds: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    name: str = ""

    def __post_init__(self) -> None:
        where = f"trajectory {self.name!r}" if self.name else "trajectory"
        pos = np.asarray(self.positions)
        if pos.ndim != 3 or pos.shape[2] not in (1, 2, 3):
            raise InvalidMeshError(f"{where}: positions must have shape [T, N, d] with d in 1..3, "
                                   f"got {list(pos.shape)}")
        if not np.issubdtype(pos.dtype, np.number):
            raise InvalidMeshError(f"{where}: positions are not numeric ({pos.dtype})")
        self.positions = np.ascontiguousarray(pos, dtype=np.float32)
        if not np.isfinite(self.positions).all():
            raise InvalidMeshError(f"{where}: positions contain NaN or Inf")
        ptype = np.asarray(self.particle_type)
        if ptype.ndim == 0:  # a single type for every particle, as some GNS ports store it
            ptype = np.full(pos.shape[1], ptype, dtype=np.int64)
        if ptype.shape != (pos.shape[1],):
            raise InvalidMeshError(f"{where}: particle_type must have shape [{pos.shape[1]}] "
                                   f"(one per particle), got {list(ptype.shape)}")
        if (ptype.size and not np.issubdtype(ptype.dtype, np.integer)
                and not np.all(np.mod(ptype, 1) == 0)):
            raise InvalidMeshError(f"{where}: particle_type must hold integers")
        self.particle_type = ptype.astype(np.int64)
        self.dt = float(self.dt)
        if not self.dt > 0:
            raise InvalidMeshError(f"{where}: dt must be > 0, got {self.dt}")
        if self.bounds is not None:
            b = np.asarray(self.bounds, dtype=np.float64)
            if b.shape != (pos.shape[2], 2):
                raise InvalidMeshError(f"{where}: bounds must have shape [{pos.shape[2]}, 2], "
                                       f"got {list(b.shape)}")
            self.bounds = b
        self.metadata = dict(self.metadata)

    # -- shape -------------------------------------------------------------------------
    @property
    def num_frames(self) -> int:
        """``T``, the number of stored frames (``T - 1`` steps)."""
        return int(self.positions.shape[0])

    @property
    def num_particles(self) -> int:
        """``N``."""
        return int(self.positions.shape[1])

    @property
    def dim(self) -> int:
        """``d``, the spatial dimension."""
        return int(self.positions.shape[2])

    # -- derived quantities ------------------------------------------------------------
    def velocities(self) -> np.ndarray:
        """Finite-difference velocities per frame, ndarray of shape [T - 1, N, d] (box units
        per frame, the convention of the GNS statistics; divide by :attr:`dt` for per second)."""
        return np.diff(self.positions.astype(np.float64), axis=0)

    def accelerations(self) -> np.ndarray:
        """Second differences, ndarray of shape [T - 2, N, d] (box units per frame^2)."""
        return np.diff(self.positions.astype(np.float64), n=2, axis=0)

    def kinetic_energy(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Mean kinetic energy per unit mass, ``0.5 |v|^2`` with ``v`` in box units per second.

        Parameters
        ----------
        mask : ndarray of shape [N], bool, optional
            Particles to include (default: all).

        Returns
        -------
        ndarray of shape [T - 1]
            One value per step (central velocities are not used: step ``k`` is the
            velocity between frames ``k`` and ``k + 1``).
        """
        v = self.velocities() / self.dt
        if mask is not None:
            v = v[:, np.asarray(mask, dtype=bool)]
        return 0.5 * np.mean(np.sum(v**2, axis=-1), axis=-1)

    def window(self, t: int, history: int = 5) -> tuple[np.ndarray, np.ndarray]:
        """Inputs and target of the one-step sample ending at frame ``t``.

        Returns
        -------
        inputs : ndarray of shape [N, history + 1, d]
            Positions at frames ``t - history .. t``.
        target : ndarray of shape [N, d]
            Position at frame ``t + 1``.
        """
        if not history <= t < self.num_frames - 1:
            raise InvalidArgumentError(
                f"window: t must be in [{history}, {self.num_frames - 2}] for history={history} "
                f"and {self.num_frames} frames, got {t}"
            )
        inputs = self.positions[t - history: t + 1].transpose(1, 0, 2)
        return np.ascontiguousarray(inputs), self.positions[t + 1].copy()

    def subset(self, index: np.ndarray) -> Trajectory:
        """The same trajectory restricted to particles ``index`` (e.g. one material)."""
        idx = np.asarray(index)
        return Trajectory(self.positions[:, idx], self.particle_type[idx], self.dt,
                          self.bounds, dict(self.metadata), self.name)

    def __repr__(self) -> str:
        return (f"Trajectory(name={self.name!r}, frames={self.num_frames}, "
                f"particles={self.num_particles}, dim={self.dim}, dt={self.dt:g})")


class TrajectorySource(Protocol):
    """What :class:`ParticleDataset` needs of a stored split (an ``.npz`` or ``.h5`` file)."""

    path: Path

    def __len__(self) -> int: ...

    def shape(self, i: int) -> tuple[int, int, int]: ...

    def load(self, i: int) -> Trajectory: ...


def detect_layout(root: PathLike) -> str:
    """``"deepmind"`` (``*.npz`` splits) or ``"lagrangebench"`` (``*.h5`` splits) for a folder.

    Raises
    ------
    MissingFileError
        If ``root`` does not exist or holds neither layout.
    """
    root = Path(root)
    if not root.is_dir():
        raise MissingFileError(root, "dataset folder does not exist")
    names = {p.name for p in root.iterdir()}
    if any(f"{s}.npz" in names for s in ("train", "valid", "test")):
        return "deepmind"
    if any(f"{s}.h5" in names for s in ("train", "valid", "test")):
        return "lagrangebench"
    raise MissingFileError(root, "no train/valid/test .npz or .h5 split files in this folder")


def open_split(root: PathLike, split: str, allow_pickle: bool = False) -> TrajectorySource:
    """Lazy access to split ``split`` of a dataset folder in either layout.

    Parameters
    ----------
    root : path
        Folder with ``metadata.json`` and ``{train,valid,test}.npz`` (DeepMind layout)
        or ``.h5`` (LagrangeBench layout).
    split : str
        ``"train"``, ``"valid"`` or ``"test"``.
    allow_pickle : bool
        Allow the pickled ``.npz`` layout of the geoelements/gns port (only for files
        you trust).
    """
    layout = detect_layout(root)
    if layout == "deepmind":
        from geonop.data.particles.deepmind import NpzTrajectoryFile, read_metadata
        meta = read_metadata(root)
        return NpzTrajectoryFile(Path(root) / f"{split}.npz", meta, allow_pickle=allow_pickle)
    from geonop.data.particles.lagrangebench import H5TrajectoryFile
    from geonop.data.particles.lagrangebench import read_metadata as read_lb
    return H5TrajectoryFile(Path(root) / f"{split}.h5", read_lb(root))


class ParticleDataset(GeometryDataset):
    """One-step training windows of particle trajectories, loaded lazily.

    Sample ``k`` is the window of trajectory ``i`` ending at frame ``t``
    (``history <= t <= T - 2``)::

        Data(pos=[N, d],                 # positions at frame t
             pos_history=[N, H + 1, d],  # positions at frames t - H .. t (H = history)
             y=[N, d],                   # position at frame t + 1
             particle_type=[N],          # int64 type codes
             pos_reference=[N, d],       # positions at frame 0 (the rest configuration)
             trajectory=[1], step=[1])

    With the default ``history=5`` the input holds the last 6 positions (5 velocities),
    as in GNS. Only shapes are read at construction; the ``cache_size`` most recently
    used trajectories stay in memory.

    Parameters
    ----------
    root : path, TrajectorySource, or sequence of Trajectory
        A dataset folder (with ``split``), an opened split file, or trajectories in memory.
        (Named ``root`` like every geonop dataset, so a training config can build it.)
    split : str
        Split to read when ``root`` is a folder.
    history : int
        ``H``, the number of past steps in each input (``H + 1`` positions).
    stride : int
        Frames between consecutive windows of a trajectory.
    cache_size : int
        Trajectories kept in memory.
    allow_pickle : bool
        Passed to :func:`open_split` for the pickled geoelements/gns layout.
    """

    normalized_fields = ()

    def __init__(
        self,
        root: PathLike | TrajectorySource | Sequence[Trajectory],
        split: str = "train",
        history: int = 5,
        stride: int = 1,
        cache_size: int = 4,
        allow_pickle: bool = False,
    ) -> None:
        if history < 1 or stride < 1:
            raise InvalidArgumentError(f"history and stride must be >= 1, got {history}, {stride}")
        self.history, self.stride = int(history), int(stride)
        self.cache_size = max(1, int(cache_size))
        self.metadata: dict[str, Any] = {}
        self._memory: list[Trajectory] | None = None
        self._source: TrajectorySource | None = None
        if isinstance(root, (str, os.PathLike)):
            self._source = open_split(root, split, allow_pickle=allow_pickle)
        elif isinstance(root, Sequence) and all(isinstance(t, Trajectory) for t in root):
            self._memory = list(root)
        elif hasattr(root, "load") and hasattr(root, "shape"):
            self._source = root  # type: ignore[assignment]
        else:
            raise InvalidArgumentError(
                "ParticleDataset: root must be a dataset folder, an opened split file or a "
                f"sequence of Trajectory, got {type(root).__name__}"
            )
        if self._source is not None:
            self.metadata = dict(getattr(self._source, "metadata", {}) or {})
            shapes = [self._source.shape(i) for i in range(len(self._source))]
        else:
            shapes = [t.positions.shape for t in self._memory or []]
        if not shapes:
            raise InvalidArgumentError("ParticleDataset: no trajectories")
        dims = {int(s[2]) for s in shapes}
        if len(dims) != 1:
            raise InvalidArgumentError(f"ParticleDataset: trajectories mix dimensions {sorted(dims)}")
        self.dim = dims.pop()
        counts = [max(0, (int(s[0]) - 1 - self.history + self.stride - 1) // self.stride)
                  for s in shapes]
        self._shapes = [tuple(int(v) for v in s) for s in shapes]
        self._offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        if self._offsets[-1] == 0:
            raise InvalidArgumentError(
                f"ParticleDataset: every trajectory is shorter than history + 2 = {self.history + 2} frames"
            )
        self._cache: OrderedDict[int, Trajectory] = OrderedDict()

    # -- trajectories ------------------------------------------------------------------
    @property
    def num_trajectories(self) -> int:
        """Number of trajectories."""
        return len(self._shapes)

    def trajectory(self, i: int) -> Trajectory:
        """Trajectory ``i`` in full (cached)."""
        if not 0 <= i < self.num_trajectories:
            raise IndexError(f"trajectory {i} out of range for {self.num_trajectories}")
        if self._memory is not None:
            return self._memory[i]
        if i in self._cache:
            self._cache.move_to_end(i)
            return self._cache[i]
        assert self._source is not None
        traj = self._source.load(i)
        self._cache[i] = traj
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return traj

    def trajectories(self) -> Iterable[Trajectory]:
        """Every trajectory, one at a time."""
        for i in range(self.num_trajectories):
            yield self.trajectory(i)

    # -- windows -----------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self._offsets[-1])

    def locate(self, index: int) -> tuple[int, int]:
        """``(trajectory, t)`` of window ``index``: inputs end at frame ``t``."""
        traj = int(np.searchsorted(self._offsets, index, side="right") - 1)
        return traj, self.history + (int(index) - int(self._offsets[traj])) * self.stride

    def get(self, index: int, seed: int | None = None) -> Data:
        i, t = self.locate(index)
        traj = self.trajectory(i)
        inputs, target = traj.window(t, self.history)
        hist = torch.from_numpy(inputs)
        data = Data(pos=hist[:, -1].clone(), pos_history=hist, y=torch.from_numpy(target),
                    particle_type=torch.from_numpy(traj.particle_type),
                    pos_reference=torch.from_numpy(np.array(traj.positions[0], dtype=np.float32)),
                    trajectory=torch.tensor([i]), step=torch.tensor([t]))
        data.num_nodes = traj.num_particles
        return data

    # -- description -------------------------------------------------------------------
    def spec(self) -> dict[str, Any]:
        first = self.trajectory(0)
        meta = self.metadata
        bounds = meta.get("bounds", None if first.bounds is None else first.bounds.tolist())
        spec: dict[str, Any] = {
            "dim": self.dim, "history": self.history, "dt": meta.get("dt", first.dt),
            "bounds": bounds,
            "connectivity_radius": meta.get("default_connectivity_radius"),
            "periodic": meta.get("periodic_boundary_conditions", [False] * self.dim)[: self.dim],
            "model_args": {"pos_dim": self.dim, "history": self.history},
        }
        # simulators take the walls and the radius from the data unless a config sets them
        for key in ("connectivity_radius", "bounds"):
            if spec[key] is not None:
                spec["model_args"][key] = spec[key]
        return json.loads(json.dumps(spec, default=_jsonable))

    def statistics(
        self,
        indices: Sequence[int] | None = None,
        max_samples: int | None = None,
        seed: int = 0,
    ) -> dict[str, FieldStats]:
        """Normalisation statistics over the trajectories of windows ``indices``
        (``max_samples`` caps the trajectories read): ``velocity`` and ``acceleration``
        (per frame, per dimension), and ``gravity``, whose mean is the free-fall
        acceleration per frame^2 of :func:`~geonop.data.particles.statistics.estimate_gravity`
        (std 1): simulators use it as the prior their learned accelerations correct."""
        from geonop.data.particles.statistics import estimate_gravity, trajectory_statistics

        idx = range(len(self)) if indices is None else indices
        trajs = sorted({self.locate(int(k))[0] for k in idx})
        if not trajs:
            raise InvalidArgumentError("cannot compute normalisation statistics of zero samples")
        if max_samples is not None and len(trajs) > max_samples:
            trajs = sorted(np.random.default_rng(seed).choice(trajs, max_samples, replace=False))
        periodic = self.metadata.get("periodic_boundary_conditions")
        bounds = self.metadata.get("bounds")
        stats = trajectory_statistics((self.trajectory(int(i)) for i in trajs),
                                      periodic=periodic, bounds=bounds)
        gravity = estimate_gravity(self.trajectory(int(i)) for i in trajs)
        return {
            "velocity": FieldStats(torch.tensor(stats["vel_mean"], dtype=torch.float64),
                                   torch.tensor(stats["vel_std"], dtype=torch.float64),
                                   int(stats["count_vel"])),
            "acceleration": FieldStats(torch.tensor(stats["acc_mean"], dtype=torch.float64),
                                       torch.tensor(stats["acc_std"], dtype=torch.float64),
                                       int(stats["count_acc"])),
            "gravity": FieldStats(torch.tensor(gravity, dtype=torch.float64),
                                  torch.ones(len(gravity), dtype=torch.float64), len(trajs)),
        }


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if isinstance(obj, Mapping):
        return dict(obj)
    raise TypeError(f"not JSON-able: {type(obj).__name__}")
