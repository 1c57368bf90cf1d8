"""Read the fields of a solved airfoil case (ASCII OpenFOAM files) into numpy arrays.

What a solved case gives (all in the z = 0 plane of the one-cell-thick mesh):

- volume: cell centres and ``U`` (x, y), ``p`` (kinematic, m^2/s^2, 0 in the free stream),
  ``nut`` (m^2/s) in every cell;
- surface (the ``airfoil`` patch, one entry per wall face): face centre, unit normal
  pointing out of the airfoil into the fluid, face length (area / span), ``p`` on the face
  and OpenFOAM's ``wallShearStress`` (kinematic, m^2/s^2; it is the stress the wall exerts
  on the fluid, so it points against the near-wall flow), and the index of the wall cell.

:func:`integrate_coefficients` turns surface pressure and shear back into C_L, C_D and
C_M the way OpenFOAM's ``forces`` function object does (pressure force ``p S_f`` plus
viscous force ``-|S_f| tau_w`` on each face, ``S_f`` pointing out of the fluid), so it must
reproduce ``forceCoeffs`` to round-off: that checks the extraction.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import numpy as np

from geonop.errors import CorruptFileError, MissingFileError

PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class CaseFields:
    """Fields of one solved case (float64).

    Attributes
    ----------
    volume_pos : ndarray of shape [N, 2]
        Cell centres.
    volume_u : ndarray of shape [N, 2]
    volume_p : ndarray of shape [N]
    volume_nut : ndarray of shape [N]
    surface_pos : ndarray of shape [M, 2]
        Wall-face centres.
    surface_normal : ndarray of shape [M, 2]
        Unit normals, out of the airfoil.
    surface_length : ndarray of shape [M]
        Face area divided by the span (m).
    surface_p : ndarray of shape [M]
    surface_tau : ndarray of shape [M, 2]
        OpenFOAM's ``wallShearStress`` on the wall faces.
    surface_cell : ndarray of shape [M]
        Index of each wall face's cell in the volume arrays.
    span : float
        Mesh thickness along z (m).
    """

    volume_pos: np.ndarray
    volume_u: np.ndarray
    volume_p: np.ndarray
    volume_nut: np.ndarray
    surface_pos: np.ndarray
    surface_normal: np.ndarray
    surface_length: np.ndarray
    surface_p: np.ndarray
    surface_tau: np.ndarray
    surface_cell: np.ndarray
    span: float


# ----------------------------------------------------------------------------------------
# ASCII OpenFOAM parsing
# ----------------------------------------------------------------------------------------


def _text(path: Path) -> str:
    if not path.is_file():
        raise MissingFileError(path, "missing from the OpenFOAM case")
    return path.read_text(errors="replace")


def _strip_header(text: str) -> str:
    i = text.find("FoamFile")
    if i >= 0:
        j = text.find("}", i)
        text = text[j + 1:]
    return re.sub(r"//[^\n]*", "", text)


def _numbers(text: str, count: int, path: Path, dtype: type = float) -> np.ndarray:
    vals = np.array(text.replace("(", " ").replace(")", " ").split()[:count], dtype=dtype)
    if len(vals) != count:
        raise CorruptFileError(path, f"expected {count} numbers, found {len(vals)}")
    return vals


def _list_at(text: str, pos: int, width: int, path: Path, dtype: type = float) -> tuple[np.ndarray, int]:
    """Parse an OpenFOAM list ``N ( ... )`` whose count starts at or after ``pos``."""
    m = re.compile(r"(\d+)\s*\(").search(text, pos)
    if m is None:
        raise CorruptFileError(path, "no list found")
    n = int(m.group(1))
    end = m.end()
    # each entry has ``width`` numbers; find the list's end by counting closing brackets
    close = end
    for _ in range(n if width > 1 else 0):
        close = text.index(")", close) + 1
    close = text.index(")", close)
    vals = _numbers(text[end:close], n * width, path, dtype)
    return vals.reshape(n, width) if width > 1 else vals, close + 1


def read_points(case: Path) -> np.ndarray:
    """``constant/polyMesh/points``: float64 [P, 3]."""
    path = case / "constant/polyMesh/points"
    text = _strip_header(_text(path))
    return _list_at(text, 0, 3, path)[0]


def read_labels(case: Path, name: str) -> np.ndarray:
    """``constant/polyMesh/<name>`` (``owner`` or ``neighbour``): int64 [n]."""
    path = case / "constant/polyMesh" / name
    text = _strip_header(_text(path))
    return _list_at(text, 0, 1, path, dtype=np.int64)[0]


def read_faces(case: Path, start: int, count: int) -> list[np.ndarray]:
    """Faces ``start .. start + count - 1`` of ``constant/polyMesh/faces`` (point labels)."""
    path = case / "constant/polyMesh/faces"
    text = _strip_header(_text(path))
    m = re.compile(r"(\d+)\s*\(").search(text)
    if m is None:
        raise CorruptFileError(path, "no face list found")
    tokens = re.findall(r"(\d+)\(([\d ]+)\)", text[m.end():])
    if len(tokens) != int(m.group(1)):
        raise CorruptFileError(path, f"header says {m.group(1)} faces, found {len(tokens)} "
                                     "(binary or compact face lists are not supported)")
    return [np.array(t[1].split(), dtype=np.int64) for t in tokens[start:start + count]]


def read_boundary(case: Path) -> dict[str, tuple[int, int]]:
    """Patch name -> (startFace, nFaces) from ``constant/polyMesh/boundary``."""
    path = case / "constant/polyMesh/boundary"
    text = _strip_header(_text(path))
    out = {}
    for name, body in re.findall(r"(\w+)\s*\{([^}]*)\}", text):
        n = re.search(r"nFaces\s+(\d+);", body)
        s = re.search(r"startFace\s+(\d+);", body)
        if n and s:
            out[name] = (int(s.group(1)), int(n.group(1)))
    if not out:
        raise CorruptFileError(path, "no patches found")
    return out


def read_field(path: PathLike, patch: str | None = None) -> np.ndarray:
    """The internal field of a volume field file, or its ``value`` on ``patch``.

    Returns
    -------
    ndarray of shape [n] (scalar) or [n, 3] (vector)
        A ``uniform`` value is returned as shape [1] or [1, 3].
    """
    path = Path(path)
    text = _strip_header(_text(path))
    cls = re.search(r"class\s+(\w+);", _text(path)[:2000])
    width = 3 if cls and "Vector" in cls.group(1) else 1
    if patch is None:
        m = re.search(r"internalField\s+", text)
        pos = m.end() if m else -1
    else:
        bf = text.find("boundaryField")
        m = re.compile(rf"\b{re.escape(patch)}\s*\{{").search(text, max(bf, 0))
        if bf < 0 or m is None:
            raise CorruptFileError(path, f"no patch {patch!r} in boundaryField")
        body_end = text.index("}", m.end())
        v = re.compile(r"value\s+").search(text, m.end(), body_end)
        if v is None:
            raise CorruptFileError(path, f"patch {patch!r} has no 'value' entry")
        pos = v.end()
    if pos < 0:
        raise CorruptFileError(path, "no internalField")
    if text.startswith("uniform", pos):
        rest = text[pos + len("uniform"): text.index(";", pos)]
        vals = _numbers(rest, width, path)
        return vals.reshape(1, width) if width > 1 else vals
    if not text.startswith("nonuniform", pos):
        raise CorruptFileError(path, f"unexpected field entry {text[pos:pos + 30]!r}")
    return _list_at(text, pos, width, path)[0]


def latest_time(case: PathLike) -> str:
    """Name of the latest time folder other than ``0``."""
    times = []
    for p in Path(case).iterdir():
        try:
            t = float(p.name)
        except ValueError:
            continue
        if p.is_dir() and t > 0:
            times.append((t, p.name))
    if not times:
        raise MissingFileError(case, "no solution time folder (has the solver run?)")
    return max(times)[1]


# ----------------------------------------------------------------------------------------
# Extraction and force re-integration
# ----------------------------------------------------------------------------------------


def extract_case(case: PathLike, time_name: str | None = None) -> CaseFields:
    """Volume and wall fields of a solved case.

    Needs the fields ``C`` (``writeCellCentres``), ``U``, ``p``, ``nut`` and
    ``wallShearStress`` in the time folder (see :func:`~geonop.data.airfoil.openfoam_case.solve`).
    """
    case = Path(case)
    t = case / (time_name or latest_time(case))
    centres = read_field(t / "C")
    n = len(centres)
    u, p, nut = read_field(t / "U"), read_field(t / "p"), read_field(t / "nut")
    for name, arr in (("U", u), ("p", p), ("nut", nut)):
        if len(arr) != n:
            raise CorruptFileError(t / name, f"{len(arr)} values for {n} cells")
    start, count = read_boundary(case)["airfoil"]
    owner = read_labels(case, "owner")[start:start + count]
    pts = read_points(case)
    faces = read_faces(case, start, count)
    centre = np.array([pts[f].mean(axis=0) for f in faces])
    # Newell's formula: exact area vector of a planar polygon, pointing out of the fluid
    area = np.array([0.5 * np.cross(pts[f], pts[np.roll(f, -1)]).sum(axis=0) for f in faces])
    span = float(np.ptp(pts[:, 2]))
    mag = np.linalg.norm(area, axis=1)
    tau = read_field(t / "wallShearStress", patch="airfoil")
    if len(tau) == 1:
        tau = np.repeat(tau, count, axis=0)
    if len(tau) != count:
        raise CorruptFileError(t / "wallShearStress", f"{len(tau)} wall values for {count} faces")
    if abs(float(np.abs(area[:, 2]).max())) > 1e-9 * float(mag.max()):
        raise CorruptFileError(case / "constant/polyMesh", "airfoil faces are not normal to z")
    return CaseFields(
        volume_pos=centres[:, :2], volume_u=u[:, :2], volume_p=p, volume_nut=nut,
        surface_pos=centre[:, :2], surface_normal=-area[:, :2] / mag[:, None],
        surface_length=mag / span, surface_p=p[owner], surface_tau=tau[:, :2],
        surface_cell=owner, span=span,
    )


def integrate_coefficients(
    surface_pos: np.ndarray,
    surface_normal: np.ndarray,
    surface_length: np.ndarray,
    surface_p: np.ndarray,
    surface_tau: np.ndarray,
    u_inf: float,
    aoa_deg: float,
    moment_centre: tuple[float, float] = (0.25, 0.0),
) -> dict[str, float]:
    """Lift, drag and pitching-moment coefficients from wall pressure and shear.

    Parameters
    ----------
    surface_pos, surface_normal : ndarray of shape [M, 2]
        Face centres and unit normals pointing out of the airfoil.
    surface_length : ndarray of shape [M]
        Face lengths (m, per unit span).
    surface_p : ndarray of shape [M]
        Kinematic pressure relative to the free stream.
    surface_tau : ndarray of shape [M, 2]
        Wall shear stress as OpenFOAM's ``wallShearStress`` (on the fluid; kinematic).
    u_inf, aoa_deg : float
        Free stream; lift is normal to it, drag along it.
    moment_centre : (float, float)
        Moment reference point (the quarter chord). ``cm`` is nose-up positive, the sign
        of OpenFOAM's ``CmPitch`` with ``pitchAxis (0 0 1)``.

    Returns
    -------
    dict
        ``{"cl", "cd", "cm", "cl_pressure", "cd_pressure"}``, per unit span, chord 1 m.
    """
    length = np.asarray(surface_length, dtype=np.float64)[:, None]
    f_p = -np.asarray(surface_p, dtype=np.float64)[:, None] * np.asarray(surface_normal, np.float64) * length
    f_v = -np.asarray(surface_tau, dtype=np.float64) * length
    a = math.radians(aoa_deg)
    lift_dir = np.array([-math.sin(a), math.cos(a)])
    drag_dir = np.array([math.cos(a), math.sin(a)])
    q = 0.5 * u_inf**2
    f = f_p + f_v
    r = np.asarray(surface_pos, dtype=np.float64) - np.asarray(moment_centre)
    moment = float((r[:, 0] * f[:, 1] - r[:, 1] * f[:, 0]).sum())
    fp = f_p.sum(0)
    ft = f.sum(0)
    return {
        "cl": float(ft @ lift_dir) / q, "cd": float(ft @ drag_dir) / q, "cm": -moment / q,
        "cl_pressure": float(fp @ lift_dir) / q, "cd_pressure": float(fp @ drag_dir) / q,
    }
