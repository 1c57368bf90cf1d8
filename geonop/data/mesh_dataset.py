"""Meshes and point clouds with fields, one file per sample, read lazily.

Each file (any format :func:`geonop.io.read` reads: VTU, VTP, npz, ...) is one sample:
its points, the point fields the model reads (``inputs``), the point fields it predicts
(``targets``) and scalar or vector parameters of the case stored in ``mesh.meta``
(``global_inputs``, e.g. inflow speed and angle of attack). A sample becomes::

    Data(pos=[N, d], x=[N, C_in], y=[N, C_out], u=[1, G])

``x``, ``y`` and ``u`` are present only when their lists are non-empty. With
``query_points`` set, every training step sees a fresh random subset of that many
points of each mesh, while evaluation and prediction use every point.
"""

from __future__ import annotations

import glob
import os
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Union

import numpy as np
import torch
from torch_geometric.data import Data

from geonop.data.base import GeometryDataset
from geonop.data.subsample import random_point_subset
from geonop.errors import InvalidArgumentError, InvalidMeshError, MissingFileError

PathsLike = Union[str, os.PathLike, Sequence[str | os.PathLike]]

#: file endings a folder given as ``root`` is scanned for
MESH_SUFFIXES: tuple[str, ...] = (
    ".vtu", ".vtp", ".vtk", ".npz", ".ply", ".stl", ".obj", ".off", ".msh", ".xdmf", ".xmf",
    ".h5", ".hdf5", ".csv", ".xyz", ".pts",
)


def list_files(root: PathsLike, suffixes: Sequence[str] = MESH_SUFFIXES) -> list[Path]:
    """The sample files named by ``root``, sorted.

    Parameters
    ----------
    root : path, glob pattern, or sequence of them
        A folder (its files ending in one of ``suffixes``), a glob such as
        ``"data/*.vtu"``, a single file, or a list of any of these.
    """
    items = [root] if isinstance(root, (str, os.PathLike)) else list(root)
    files: list[Path] = []
    for item in items:
        s = os.fspath(item)
        p = Path(s).expanduser()
        if p.is_dir():
            found = sorted(f for f in p.iterdir()
                           if f.is_file() and f.name.lower().endswith(tuple(suffixes)))
            if not found:
                raise MissingFileError(p, f"no sample files in folder (looked for "
                                          f"{', '.join('*' + x for x in suffixes)})")
            files.extend(found)
        elif any(c in s for c in "*?["):
            found = sorted(Path(f) for f in glob.glob(os.path.expanduser(s)) if Path(f).is_file())
            if not found:
                raise MissingFileError(s, "glob pattern matches no files")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise MissingFileError(p, "no such file or folder")
    return files


def read_mesh(path: str | os.PathLike) -> Any:
    """Read one sample file with :func:`geonop.io.read`."""
    from geonop.io import read

    return read(path)


def _point_field(mesh: Any, name: str, path: Any, n: int) -> np.ndarray:
    point_data = getattr(mesh, "point_data", None) or {}
    if name not in point_data:
        raise InvalidMeshError(
            f"{path}: no point field {name!r} (point fields: {', '.join(sorted(point_data)) or 'none'})"
        )
    arr = np.asarray(point_data[name], dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    arr = arr.reshape(arr.shape[0], -1)
    if arr.shape[0] != n:
        raise InvalidMeshError(f"{path}: point field {name!r} has {arr.shape[0]} rows, mesh has {n} points")
    return arr


def _global_value(mesh: Any, name: str, path: Any, params: Mapping[str, Any] | None) -> np.ndarray:
    if params is not None and name in params:
        value = params[name]
    else:
        meta = getattr(mesh, "meta", None) or {}
        if name not in meta:
            raise InvalidMeshError(
                f"{path}: no global input {name!r} in the file's metadata (metadata keys: "
                f"{', '.join(sorted(meta)) or 'none'}); give it as a parameter"
            )
        value = meta[name]
    try:
        arr = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise InvalidMeshError(f"{path}: global input {name!r} is not numeric: {value!r}") from exc
    return arr


def _points(mesh: Any, dim: int | None, path: Any) -> np.ndarray:
    pts = np.asarray(mesh.points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[0] == 0:
        raise InvalidMeshError(f"{path}: no points")
    if dim is not None and dim < pts.shape[1]:
        dropped = pts[:, dim:]
        if np.ptp(dropped, axis=0).max() > 1e-12 * max(1.0, float(np.abs(pts).max())):
            raise InvalidMeshError(
                f"{path}: points vary along axis {dim} and beyond, but dim={dim} was asked for"
            )
        pts = pts[:, :dim]
    elif dim is not None and dim > pts.shape[1]:
        raise InvalidMeshError(f"{path}: points are {pts.shape[1]}-D, dim={dim} was asked for")
    return pts


class MeshDataset(GeometryDataset):
    """Meshes or point clouds with point fields, one file per sample, read lazily.

    Parameters
    ----------
    root : path, glob, or list of them
        Sample files (see :func:`list_files`).
    targets : sequence of str
        Point fields to predict; concatenated into ``Data.y`` of shape [N, C_out].
    inputs : sequence of str
        Point fields given to the model; concatenated into ``Data.x`` of shape [N, C_in].
    global_inputs : sequence of str
        Case parameters read from ``mesh.meta``; concatenated into ``Data.u`` of shape [1, G].
    query_points : int, optional
        Training view: a random subset of this many points per sample and step.
    dim : int, optional
        Keep the first ``dim`` coordinates (e.g. 2 for planar meshes stored in 3-D).
    cache_size : int
        Samples kept in memory after their first read (0: read every time).

    Examples
    --------
    >>> ds = MeshDataset("cases/", targets=["p", "U"], global_inputs=["aoa"], query_points=4096)
    >>> ds[0]              # full sample
    >>> ds[(0, 1234)]      # random subset of 4096 points, drawn from seed 1234
    """

    def __init__(
        self,
        root: PathsLike,
        targets: Sequence[str] = (),
        inputs: Sequence[str] = (),
        global_inputs: Sequence[str] = (),
        query_points: int | None = None,
        dim: int | None = None,
        cache_size: int = 0,
    ) -> None:
        for name, value in (("targets", targets), ("inputs", inputs),
                            ("global_inputs", global_inputs)):
            if isinstance(value, str):
                raise InvalidArgumentError(f"{name} must be a list of field names, got {value!r}")
        if query_points is not None and int(query_points) <= 0:
            raise InvalidArgumentError(f"query_points must be positive, got {query_points}")
        if cache_size < 0:
            raise InvalidArgumentError(f"cache_size must be >= 0, got {cache_size}")
        self.files = list_files(root)
        self.targets = list(targets)
        self.inputs = list(inputs)
        self.global_inputs = list(global_inputs)
        self.query_points = None if query_points is None else int(query_points)
        self.dim = dim
        self.cache_size = int(cache_size)
        self._cache: OrderedDict[int, Data] = OrderedDict()
        first = read_mesh(self.files[0])
        self._layout = self._describe(first, self.files[0])

    def _describe(self, mesh: Any, path: Any) -> dict[str, Any]:
        pts = _points(mesh, self.dim, path)
        n = pts.shape[0]
        return {
            "dim": int(pts.shape[1]),
            "targets": [[k, int(_point_field(mesh, k, path, n).shape[1])] for k in self.targets],
            "inputs": [[k, int(_point_field(mesh, k, path, n).shape[1])] for k in self.inputs],
            "global_inputs": [[k, int(_global_value(mesh, k, path, None).size)]
                              for k in self.global_inputs],
        }

    def __len__(self) -> int:
        return len(self.files)

    def spec(self) -> dict[str, Any]:
        lay = self._layout
        return {
            **lay,
            "model_args": {
                "pos_dim": lay["dim"],
                "in_channels": sum(c for _, c in lay["inputs"]),
                "out_channels": sum(c for _, c in lay["targets"]),
                "global_channels": sum(c for _, c in lay["global_inputs"]),
            },
        }

    def _load(self, index: int) -> Data:
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        path = self.files[index]
        data = self._to_data(self._layout, read_mesh(path), path, with_targets=True)
        if self.cache_size:
            self._cache[index] = data
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return data

    def get(self, index: int, seed: int | None = None) -> Data:
        data = self._load(index)
        if seed is not None and self.query_points is not None:
            return random_point_subset(data, self.query_points, seed)
        return data

    @staticmethod
    def _to_data(
        layout: Mapping[str, Any],
        mesh: Any,
        path: Any,
        with_targets: bool,
        params: Mapping[str, Any] | None = None,
        pos: np.ndarray | None = None,
        input_fields: Mapping[str, np.ndarray] | None = None,
    ) -> Data:
        if pos is None:
            pos = _points(mesh, layout["dim"], path)
        n = pos.shape[0]
        data = Data(pos=torch.as_tensor(pos, dtype=torch.float32))
        data.num_nodes = n

        def stack(entries: Sequence[Sequence[Any]], getter: Any, what: str) -> torch.Tensor:
            cols = []
            for name, channels in entries:
                arr = getter(name)
                if arr.shape[-1] != channels:
                    raise InvalidMeshError(
                        f"{path}: {what} {name!r} has {arr.shape[-1]} channels, the dataset "
                        f"(and model) expect {channels}"
                    )
                cols.append(arr)
            return torch.as_tensor(np.concatenate(cols, axis=-1), dtype=torch.float32)

        if layout["inputs"]:
            if input_fields is not None:
                data.x = stack(layout["inputs"], lambda k: input_fields[k], "input field")
            else:
                data.x = stack(layout["inputs"], lambda k: _point_field(mesh, k, path, n),
                               "input field")
        if with_targets and layout["targets"]:
            data.y = stack(layout["targets"], lambda k: _point_field(mesh, k, path, n),
                           "target field")
        if layout["global_inputs"]:
            data.u = stack(layout["global_inputs"],
                           lambda k: _global_value(mesh, k, path, params), "global input")[None]
        return data

    @classmethod
    def inference_data(
        cls,
        spec: Mapping[str, Any],
        mesh: Any,
        query: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Data:
        """Model input at ``query`` (default: the points of ``mesh``), without targets.

        Input fields come from ``query`` when it carries them, otherwise from ``mesh``
        by nearest-neighbour transfer; global inputs come from ``params`` or
        ``mesh.meta``.
        """
        path = "input"
        if query is None:
            return cls._to_data(spec, mesh, path, with_targets=False, params=params)
        qpts = np.asarray(getattr(query, "points", query), dtype=np.float64)
        if qpts.ndim != 2:
            raise InvalidArgumentError(f"query points must have shape [M, d], got {qpts.shape}")
        qpts = _points(_Points(qpts), spec["dim"], "query")
        fields: dict[str, np.ndarray] = {}
        if spec["inputs"]:
            qdata = getattr(query, "point_data", None) or {}
            src = _points(mesh, spec["dim"], path)
            tree = None
            for name, _ in spec["inputs"]:
                if name in qdata:
                    fields[name] = _point_field(query, name, "query", qpts.shape[0])
                    continue
                if tree is None:
                    from scipy.spatial import cKDTree

                    _, nearest = cKDTree(src).query(qpts)
                    tree = nearest
                fields[name] = _point_field(mesh, name, path, src.shape[0])[tree]
        return cls._to_data(spec, mesh, path, with_targets=False, params=params, pos=qpts,
                            input_fields=fields)


class _Points:
    """A bare point set, for :func:`_points`."""

    def __init__(self, points: np.ndarray) -> None:
        self.points = points
