"""Reading a stored model: a geonop checkpoint file back to the model it holds.

The model layer's half of :mod:`geonop.train.checkpoint` (which writes checkpoints and adds
the training state): a model that builds on another stored model (an operator whose nodes a
learned mesh mover places, say) reads it from here without importing the training layer.
The file layout is described in :mod:`geonop.train.checkpoint`.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from geonop.errors import CheckpointError, ConfigError, GeonopError, PathLike
from geonop.models.base import GeonopModel, model_class

FORMAT = "geonop-checkpoint"
#: bumped when the layout changes incompatibly; readers accept this version and older
FORMAT_VERSION = 1


def _geonop_version() -> str:
    import geonop

    return geonop.__version__


def load_checkpoint(path: PathLike, map_location: Any = "cpu") -> dict[str, Any]:
    """Read and validate a checkpoint.

    Raises
    ------
    CheckpointError
        Missing, truncated or corrupt file, not a geonop checkpoint, or written in a newer
        checkpoint format than this geonop reads.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(path, "no such checkpoint file")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if "Unsupported global" in ln]
        detail = lines[0] if lines else str(exc).splitlines()[0]
        raise CheckpointError(
            path, f"holds objects a geonop checkpoint never contains, so it is not loaded "
                  f"(not a geonop checkpoint?): {detail}"
        ) from exc
    except (RuntimeError, EOFError, OSError, ValueError, AttributeError) as exc:
        raise CheckpointError(path, f"truncated or corrupt checkpoint ({exc})") from exc
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(path, "not a geonop checkpoint (no 'geonop-checkpoint' marker)")
    version = ckpt.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise CheckpointError(
            path,
            f"incompatible checkpoint: written by geonop {ckpt.get('geonop_version', '?')} in "
            f"checkpoint format {version}; this is geonop {_geonop_version()}, which reads "
            f"formats 1 to {FORMAT_VERSION}. Load it with the geonop version that wrote it.",
        )
    for key in ("model", "state_dict"):
        if key not in ckpt:
            raise CheckpointError(path, f"incomplete checkpoint: no {key!r} entry")
    return ckpt


def model_from_checkpoint(ckpt: Mapping[str, Any], path: PathLike = "checkpoint",
                          strict: bool = True) -> GeonopModel:
    """Rebuild the model stored in a checkpoint dict (see :func:`load_checkpoint`)."""
    spec = ckpt["model"]
    name = spec.get("class", "?") if isinstance(spec, Mapping) else "?"
    try:
        cls = model_class(name)
    except ConfigError as exc:
        raise CheckpointError(
            path, f"holds a model of class {name!r} that this geonop cannot build ({exc})"
        ) from exc
    try:
        model = cls(*spec.get("args", []), **spec.get("kwargs", {}))
    except (TypeError, ValueError, GeonopError) as exc:
        raise CheckpointError(
            path, f"cannot rebuild {cls.__name__} from its stored arguments ({exc}); the model "
                  f"changed since geonop {ckpt.get('geonop_version', '?')} wrote this checkpoint"
        ) from exc
    load_weights(model, ckpt["state_dict"], path, strict)
    if ckpt.get("normalization"):
        model.set_normalization(ckpt["normalization"])
    model.output_fields = ckpt.get("output_fields")
    model.surface_fields = ckpt.get("surface_fields")
    return model


def load_weights(model: GeonopModel, state_dict: Mapping[str, Any], path: PathLike,
                 strict: bool = True) -> None:
    """``model.load_state_dict`` with a :class:`CheckpointError` that lists what differs."""
    own = model.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    shapes = [f"{k} {list(state_dict[k].shape)} vs {list(own[k].shape)}" for k in own
              if k in state_dict and tuple(state_dict[k].shape) != tuple(own[k].shape)]
    if shapes or (strict and (missing or unexpected)):
        parts = []
        if missing:
            parts.append(f"missing {missing[:5]}")
        if unexpected:
            parts.append(f"unexpected {unexpected[:5]}")
        if shapes:
            parts.append(f"shape mismatch {shapes[:5]} (checkpoint vs model)")
        raise CheckpointError(
            path, f"weights do not fit {type(model).__name__}: {'; '.join(parts)}"
        )
    model.load_state_dict(state_dict, strict=strict)
