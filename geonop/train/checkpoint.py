"""Self-describing checkpoints, written atomically, and :func:`load`.

A checkpoint is one ``torch.save`` file holding plain data only (tensors, numbers,
strings, lists, dicts), so it is read with ``torch.load(weights_only=True)`` and
loading one never runs code from the file::

    format, format_version, geonop_version, torch_version
    model:          {"class": "geonop.models.field_mlp:FieldMLP", "args": [], "kwargs": {...}}
    state_dict:     the weights
    normalization:  {"pos": {"mean", "std", "count"}, "y": {...}, ...}
    output_fields:  [["pressure", 1], ["velocity", 2]]
    data:           {"dataset": "geonop.data.mesh_dataset:MeshDataset", "spec": {...}}
    config:         the full training config
    metrics:        the last validation metrics
    training:       step, epoch, optimizer, scheduler, scaler and RNG states (to resume)

Writes go to a temporary file in the destination folder, are flushed to disk, and
replace the destination in one ``os.replace``: a crash, a full disk or a kill at any
moment leaves either the previous checkpoint or the new one, never a torn file.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Union

import torch

from geonop.errors import CheckpointError, WriteError
from geonop.models.base import GeonopModel
from geonop.models.stored import (  # noqa: F401  (re-exported: the reading side lives there)
    FORMAT,
    FORMAT_VERSION,
    _geonop_version,
    load_checkpoint,
    load_weights,
    model_from_checkpoint,
)

PathLike = Union[str, os.PathLike]

def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write(path: PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Write a file atomically: ``write(f)`` into a temporary file next to ``path``,
    fsync, then ``os.replace``.

    Raises
    ------
    WriteError
        When anything fails; ``path`` is untouched and no temporary file remains.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise WriteError(path, f"cannot create a file in {path.parent}: {exc}") from exc
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; use the normal mode
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, (OSError, RuntimeError, pickle.PicklingError, ValueError, TypeError)):
            raise WriteError(path, f"write failed, previous file kept: {exc}") from exc
        raise
    _fsync_dir(path.parent)
    return path


def atomic_torch_save(obj: Any, path: PathLike) -> Path:
    """``torch.save(obj, path)`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda f: torch.save(obj, f))


@dataclass
class CheckpointInfo:
    """What :func:`load` attaches to a model as ``model.checkpoint_info``."""

    path: str
    step: int
    geonop_version: str
    data: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


def save_checkpoint(
    path: PathLike,
    model: GeonopModel,
    *,
    training: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    metrics: Mapping[str, float] | None = None,
) -> Path:
    """Write a self-describing checkpoint of ``model`` atomically.

    Parameters
    ----------
    path : path
        Destination (folders are created).
    model : GeonopModel
        The model; its class, constructor arguments, weights, normalisation statistics
        and output layout are stored.
    training : dict, optional
        Resumable state (step, optimizer, scheduler, RNG, ...), as the Trainer writes it.
    config : dict, optional
        The run's config.
    data : dict, optional
        ``{"dataset": "module:Class", "spec": {...}}``: how to turn new inputs into model
        input (needed by ``geonop predict``).
    metrics : dict, optional
        Validation metrics at this point.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    WriteError
        The write failed; any previous checkpoint at ``path`` is intact.
    """
    model.check_serializable()
    ckpt = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "geonop_version": _geonop_version(),
        "torch_version": str(torch.__version__),
        "created": time.time(),
        "model": model.config,
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "normalization": model.normalizer.state(),
        "output_fields": model.output_fields,
        "surface_fields": model.surface_fields,
        "data": dict(data or {}),
        "config": dict(config or {}),
        "metrics": {k: float(v) for k, v in (metrics or {}).items()},
        "training": dict(training or {}),
    }
    return atomic_torch_save(ckpt, path)


def load(path: PathLike, map_location: Any = "cpu", strict: bool = True) -> GeonopModel:
    """Rebuild a trained model from a checkpoint, ready to predict.

    Parameters
    ----------
    path : path
        A checkpoint written by the Trainer or :func:`save_checkpoint`.
    map_location : str or torch.device
        Where to put the weights (default CPU).
    strict : bool
        Require the stored weights to match the model's exactly.

    Returns
    -------
    GeonopModel
        In eval mode, with its normalisation statistics; ``model.checkpoint_info``
        (:class:`CheckpointInfo`) holds the step, data spec, config and metrics.

    Examples
    --------
    >>> model = geonop.load("runs/field_mlp/checkpoints/best.pt")
    >>> fields = model.predict(data)      # raw units, shape [N, C_out]
    """
    ckpt = load_checkpoint(path, map_location)
    model = model_from_checkpoint(ckpt, path, strict)
    model.eval()
    model.checkpoint_info = CheckpointInfo(
        path=os.fspath(path),
        step=int(ckpt.get("training", {}).get("step", 0)),
        geonop_version=str(ckpt.get("geonop_version", "?")),
        data=dict(ckpt.get("data") or {}),
        config=dict(ckpt.get("config") or {}),
        metrics=dict(ckpt.get("metrics") or {}),
    )
    return model


def check_same_model(ckpt: Mapping[str, Any], model: GeonopModel, path: PathLike) -> None:
    """Raise :class:`CheckpointError` unless ``ckpt`` holds the same model class and
    constructor arguments as ``model`` (resuming a run with a changed model)."""
    stored, current = ckpt["model"], model.config
    if stored.get("class") != current["class"]:
        raise CheckpointError(
            path, f"holds a {stored.get('class')} model but the config builds {current['class']}"
        )
    s_kw, c_kw = stored.get("kwargs", {}), current["kwargs"]
    diff = sorted(k for k in set(s_kw) | set(c_kw) if s_kw.get(k) != c_kw.get(k))
    if diff or list(stored.get("args", [])) != list(current["args"]):
        detail = ", ".join(f"{k}: {s_kw.get(k)!r} in checkpoint, {c_kw.get(k)!r} now"
                           for k in diff)
        raise CheckpointError(
            path, f"was trained with different model arguments ({detail or 'positional'}); "
                  "resume with the original model config or start a new run"
        )
