"""Turn third-party parser failures into :class:`~geonop.errors.CorruptFileError`.

Readers wrap their calls into trimesh, meshio, pyvista/VTK and numpy in
:func:`corrupt_file_guard`, so a user never sees a raw ``KeyError`` from deep inside a
parser, and silence VTK, which reports problems on stderr instead of raising.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from geonop.errors import CorruptFileError, GeonopError, InvalidArgumentError

_MAX_DETAIL = 200


def describe_exception(exc: BaseException) -> str:
    """``"TypeName: message"`` shortened to a readable length."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(text) > _MAX_DETAIL:
        text = text[:_MAX_DETAIL] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextlib.contextmanager
def corrupt_file_guard(path: str, what: str) -> Iterator[None]:
    """Re-raise any non-geonop exception as ``CorruptFileError(path, ...)``.

    Parameters
    ----------
    path : str
        File being read; leads the message.
    what : str
        Format in words, e.g. ``"Gmsh"``: the message reads "cannot parse <what> file".
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except GeonopError:
        raise
    except (MemoryError, RecursionError, SystemExit, Exception) as exc:
        # SystemExit too: some parsers (meshio) call sys.exit on a file they cannot read
        raise CorruptFileError(path, f"cannot parse {what} file ({describe_exception(exc)})") from exc


@contextlib.contextmanager
def quiet_vtk() -> Iterator[list[str]]:
    """Silence VTK's error output; yields a list filled with the VTK error messages on exit.

    VTK readers report a corrupt file on stderr and return an empty dataset, so a reader
    checks the list after the block and raises ``CorruptFileError`` itself.
    """
    import pyvista as pv

    messages: list[str] = []
    # VTK logs through its own logger (stderr) and pyvista forwards errors to the root
    # logger; both would print a scary trace for a file geonop reports cleanly
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.CRITICAL)
    verbosity = pv.vtk_verbosity() if hasattr(pv, "vtk_verbosity") else None
    if verbosity is not None:
        pv.vtk_verbosity("off")
    catcher = pv.VtkErrorCatcher(raise_errors=False, send_to_logging=False)
    try:
        with catcher:
            yield messages
    finally:
        root.setLevel(previous)
        if verbosity is not None:
            pv.vtk_verbosity(verbosity)
        events = list(getattr(catcher, "error_events", None) or [])
        # VTK's legacy reader reports truncated binary data as a *warning*
        events += [e for e in getattr(catcher, "warning_events", None) or []
                   if "error" in str(getattr(e, "alert", e)).lower()]
        if not hasattr(catcher, "error_events"):  # pyvista < 0.47
            events = getattr(getattr(catcher, "_observer", None), "event_history", [])
        for event in events:
            text = str(getattr(event, "alert", None) or event).strip()
            messages.append(text.splitlines()[-1].strip() if text else "VTK error")


def check_kwargs(func: Callable[..., Any], kwargs: dict[str, Any], what: str, skip: int) -> None:
    """Raise ``InvalidArgumentError`` if ``func`` does not take the keyword ``kwargs``.

    ``skip`` leading positional parameters (path, format, ...) are not offered as options.
    """
    params = list(inspect.signature(func).parameters.values())[skip:]
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return
    names = [p.name for p in params]
    unknown = sorted(set(kwargs) - set(names))
    if unknown:
        raise InvalidArgumentError(
            f"{what}: unknown option(s) {unknown}; accepted: {names or 'none'}")
