"""Recording constructor arguments, so that an object can be rebuilt from plain data.

Used by :class:`~geonop.models.GeonopModel` (checkpoints rebuild models) and
:class:`~geonop.data.GeometryDataset` (``geonop evaluate`` rebuilds the dataset on new
files).
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

PLAIN = (bool, int, float, str, type(None))


def is_plain(value: Any) -> bool:
    """True for numbers, strings, booleans, ``None`` and lists/tuples/str-keyed dicts of them."""
    if isinstance(value, PLAIN):
        return True
    if isinstance(value, (list, tuple)):
        return all(is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    return False


def recording_init(init: Callable[..., None], attribute: str) -> Callable[..., None]:
    """Wrap ``__init__`` so that the instance stores ``(positional, keyword)`` arguments,
    defaults included, as ``attribute``.

    Only the constructor of the instance's own class records: the ``super().__init__``
    calls of parent classes do not overwrite what the user passed.
    """
    sig = inspect.signature(init)

    @functools.wraps(init)
    def wrapped(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if type(self).__init__ is not wrapped:
            return
        bound = sig.bind(self, *args, **kwargs)
        bound.apply_defaults()
        pos: list[Any] = []
        kw: dict[str, Any] = {}
        for i, (name, value) in enumerate(bound.arguments.items()):
            if i == 0:
                continue  # self
            kind = sig.parameters[name].kind
            if kind is inspect.Parameter.POSITIONAL_ONLY:
                pos.append(value)
            elif kind is inspect.Parameter.VAR_POSITIONAL:
                pos.extend(value)
            elif kind is inspect.Parameter.VAR_KEYWORD:
                kw.update(value)
            else:
                kw[name] = value
        object.__setattr__(self, attribute, (tuple(pos), kw))

    return wrapped
