"""Optional dependencies, flagged in one place.

Each ``WITH_X`` flag is ``True`` when package ``X`` imports. Callers dispatch on the
flag (``geonop.optional.WITH_TORCH_SCATTER``) at call time, never at import time, so a
test fixture can switch every flag off and exercise the native fallbacks
(see ``tests/conftest.py``). :func:`require` raises a
:class:`~geonop.errors.MissingDependencyError` naming the pip extra.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from geonop.errors import MissingDependencyError


def _importable(name: str) -> bool:
    if importlib.util.find_spec(name) is None:
        return False
    try:  # a broken binary wheel must count as absent, not crash geonop's import
        importlib.import_module(name)
    except Exception:  # noqa: BLE001
        return False
    return True


#: package -> the geonop extra that installs it
EXTRAS: dict[str, str] = {
    "torch_scatter": "scatter",
    "torch_cluster": "scatter",
    "pyg_lib": "scatter",
    "gmsh": "cfd",
    "taichi": "particles",
    "h5py": "particles",
    "matplotlib": "viz",
    "tensorboard": "dev",
    "numba": "fast",
    "neuralop": "bench",
}

WITH_TORCH_SCATTER: bool = _importable("torch_scatter")
WITH_TORCH_CLUSTER: bool = _importable("torch_cluster")
WITH_PYG_LIB: bool = _importable("pyg_lib")
WITH_GMSH: bool = importlib.util.find_spec("gmsh") is not None
WITH_TAICHI: bool = importlib.util.find_spec("taichi") is not None
WITH_H5PY: bool = importlib.util.find_spec("h5py") is not None
WITH_MATPLOTLIB: bool = importlib.util.find_spec("matplotlib") is not None
#: found, not imported: importing numba takes a second; a broken install is caught at use
WITH_NUMBA: bool = importlib.util.find_spec("numba") is not None
#: neuraloperator (GINO, a peer of the airfoil benchmark); imported only when used
WITH_NEURALOP: bool = importlib.util.find_spec("neuralop") is not None

#: names of every flag above, for fixtures that switch them all off
FLAGS: tuple[str, ...] = (
    "WITH_TORCH_SCATTER",
    "WITH_TORCH_CLUSTER",
    "WITH_PYG_LIB",
    "WITH_GMSH",
    "WITH_TAICHI",
    "WITH_H5PY",
    "WITH_MATPLOTLIB",
    "WITH_NUMBA",
    "WITH_NEURALOP",
)


def require(package: str, feature: str) -> ModuleType:
    """Import an optional ``package`` or raise an error naming the extra that provides it.

    Args:
        package: importable module name, e.g. ``"gmsh"``.
        feature: what needs it, e.g. ``"meshing an airfoil"``; it leads the message.

    Returns:
        The imported module.
    """
    flag = "WITH_" + package.upper()
    if flag in globals() and not globals()[flag]:
        raise MissingDependencyError(package, EXTRAS.get(package), feature)
    try:
        return importlib.import_module(package)
    except ImportError as exc:
        raise MissingDependencyError(package, EXTRAS.get(package), feature) from exc
