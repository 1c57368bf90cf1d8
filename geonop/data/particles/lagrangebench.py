"""Read (and, for tests and conversions, write) datasets in the LagrangeBench layout.

A dataset is a folder::

    metadata.json   dim, dt, dx, bounds, periodic_boundary_conditions,
                    default_connectivity_radius, vel_mean/std, acc_mean/std, ...
    train.h5        one group per trajectory ("00000", "00001", ...) holding
    valid.h5            position       [T, N, d]
    test.h5             particle_type  [N]

LagrangeBench's own type codes are 0 fluid, 1 solid wall, 2 moving wall (and 3 rigid
body); they are kept as stored unless ``gns_types=True`` maps fluid to water (5) and
walls to kinematic particles (3), the codes of geonop's other datasets. Positions are
converted to float32. With periodic boundaries, velocities should be taken with
:func:`geonop.data.particles.statistics.minimum_image`.

Needs ``h5py`` (the ``particles`` extra).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import geonop.optional
from geonop.data.particles._checks import (
    check_bounds_and_dim,
    check_trajectory_shapes,
    load_json_object,
    metadata_path,
)
from geonop.data.particles.deepmind import _discard
from geonop.data.particles.statistics import trajectory_statistics
from geonop.data.particles.trajectory import KINEMATIC, WATER, PathLike, Trajectory
from geonop.errors import (
    CorruptFileError,
    InvalidArgumentError,
    InvalidMeshError,
    MissingDependencyError,
    MissingFileError,
    WriteError,
)

SPLITS: tuple[str, ...] = ("train", "valid", "test")
FLUID, SOLID_WALL, MOVING_WALL, RIGID_BODY = 0, 1, 2, 3
#: LagrangeBench type code -> GNS type code
TO_GNS_TYPES: dict[int, int] = {FLUID: WATER, SOLID_WALL: KINEMATIC, MOVING_WALL: KINEMATIC,
                                RIGID_BODY: KINEMATIC}


def _h5py(feature: str) -> Any:
    if not geonop.optional.WITH_H5PY:
        raise MissingDependencyError("h5py", "particles", feature)
    return geonop.optional.require("h5py", feature)


def read_metadata(root: PathLike) -> dict[str, Any]:
    """The ``metadata.json`` of a LagrangeBench folder, with ``periodic_boundary_conditions``
    normalised to a list of ``dim`` booleans (LagrangeBench stores three even in 2D).

    Raises
    ------
    MissingFileError, CorruptFileError
    """
    path = metadata_path(root)
    meta = load_json_object(path)
    dim = check_bounds_and_dim(path, meta)
    try:
        pbc = meta.get("periodic_boundary_conditions", False)
        pbc = [bool(pbc)] * dim if np.ndim(pbc) == 0 else [bool(p) for p in pbc]
    except (TypeError, ValueError) as exc:
        raise CorruptFileError(path, f"metadata 'periodic_boundary_conditions' unreadable ({exc})") from exc
    if len(pbc) < dim:
        raise CorruptFileError(path, f"metadata 'periodic_boundary_conditions' has {len(pbc)} "
                                     f"entries for dim={dim}")
    meta["periodic_boundary_conditions"] = pbc[:dim]
    return meta


class H5TrajectoryFile:
    """Lazy access to the trajectories of one LagrangeBench split file (``train.h5`` ...).

    Parameters
    ----------
    path : path
        The ``.h5`` file.
    metadata : dict, optional
        The dataset's metadata (``dt``, ``bounds``, ``dim`` and periodicity are attached
        to each trajectory and checked).
    gns_types : bool
        Map LagrangeBench type codes to GNS codes (:data:`TO_GNS_TYPES`).

    Raises
    ------
    MissingFileError, CorruptFileError, MissingDependencyError
    """

    def __init__(self, path: PathLike, metadata: Mapping[str, Any] | None = None,
                 gns_types: bool = False) -> None:
        h5py = _h5py("reading LagrangeBench .h5 files")
        self.path = Path(path)
        self.metadata = dict(metadata or {})
        self.gns_types = bool(gns_types)
        if not self.path.is_file():
            raise MissingFileError(self.path, "split file not found")
        self._names: list[str] = []
        self._shapes: list[tuple[int, int, int]] = []
        try:
            with h5py.File(self.path, "r") as f:
                for name in f:
                    group = f[name]
                    if not isinstance(group, h5py.Group):
                        raise CorruptFileError(self.path, f"{name!r} is not a trajectory group")
                    for key in ("position", "particle_type"):
                        if key not in group:
                            raise CorruptFileError(self.path, f"trajectory {name!r} has no {key!r} dataset")
                    self._check(name, group["position"].shape, group["particle_type"].shape)
                    self._names.append(name)
                    self._shapes.append(tuple(int(s) for s in group["position"].shape))  # type: ignore[arg-type]
        except OSError as exc:
            raise CorruptFileError(self.path, f"not a readable HDF5 file ({exc})") from exc
        if not self._names:
            raise CorruptFileError(self.path, "no trajectory groups in this file")

    def _check(self, name: str, shape: Sequence[int], tshape: Sequence[int]) -> None:
        check_trajectory_shapes(self.path, name, shape, tshape, self.metadata.get("dim"),
                                "position", "particle_type")

    @property
    def names(self) -> list[str]:
        """Trajectory group names in file order."""
        return list(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def shape(self, i: int) -> tuple[int, int, int]:
        """``(T, N, d)`` of trajectory ``i`` without loading it."""
        return self._shapes[i]

    def load(self, i: int) -> Trajectory:
        """Trajectory ``i``."""
        h5py = _h5py("reading LagrangeBench .h5 files")
        name = self._names[i]
        try:
            with h5py.File(self.path, "r") as f:
                pos = np.asarray(f[name]["position"][...])
                ptype = np.asarray(f[name]["particle_type"][...])
        except (OSError, KeyError) as exc:
            raise CorruptFileError(self.path, f"trajectory {name!r}: unreadable ({exc})") from exc
        self._check(name, pos.shape, ptype.shape)
        if self.gns_types:
            ptype = np.vectorize(lambda c: TO_GNS_TYPES.get(int(c), int(c)), otypes=[np.int64])(ptype)
        meta = {"periodic_boundary_conditions": self.metadata.get("periodic_boundary_conditions")}
        bounds = self.metadata.get("bounds")
        try:
            return Trajectory(pos, ptype, dt=float(self.metadata.get("dt", 1.0)),
                              bounds=None if bounds is None else np.asarray(bounds, dtype=np.float64),
                              metadata=meta, name=name)
        except InvalidMeshError as exc:
            raise CorruptFileError(self.path, str(exc)) from exc

    def __iter__(self) -> Iterator[Trajectory]:
        for i in range(len(self)):
            yield self.load(i)

    def __repr__(self) -> str:
        return f"H5TrajectoryFile({str(self.path)!r}, trajectories={len(self)})"


def read_dataset(root: PathLike, splits: Sequence[str] = SPLITS,
                 gns_types: bool = False) -> tuple[dict[str, list[Trajectory]], dict[str, Any]]:
    """All splits present in a LagrangeBench folder and its (normalised) metadata."""
    meta = read_metadata(root)
    out: dict[str, list[Trajectory]] = {}
    for split in splits:
        path = Path(root) / f"{split}.h5"
        if path.is_file():
            out[split] = list(H5TrajectoryFile(path, meta, gns_types))
    if not out:
        raise MissingFileError(root, f"no split files ({', '.join(s + '.h5' for s in splits)})")
    return out, meta


def write_dataset(
    root: PathLike,
    splits: Mapping[str, Sequence[Trajectory]],
    connectivity_radius: float,
    dx: float,
    periodic: Sequence[bool],
    extra_metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write a LagrangeBench-layout folder (``{split}.h5`` and ``metadata.json``).

    Statistics are computed from ``splits["train"]`` (periodic-aware). Used for tests
    and for converting geonop data for LagrangeBench; each file is written atomically.

    Returns
    -------
    dict
        The metadata written.
    """
    h5py = _h5py("writing LagrangeBench .h5 files")
    train = list(splits.get("train", []))
    if not train:
        raise InvalidArgumentError("write_dataset: a non-empty 'train' split is required")
    first = train[0]
    if first.bounds is None:
        raise InvalidArgumentError("write_dataset: trajectories need bounds")
    if len(periodic) != first.dim:
        raise InvalidArgumentError(f"periodic must have {first.dim} entries, got {len(periodic)}")
    stats = trajectory_statistics(train, periodic=periodic, bounds=first.bounds)
    meta: dict[str, Any] = {
        "dim": first.dim, "dt": first.dt, "dx": float(dx), "bounds": first.bounds.tolist(),
        "periodic_boundary_conditions": [bool(p) for p in periodic],
        "default_connectivity_radius": float(connectivity_radius),
        "num_particles_max": int(max(t.num_particles for trajs in splits.values() for t in trajs)),
        "vel_mean": stats["vel_mean"], "vel_std": stats["vel_std"],
        "acc_mean": stats["acc_mean"], "acc_std": stats["acc_std"],
    }
    for split, trajs in splits.items():
        if trajs:
            meta[f"sequence_length_{split}"] = int(trajs[0].num_frames)
            meta[f"num_trajs_{split}"] = len(trajs)
    meta.update(extra_metadata or {})
    root = Path(root)
    for split, trajs in splits.items():
        if not trajs:
            continue
        path = root / f"{split}.h5"
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            root.mkdir(parents=True, exist_ok=True)
            with h5py.File(tmp, "w") as f:
                for i, traj in enumerate(trajs):
                    g = f.create_group(f"{i:05d}")
                    g.create_dataset("position", data=traj.positions.astype(np.float32, copy=False))
                    g.create_dataset("particle_type", data=traj.particle_type.astype(np.int64, copy=False))
            os.replace(tmp, path)
        except OSError as exc:
            _discard(tmp)
            raise WriteError(path, f"cannot write ({exc})") from exc
    path = root / "metadata.json"
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(meta, indent=1) + "\n")
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise WriteError(path, f"cannot write ({exc})") from exc
    return meta
