"""geonop's exception hierarchy.

Every error geonop raises on bad input is a subclass of :class:`GeonopError`, so a
caller can catch one class. Each subclass also derives from the closest built-in
exception (``FileNotFoundError``, ``ValueError``, ``ImportError``) so code written
against the standard library keeps working.

Messages name the file or argument and say what is wrong, e.g.::

    geonop.errors.CorruptFileError: meshes/part.stl: truncated binary STL (expected 684 bytes, got 200)
"""

from __future__ import annotations

import os
from typing import Optional, Union

PathLike = Union[str, "os.PathLike[str]"]


class GeonopError(Exception):
    """Base class of every error geonop raises on purpose."""


class GeonopFileError(GeonopError):
    """A problem with a file or folder given to geonop.

    Args:
        path: the offending path; it leads the message.
        problem: what is wrong with it, in words.
    """

    def __init__(self, path: Optional[PathLike], problem: str) -> None:
        self.path = None if path is None else os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path is not None else problem)

    def __reduce__(self):  # keep picklable (multiprocessing, DDP workers)
        return (type(self), (self.path, self.problem))


class MissingFileError(GeonopFileError, FileNotFoundError):
    """The path does not exist."""


class UnsupportedFormatError(GeonopFileError, ValueError):
    """geonop cannot read or write this kind of file (unknown extension or layout)."""


class CorruptFileError(GeonopFileError, ValueError):
    """The file exists and has a known format but cannot be parsed (truncated, garbage)."""


class WriteError(GeonopFileError, OSError):
    """Writing an output failed (disk full, permission); any previous file is left intact."""


class InvalidMeshError(GeonopError, ValueError):
    """A mesh or point cloud is unusable: empty, NaN/Inf coordinates, degenerate cells,
    duplicate points, mixed dimensions, cell indices out of range."""


class InvalidArgumentError(GeonopError, ValueError):
    """A function argument is out of range or inconsistent (radius <= 0, k larger than the
    point count, mismatched batch vectors, ...). The message names the argument."""


class MissingDependencyError(GeonopError, ImportError):
    """A feature needs an optional package. The message names the pip extra to install.

    Args:
        package: the importable package that is missing (e.g. ``"gmsh"``).
        extra: the geonop extra that provides it (e.g. ``"cfd"``).
        feature: what the user tried to do.
    """

    def __init__(self, package: str, extra: Optional[str], feature: str) -> None:
        self.package = package
        self.extra = extra
        self.feature = feature
        hint = f"pip install 'geonop[{extra}]'" if extra else f"pip install {package}"
        super().__init__(f"{feature} needs the optional package '{package}': {hint}")

    def __reduce__(self):
        return (type(self), (self.package, self.extra, self.feature))


class CheckpointError(GeonopFileError):
    """A checkpoint is missing, corrupt, or from an incompatible geonop version or model."""


class ConfigError(GeonopError, ValueError):
    """A configuration file or override is invalid (unknown key, wrong type)."""


class TrainingError(GeonopError, RuntimeError):
    """Training cannot continue (non-finite loss, diverged)."""


__all__ = [
    "GeonopError",
    "GeonopFileError",
    "MissingFileError",
    "UnsupportedFormatError",
    "CorruptFileError",
    "WriteError",
    "InvalidMeshError",
    "InvalidArgumentError",
    "MissingDependencyError",
    "CheckpointError",
    "ConfigError",
    "TrainingError",
]
