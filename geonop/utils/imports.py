"""Resolve ``"package.module:Class"`` names from configs and checkpoints."""

from __future__ import annotations

import importlib
from typing import Any, TypeVar

from geonop.errors import ConfigError

T = TypeVar("T")


def import_subclass(name: str, base: type[T], what: str) -> type[T]:
    """Import the class ``name`` (``"package.module:Qual.Name"``) and check it subclasses ``base``.

    Parameters
    ----------
    name : str
        ``module:qualified.name``.
    base : type
        The class the result must derive from.
    what : str
        What the name is for (``"model"``, ``"data.dataset"``); it leads the error message.

    Raises
    ------
    ConfigError
        When the module or attribute cannot be imported, or the object is not a subclass of ``base``.
    """
    module, _, qual = name.partition(":")
    try:
        obj: Any = importlib.import_module(module)
        for part in qual.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"{what} {name!r}: cannot import it ({exc})") from exc
    if not (isinstance(obj, type) and issubclass(obj, base)):
        raise ConfigError(f"{what} {name!r} is not a {base.__name__} subclass")
    return obj
