"""Checks shared by the readers of the DeepMind and LagrangeBench layouts."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Union

import numpy as np

from geonop.errors import CorruptFileError, MissingFileError

PathLike = Union[str, "os.PathLike[str]"]


def metadata_path(root: PathLike) -> Path:
    """``root/metadata.json`` for a folder, else ``root`` itself (which must exist)."""
    path = Path(root)
    if path.is_dir() or not path.suffix:
        path = path / "metadata.json"
    if not path.is_file():
        raise MissingFileError(path, "dataset metadata not found")
    return path


def load_json_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; :class:`CorruptFileError` if it is not one."""
    try:
        meta = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptFileError(path, f"not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise CorruptFileError(path, "metadata must be a JSON object")
    return meta


def check_bounds_and_dim(path: Path, meta: dict[str, Any]) -> int:
    """``meta["dim"]`` after checking that ``bounds`` is [dim, 2]; raises
    :class:`CorruptFileError` naming ``path`` otherwise."""
    for key in ("bounds", "dim"):
        if key not in meta:
            raise CorruptFileError(path, f"metadata has no {key!r}")
    try:
        bounds = np.asarray(meta["bounds"], dtype=np.float64)
        dim = int(meta["dim"])
    except (TypeError, ValueError) as exc:
        raise CorruptFileError(path, f"metadata 'bounds'/'dim' unreadable ({exc})") from exc
    if bounds.shape != (dim, 2):
        raise CorruptFileError(path, f"metadata 'bounds' must have shape [{dim}, 2], "
                                     f"got {list(bounds.shape)}")
    return dim


def check_trajectory_shapes(path: Path, name: str, shape: Sequence[int], tshape: Sequence[int],
                            dim: Any, pkey: str, tkey: str, scalar_type: bool = False) -> None:
    """Positions [T, N, d] with ``d == dim`` (when known) and types [N] (or a scalar when
    ``scalar_type``); :class:`CorruptFileError` naming the file, trajectory and key otherwise."""
    if len(shape) != 3:
        raise CorruptFileError(path, f"trajectory {name!r} key {pkey!r}: positions must have "
                                     f"shape [T, N, d], got {list(shape)}")
    ok = tuple(tshape) == (shape[1],) or (scalar_type and len(tshape) == 0)
    if not ok:
        raise CorruptFileError(path, f"trajectory {name!r} key {tkey!r}: particle_type has "
                                     f"shape {list(tshape)}, positions have {shape[1]} particles")
    if dim is not None and int(dim) != shape[2]:
        raise CorruptFileError(path, f"trajectory {name!r} key {pkey!r}: {shape[2]}-D positions "
                                     f"but metadata says dim={dim}")
