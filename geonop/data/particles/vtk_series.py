"""Particle trajectories as a ParaView time series: one ``.vtp`` per frame and a ``.pvd``.

ParaView opens the ``.pvd`` collection as one time-dependent data set (each frame a
point cloud of vertex cells carrying ``particle_type`` and ``velocity``); every file is
written atomically with :func:`geonop.write`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Union
from xml.sax.saxutils import quoteattr

import numpy as np

from geonop.errors import InvalidArgumentError
from geonop.io import Mesh, atomic_write_text, write

PathLike = Union[str, "os.PathLike[str]"]


def write_vtp_series(
    positions: np.ndarray,
    folder: PathLike,
    name: str = "particles",
    particle_type: np.ndarray | None = None,
    dt: float = 1.0,
    point_data: Mapping[str, np.ndarray] | None = None,
) -> Path:
    """Write frames ``positions[k]`` to ``folder/name_{k:04d}.vtp`` and ``folder/name.pvd``.

    Parameters
    ----------
    positions : array of shape [T, N, d]
        Particle positions per frame (d = 2 or 3; 2D points get z = 0).
    folder : path
        Output folder (created if needed).
    name : str
        File name stem.
    particle_type : array of shape [N], optional
        Stored as point data ``particle_type`` in every frame.
    dt : float
        Time between frames (the ``timestep`` attribute of the collection).
    point_data : mapping of str to array of shape [T, N] or [T, N, c], optional
        Extra per-frame fields. ``velocity`` (backward difference per ``dt``, zero in the
        first frame) is added unless given.

    Returns
    -------
    Path
        The ``.pvd`` file.

    Raises
    ------
    InvalidArgumentError
        On shapes that disagree, a non-finite position, or ``dt <= 0``.
    """
    pos = np.asarray(positions, dtype=np.float64)
    if pos.ndim != 3 or pos.shape[2] not in (2, 3) or pos.shape[0] < 1:
        raise InvalidArgumentError(
            f"write_vtp_series: positions must have shape [T >= 1, N, 2 or 3], got {list(pos.shape)}")
    if not np.isfinite(pos).all():
        raise InvalidArgumentError("write_vtp_series: positions contain NaN or Inf")
    if not dt > 0:
        raise InvalidArgumentError(f"write_vtp_series: dt must be > 0, got {dt}")
    if not name or os.sep in name or (os.altsep and os.altsep in name):
        raise InvalidArgumentError(f"write_vtp_series: name must be a plain file stem, got {name!r}")
    t, n, _ = pos.shape
    fields: dict[str, np.ndarray] = {}
    if point_data:
        for key, value in point_data.items():
            arr = np.asarray(value)
            if arr.shape[:2] != (t, n):
                raise InvalidArgumentError(
                    f"write_vtp_series: point_data[{key!r}] must have shape [{t}, {n}, ...], got "
                    f"{list(arr.shape)}")
            fields[key] = arr
    if "velocity" not in fields:
        vel = np.zeros_like(pos)
        vel[1:] = np.diff(pos, axis=0) / dt
        fields["velocity"] = vel
    ptype = None
    if particle_type is not None:
        ptype = np.asarray(particle_type)
        if ptype.shape != (n,):
            raise InvalidArgumentError(
                f"write_vtp_series: particle_type must have shape [{n}], got {list(ptype.shape)}")
    out = Path(folder)
    vertices = np.arange(n, dtype=np.int64)[:, None]
    entries = []
    for k in range(t):
        data = {key: value[k] for key, value in fields.items()}
        if ptype is not None:
            data["particle_type"] = ptype
        mesh = Mesh(pos[k], {"vertex": vertices} if n else {}, point_data=data)
        file = f"{name}_{k:04d}.vtp"
        write(mesh, out / file)
        entries.append(f'    <DataSet timestep="{k * dt:.9g}" part="0" file={quoteattr(file)}/>')
    pvd = out / f"{name}.pvd"
    atomic_write_text(pvd, "\n".join([
        '<?xml version="1.0"?>',
        '<VTKFile type="Collection" version="0.1" byte_order="LittleEndian">',
        "  <Collection>",
        *entries,
        "  </Collection>",
        "</VTKFile>",
        "",
    ]))
    return pvd
