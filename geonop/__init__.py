"""geonop: geometry- and mesh-aware graph neural operators.

Data flows one way through the sub-packages::

    io -> geometry -> graph -> nn -> models -> train -> cli

The most used entry points are re-exported here: :func:`read`, :func:`write` and
:class:`Mesh` from :mod:`geonop.io`, and the error classes from :mod:`geonop.errors`.
Sub-packages are imported lazily, so ``import geonop`` stays fast.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

# Torch's OpenMP threads spin while they wait for work. When other processes hold some of
# the cores, the spinning threads starve each other: a training step of the airfoil demo
# took 9.5 s with 2 threads beside one busy core, against 0.52 s with passive waiting
# (measured on the 2-core development machine). Set before torch loads its OpenMP runtime
# (``import geonop`` before ``import torch``); a value the user set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from geonop.errors import (  # noqa: F401
    CorruptFileError,
    GeonopError,
    InvalidArgumentError,
    InvalidMeshError,
    MissingDependencyError,
    MissingFileError,
    UnsupportedFormatError,
)

__version__ = "0.1.0"

_LAZY = {
    "read": "geonop.io",
    "write": "geonop.io",
    "Mesh": "geonop.io",
    "load": "geonop.train",
}
_SUBPACKAGES = ("io", "geometry", "graph", "nn", "models", "train", "cli", "utils", "data")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _SUBPACKAGES:
        return importlib.import_module(f"geonop.{name}")
    raise AttributeError(f"module 'geonop' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBPACKAGES))


__all__ = [
    "__version__",
    "read",
    "write",
    "Mesh",
    "load",
    "GeonopError",
    "CorruptFileError",
    "InvalidArgumentError",
    "InvalidMeshError",
    "MissingDependencyError",
    "MissingFileError",
    "UnsupportedFormatError",
]
