"""Read and write particle datasets in the layout of DeepMind's "Learning to Simulate".

A dataset is a folder::

    metadata.json   bounds, sequence_length, default_connectivity_radius, dim, dt,
                    vel_mean, vel_std, acc_mean, acc_std (from the training split)
    train.npz       trajectories
    valid.npz
    test.npz

This is the layout the PyTorch ports of GNS use once DeepMind's TFRecords are converted.
Two ways of storing trajectories in an ``.npz`` are understood:

- ``"flat"`` (geonop's default, pickle-free): for each trajectory ``NAME`` (by default
  ``simulation_trajectory_{i}``, in file order) the arrays ``NAME/position`` of shape
  [T, N, d] float32 and ``NAME/particle_type`` of shape [N] int64, plus optionally
  ``NAME/metadata``, a 0-d unicode array holding a JSON object (scene description).
  ``np.load(path)`` reads it without ``allow_pickle``.
- ``"gns"``: the geoelements/gns port's layout, one object array per trajectory holding
  the tuple ``(positions, particle_type[, material_property])`` (or a single
  ``gns_data`` array of such tuples). Reading it unpickles Python objects, so the reader
  refuses unless ``allow_pickle=True`` is passed for a trusted file; geonop writes it
  only on request (``layout="gns"``), for use with that port.

``sequence_length`` counts steps, so a trajectory has ``sequence_length + 1`` frames, as
in DeepMind's datasets. Velocities and accelerations in the statistics are per frame.
"""

from __future__ import annotations

import json
import os
import pickle
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from geonop.data.particles._checks import (
    check_bounds_and_dim,
    check_trajectory_shapes,
    load_json_object,
    metadata_path,
)
from geonop.data.particles.statistics import trajectory_statistics
from geonop.data.particles.trajectory import PathLike, Trajectory
from geonop.errors import (
    CorruptFileError,
    InvalidArgumentError,
    InvalidMeshError,
    MissingFileError,
    UnsupportedFormatError,
    WriteError,
)

SPLITS: tuple[str, ...] = ("train", "valid", "test")
#: keys every GNS ``metadata.json`` has
METADATA_KEYS: tuple[str, ...] = (
    "bounds", "sequence_length", "default_connectivity_radius", "dim", "dt",
    "vel_mean", "vel_std", "acc_mean", "acc_std",
)
LAYOUTS: tuple[str, ...] = ("flat", "gns")


# -- metadata ---------------------------------------------------------------------------
def read_metadata(root: PathLike, section: str = "train") -> dict[str, Any]:
    """The ``metadata.json`` of a dataset folder.

    Parameters
    ----------
    root : path
        Dataset folder (or the ``metadata.json`` itself).
    section : str
        The geoelements/gns port allows separate ``"train"`` and ``"rollout"`` sections;
        when the file has them, this one is returned.

    Raises
    ------
    MissingFileError, CorruptFileError
        If the file is missing, is not JSON, or lacks ``bounds`` or ``dim``.
    """
    path = metadata_path(root)
    meta = load_json_object(path)
    if section in meta and isinstance(meta[section], dict):
        meta = dict(meta[section])
    check_bounds_and_dim(path, meta)
    return meta


def make_metadata(
    train: Sequence[Trajectory],
    connectivity_radius: float,
    bounds: Any | None = None,
    dt: float | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """GNS metadata with statistics computed from the training trajectories.

    Parameters
    ----------
    train : sequence of Trajectory
        The training split.
    connectivity_radius : float
        ``default_connectivity_radius`` (box units).
    bounds : array-like of shape [d, 2], optional
        Default: the first trajectory's bounds.
    dt : float, optional
        Default: the first trajectory's ``dt``.
    extra : mapping, optional
        More keys to store (they must not clash with the standard ones).
    """
    if not train:
        raise InvalidArgumentError("make_metadata: the training split is empty")
    if not connectivity_radius > 0:
        raise InvalidArgumentError(f"connectivity_radius must be > 0, got {connectivity_radius}")
    first = train[0]
    b = bounds if bounds is not None else first.bounds
    if b is None:
        raise InvalidArgumentError("make_metadata: no bounds given and the trajectories have none")
    b = np.asarray(b, dtype=np.float64)
    stats = trajectory_statistics(train)
    meta: dict[str, Any] = {
        "bounds": b.tolist(),
        "sequence_length": int(min(t.num_frames for t in train) - 1),
        "default_connectivity_radius": float(connectivity_radius),
        "dim": int(first.dim),
        "dt": float(dt if dt is not None else first.dt),
        "vel_mean": stats["vel_mean"], "vel_std": stats["vel_std"],
        "acc_mean": stats["acc_mean"], "acc_std": stats["acc_std"],
    }
    for key, value in (extra or {}).items():
        if key in meta:
            raise InvalidArgumentError(f"make_metadata: extra key {key!r} clashes with a standard key")
        meta[key] = value
    return meta


def write_metadata(root: PathLike, metadata: Mapping[str, Any]) -> Path:
    """Write ``metadata.json`` into ``root`` atomically; returns its path."""
    path = Path(root) / "metadata.json"
    _atomic_write_bytes(path, (json.dumps(dict(metadata), indent=1) + "\n").encode())
    return path


# -- reading ----------------------------------------------------------------------------
def _npy_header(zf: zipfile.ZipFile, member: str) -> tuple[tuple[int, ...], np.dtype]:
    with zf.open(member) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(f)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(f)
    return tuple(int(s) for s in shape), dtype


class NpzTrajectoryFile:
    """Lazy access to the trajectories of one split file (``train.npz`` ...).

    Only array headers are read on opening (flat layout); :meth:`load` reads one
    trajectory.

    Parameters
    ----------
    path : path
        The ``.npz`` file.
    metadata : dict, optional
        The dataset's metadata; its ``dt``, ``bounds`` and ``dim`` are attached to, and
        checked against, each trajectory.
    allow_pickle : bool
        Allow the pickled geoelements/gns layout (trusted files only).

    Raises
    ------
    MissingFileError, CorruptFileError, UnsupportedFormatError
    """

    def __init__(self, path: PathLike, metadata: Mapping[str, Any] | None = None,
                 allow_pickle: bool = False) -> None:
        self.path = Path(path)
        self.metadata = dict(metadata or {})
        self.allow_pickle = bool(allow_pickle)
        if not self.path.is_file():
            raise MissingFileError(self.path, "split file not found")
        try:
            with zipfile.ZipFile(self.path) as zf:
                members = [m for m in zf.namelist() if m.endswith(".npy")]
                if not members:
                    raise CorruptFileError(self.path, "no arrays in this .npz file")
                headers = {m[:-4]: _npy_header(zf, m) for m in members}
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            if isinstance(exc, CorruptFileError):
                raise
            raise CorruptFileError(self.path, f"not a readable .npz file ({exc})") from exc
        self._names: list[str] = []
        self._shapes: list[tuple[int, int, int]] = []
        self._gns: list[tuple[str, int | None]] = []  # (key, index in gns_data)
        if any("/" in k for k in headers):
            self.layout = "flat"
            for key in headers:
                name, _, _ = key.rpartition("/")
                if name and name not in self._names:
                    self._names.append(name)
            for name in self._names:
                for field in ("position", "particle_type"):
                    if f"{name}/{field}" not in headers:
                        raise CorruptFileError(self.path, f"trajectory {name!r} has no {field!r} array")
                shape, _ = headers[f"{name}/position"]
                tshape, _ = headers[f"{name}/particle_type"]
                self._check_shapes(name, shape, tshape)
                self._shapes.append(shape)  # type: ignore[arg-type]
        else:
            if not all(dtype.hasobject for _, dtype in headers.values()):
                raise UnsupportedFormatError(
                    self.path, "neither the flat layout ('NAME/position' arrays) nor the gns "
                               "layout (one pickled (positions, particle_type) tuple per key)")
            if not self.allow_pickle:
                raise UnsupportedFormatError(
                    self.path, "stores pickled Python objects (the geoelements/gns layout); "
                               "pass allow_pickle=True only if you trust this file")
            self.layout = "gns"
            self._open_gns(list(headers))

    # -- gns layout --------------------------------------------------------------------
    def _open_gns(self, keys: list[str]) -> None:
        with self._npz() as z:
            if "gns_data" in keys:
                data = self._read_key(z, "gns_data", "gns_data")
                for j in range(len(data)):
                    self._names.append(f"simulation_trajectory_{j}")
                    self._gns.append(("gns_data", j))
            else:
                for key in keys:
                    self._names.append(key)
                    self._gns.append((key, None))
            for name, (key, j) in zip(self._names, self._gns):
                pos, _, _ = self._gns_item(z, name, key, j)
                self._shapes.append(tuple(int(s) for s in pos.shape))  # type: ignore[arg-type]

    def _gns_item(self, z: Any, name: str, key: str, j: int | None) -> tuple[np.ndarray, np.ndarray, Any]:
        item = self._read_key(z, name, key)
        if j is not None:
            item = item[j]
        try:
            parts = list(item)
            pos = np.asarray(parts[0])
            ptype = np.asarray(parts[1])
        except (TypeError, IndexError, ValueError) as exc:
            raise CorruptFileError(
                self.path, f"trajectory {name!r} key {key!r}: expected a (positions, particle_type) "
                           f"tuple ({exc})") from exc
        self._check_shapes(name, pos.shape, ptype.shape, key=key)
        extra = parts[2] if len(parts) > 2 else None
        return pos, ptype, extra

    # -- helpers -----------------------------------------------------------------------
    def _npz(self) -> Any:
        try:
            return np.load(self.path, allow_pickle=self.allow_pickle)
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
            raise CorruptFileError(self.path, f"not a readable .npz file ({exc})") from exc

    def _read_key(self, z: Any, name: str, key: str) -> np.ndarray:
        try:
            return z[key]
        except KeyError as exc:
            raise CorruptFileError(self.path, f"trajectory {name!r} has no array {key!r}") from exc
        except (ValueError, OSError, zipfile.BadZipFile, EOFError, pickle.UnpicklingError,
                AttributeError, ImportError) as exc:
            raise CorruptFileError(self.path, f"trajectory {name!r} key {key!r}: unreadable ({exc})") from exc

    def _check_shapes(self, name: str, shape: Sequence[int], tshape: Sequence[int],
                      key: str | None = None) -> None:
        check_trajectory_shapes(self.path, name, shape, tshape, self.metadata.get("dim"),
                                key or f"{name}/position", key or f"{name}/particle_type",
                                scalar_type=True)

    # -- public ------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        """Trajectory names in file order."""
        return list(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def shape(self, i: int) -> tuple[int, int, int]:
        """``(T, N, d)`` of trajectory ``i`` without loading it."""
        return self._shapes[i]

    def load(self, i: int) -> Trajectory:
        """Trajectory ``i`` (positions converted to float32, types to int64)."""
        name = self._names[i]
        meta: dict[str, Any] = {}
        with self._npz() as z:
            if self.layout == "flat":
                pos = self._read_key(z, name, f"{name}/position")
                ptype = self._read_key(z, name, f"{name}/particle_type")
            else:
                key, j = self._gns[i]
                pos, ptype, extra = self._gns_item(z, name, key, j)
                if extra is not None:
                    meta["material_property"] = np.asarray(extra).tolist()
        self._check_shapes(name, pos.shape, np.shape(ptype))
        if self.layout == "flat":
            meta = self.trajectory_metadata(i)
        bounds = self.metadata.get("bounds")
        try:
            return Trajectory(pos, ptype, dt=float(self.metadata.get("dt", 1.0)),
                              bounds=None if bounds is None else np.asarray(bounds, dtype=np.float64),
                              metadata=meta, name=name)
        except InvalidMeshError as exc:
            raise CorruptFileError(self.path, str(exc)) from exc

    def trajectory_metadata(self, i: int) -> dict[str, Any]:
        """The stored metadata of trajectory ``i`` without reading its positions
        (flat layout; the gns layout has none and gives ``{}``)."""
        name = self._names[i]
        if self.layout != "flat":
            return {}
        with self._npz() as z:
            if f"{name}/metadata" not in z.files:
                return {}
            raw = self._read_key(z, name, f"{name}/metadata")
        try:
            meta = json.loads(str(raw.item()))
        except (ValueError, TypeError) as exc:
            raise CorruptFileError(self.path, f"trajectory {name!r} key '{name}/metadata': "
                                              f"not JSON ({exc})") from exc
        if not isinstance(meta, dict):
            raise CorruptFileError(self.path, f"trajectory {name!r} key '{name}/metadata': "
                                              "not a JSON object")
        return meta

    def __iter__(self) -> Iterator[Trajectory]:
        for i in range(len(self)):
            yield self.load(i)

    def __repr__(self) -> str:
        return f"NpzTrajectoryFile({str(self.path)!r}, layout={self.layout!r}, trajectories={len(self)})"


def read_trajectories(path: PathLike, metadata: Mapping[str, Any] | None = None,
                      allow_pickle: bool = False) -> list[Trajectory]:
    """Every trajectory of one ``.npz`` split file (see :class:`NpzTrajectoryFile`)."""
    return list(NpzTrajectoryFile(path, metadata, allow_pickle))


def read_dataset(root: PathLike, splits: Sequence[str] = SPLITS,
                 allow_pickle: bool = False) -> tuple[dict[str, list[Trajectory]], dict[str, Any]]:
    """All splits present in a dataset folder and its metadata.

    Returns
    -------
    splits : dict of split name -> list of Trajectory
        Only the splits whose file exists.
    metadata : dict
    """
    meta = read_metadata(root)
    out: dict[str, list[Trajectory]] = {}
    for split in splits:
        path = Path(root) / f"{split}.npz"
        if path.is_file():
            out[split] = read_trajectories(path, meta, allow_pickle)
    if not out:
        raise MissingFileError(root, f"no split files ({', '.join(s + '.npz' for s in splits)})")
    return out, meta


# -- writing ----------------------------------------------------------------------------
def _discard(tmp: Path) -> None:
    try:
        tmp.unlink(missing_ok=True)
    except OSError:  # the folder itself is unusable; nothing was written
        pass


def _atomic_write_bytes(path: Path, payload: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(payload)
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise WriteError(path, f"cannot write ({exc})") from exc


def _trajectory_names(trajectories: Sequence[Trajectory]) -> list[str]:
    names = [t.name for t in trajectories]
    if all(n and "/" not in n for n in names) and len(set(names)) == len(names):
        return names
    return [f"simulation_trajectory_{i}" for i in range(len(trajectories))]


def write_trajectories(path: PathLike, trajectories: Sequence[Trajectory], layout: str = "flat",
                       compress: bool = True) -> Path:
    """Write trajectories to one ``.npz`` split file, atomically.

    Parameters
    ----------
    path : path
        Target file (any previous file stays intact if writing fails).
    trajectories : sequence of Trajectory
        Stored under their names when those are unique and non-empty, otherwise as
        ``simulation_trajectory_{i}``.
    layout : {"flat", "gns"}
        ``"flat"`` is pickle-free and keeps each trajectory's metadata; ``"gns"`` is what
        the geoelements/gns port loads (pickled tuples).
    compress : bool
        ``np.savez_compressed`` (default) or ``np.savez``.
    """
    if layout not in LAYOUTS:
        raise InvalidArgumentError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if not trajectories:
        raise InvalidArgumentError("write_trajectories: no trajectories")
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    for name, traj in zip(_trajectory_names(trajectories), trajectories):
        if layout == "flat":
            arrays[f"{name}/position"] = traj.positions.astype(np.float32, copy=False)
            arrays[f"{name}/particle_type"] = traj.particle_type.astype(np.int64, copy=False)
            if traj.metadata:
                arrays[f"{name}/metadata"] = np.array(json.dumps(traj.metadata, sort_keys=True))
        else:
            item = np.empty(2, dtype=object)
            item[0] = traj.positions.astype(np.float32, copy=False)
            item[1] = traj.particle_type.astype(np.int64, copy=False)
            arrays[name] = item
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:  # a file object keeps numpy from appending ".npz"
            (np.savez_compressed if compress else np.savez)(f, **arrays)
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise WriteError(path, f"cannot write ({exc})") from exc
    return path


def write_dataset(
    root: PathLike,
    splits: Mapping[str, Sequence[Trajectory]],
    connectivity_radius: float,
    layout: str = "flat",
    extra_metadata: Mapping[str, Any] | None = None,
    compress: bool = True,
) -> dict[str, Any]:
    """Write a dataset folder: one ``.npz`` per split and ``metadata.json``.

    The statistics come from ``splits["train"]`` only. ``extra_metadata`` keys are
    added to the standard ones (e.g. ``num_trajectories``, generator settings).

    Returns
    -------
    dict
        The metadata written.
    """
    if "train" not in splits or not splits["train"]:
        raise InvalidArgumentError("write_dataset: a non-empty 'train' split is required")
    dims = {t.dim for trajs in splits.values() for t in trajs}
    if len(dims) != 1:
        raise InvalidArgumentError(f"write_dataset: trajectories mix dimensions {sorted(dims)}")
    extra = {"num_trajectories": {s: len(t) for s, t in splits.items()}, "layout": layout}
    extra.update(extra_metadata or {})
    meta = make_metadata(list(splits["train"]), connectivity_radius, extra=extra)
    root = Path(root)
    for split, trajs in splits.items():
        if trajs:
            write_trajectories(root / f"{split}.npz", trajs, layout=layout, compress=compress)
    write_metadata(root, meta)
    return meta
