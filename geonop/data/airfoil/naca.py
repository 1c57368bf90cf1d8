"""NACA 4- and 5-digit airfoil coordinates, and airfoils read from ``.dat`` files.

All airfoils have unit chord, the leading edge at the origin and the trailing edge at
``(1, y_te)``. The thickness polynomial uses the closed-trailing-edge coefficient
(-0.1036 instead of the tabulated -0.1015), so the trailing edge is sharp, which is what a
wall-resolved mesh wants.

4-digit ``MPTT``: maximum camber ``M`` % of the chord at ``P`` tenths of the chord,
thickness ``TT`` %. 5-digit ``LPSTT``: design lift coefficient ``0.15 L``, maximum-camber
position ``P / 20``, ``S = 0`` standard or ``S = 1`` reflex mean line, thickness ``TT`` %
(Abbott & von Doenhoff, *Theory of Wing Sections*, 1959; reflex constants from
Jacobs & Pinkerton, NACA Report 537 and the NASA TM X-3284 tables).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from geonop.errors import InvalidArgumentError, InvalidMeshError

# 5-digit mean lines for the design lift coefficient 0.3 (L = 2): P -> (r, k1[, k2/k1]).
_STANDARD = {1: (0.0580, 361.4), 2: (0.1260, 51.640), 3: (0.2025, 15.957),
             4: (0.2900, 6.643), 5: (0.3910, 3.230)}
_REFLEX = {2: (0.1300, 51.990, 0.000764), 3: (0.2170, 15.793, 0.00677),
           4: (0.3180, 6.520, 0.0303), 5: (0.4410, 3.191, 0.1355)}


@dataclass(frozen=True)
class Airfoil:
    """An airfoil section of unit chord.

    Attributes
    ----------
    name : str
        E.g. ``"NACA 2412"``.
    upper, lower : ndarray of shape [n, 2]
        Upper and lower surfaces, both from the leading edge (row 0, shared) to the
        trailing edge (last row, shared: the trailing edge is sharp).
    """

    name: str
    upper: np.ndarray
    lower: np.ndarray

    def closed_curve(self) -> np.ndarray:
        """Selig order: trailing edge, upper surface, leading edge, lower surface, trailing edge.

        Returns
        -------
        ndarray of shape [2 n - 1, 2]
            Clockwise (upper surface first, towards -x); the trailing edge is the first
            and the last row.
        """
        return np.vstack([self.upper[::-1], self.lower[1:]])

    def thickness(self, x: np.ndarray) -> np.ndarray:
        """Vertical distance between the surfaces at chord stations ``x`` [k]."""
        return _interp(self.upper, x) - _interp(self.lower, x)

    def camber(self, x: np.ndarray) -> np.ndarray:
        """Mid-point between the surfaces at chord stations ``x`` [k]."""
        return 0.5 * (_interp(self.upper, x) + _interp(self.lower, x))


def _interp(surface: np.ndarray, x: np.ndarray) -> np.ndarray:
    order = np.argsort(surface[:, 0], kind="stable")
    return np.interp(np.asarray(x, dtype=np.float64), surface[order, 0], surface[order, 1])


def _cosine_x(n: int) -> np.ndarray:
    x = 0.5 * (1.0 - np.cos(np.linspace(0.0, np.pi, n)))
    x[0], x[-1] = 0.0, 1.0
    return x


def _thickness(x: np.ndarray, t: float) -> np.ndarray:
    return 5 * t * (0.2969 * np.sqrt(x) - 0.1260 * x - 0.3516 * x**2 + 0.2843 * x**3
                    - 0.1036 * x**4)


def _mean_line_4(x: np.ndarray, m: float, p: float) -> tuple[np.ndarray, np.ndarray]:
    yc, dyc = np.zeros_like(x), np.zeros_like(x)
    if m > 0:
        f = x < p
        b = ~f
        yc[f] = m / p**2 * (2 * p * x[f] - x[f] ** 2)
        dyc[f] = 2 * m / p**2 * (p - x[f])
        yc[b] = m / (1 - p) ** 2 * ((1 - 2 * p) + 2 * p * x[b] - x[b] ** 2)
        dyc[b] = 2 * m / (1 - p) ** 2 * (p - x[b])
    return yc, dyc


def _mean_line_5(x: np.ndarray, cl: float, pos: int, reflex: bool) -> tuple[np.ndarray, np.ndarray]:
    scale = cl / 0.3
    f = x < (_REFLEX[pos][0] if reflex else _STANDARD[pos][0])
    b = ~f
    yc, dyc = np.zeros_like(x), np.zeros_like(x)
    if not reflex:
        r, k1 = _STANDARD[pos]
        k1 *= scale
        yc[f] = k1 / 6 * (x[f] ** 3 - 3 * r * x[f] ** 2 + r**2 * (3 - r) * x[f])
        dyc[f] = k1 / 6 * (3 * x[f] ** 2 - 6 * r * x[f] + r**2 * (3 - r))
        yc[b] = k1 * r**3 / 6 * (1 - x[b])
        dyc[b] = -k1 * r**3 / 6
    else:
        r, k1, k21 = _REFLEX[pos]
        k1 *= scale
        yc[f] = k1 / 6 * ((x[f] - r) ** 3 - k21 * (1 - r) ** 3 * x[f] - r**3 * x[f] + r**3)
        dyc[f] = k1 / 6 * (3 * (x[f] - r) ** 2 - k21 * (1 - r) ** 3 - r**3)
        yc[b] = k1 / 6 * (k21 * (x[b] - r) ** 3 - k21 * (1 - r) ** 3 * x[b] - r**3 * x[b] + r**3)
        dyc[b] = k1 / 6 * (3 * k21 * (x[b] - r) ** 2 - k21 * (1 - r) ** 3 - r**3)
    return yc, dyc


def _compose(x: np.ndarray, yt: np.ndarray, yc: np.ndarray, dyc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    theta = np.arctan(dyc)
    upper = np.c_[x - yt * np.sin(theta), yc + yt * np.cos(theta)]
    lower = np.c_[x + yt * np.sin(theta), yc - yt * np.cos(theta)]
    # The closed-TE polynomial leaves ~1e-17 of thickness: share the trailing edge exactly.
    upper[-1] = lower[-1] = (1.0, yc[-1])
    upper[0] = lower[0] = (0.0, 0.0)
    return upper, lower


def naca4(m: float, p: float, t: float, n: int = 201) -> Airfoil:
    """A NACA 4-digit airfoil from (possibly fractional) digits.

    Parameters
    ----------
    m : float
        Maximum camber, % of the chord (0-9.5).
    p : float
        Its position, tenths of the chord (ignored when ``m == 0``; else in (0, 10)).
    t : float
        Maximum thickness, % of the chord (in (0, 40]).
    n : int
        Points per surface, cosine-spaced in x (dense at both edges); at least 3.
    """
    _check_n(n)
    if not 0 <= m < 10 or not 0 < t <= 40 or (m > 0 and not 0 < p < 10):
        raise InvalidArgumentError(
            f"NACA 4-digit: need 0 <= m < 10, 0 < t <= 40 and 0 < p < 10 when m > 0; got "
            f"m={m}, p={p}, t={t}")
    x = _cosine_x(int(n))
    yc, dyc = _mean_line_4(x, m / 100, p / 10)
    upper, lower = _compose(x, _thickness(x, t / 100), yc, dyc)
    name = (f"NACA {round(m):d}{round(p) if m else 0:d}{round(t):02d}"
            if all(float(v).is_integer() for v in (m, p, t)) else
            f"NACA4 m={m:.3g} p={p if m else 0:.3g} t={t:.3g}")
    return Airfoil(name, upper, lower)


def naca5(l: float, p: int, reflex: bool, t: float, n: int = 201) -> Airfoil:
    """A NACA 5-digit airfoil (standard or reflex mean line).

    Parameters
    ----------
    l : float
        Design lift coefficient / 0.15 (the first digit; fractional values allowed, > 0).
    p : int
        Maximum-camber position / 0.05 (the second digit): 1-5 standard, 2-5 reflex.
    reflex : bool
        The third digit: False (0) standard, True (1) reflex mean line.
    t : float
        Maximum thickness, % of the chord (in (0, 40]).
    n : int
        Points per surface; at least 3.
    """
    _check_n(n)
    table = _REFLEX if reflex else _STANDARD
    if not 0 < l < 10 or int(p) != p or int(p) not in table or not 0 < t <= 40:
        raise InvalidArgumentError(
            f"NACA 5-digit: need 0 < L < 10, P in {sorted(table)} for a "
            f"{'reflex' if reflex else 'standard'} mean line and 0 < t <= 40; got "
            f"L={l}, P={p}, t={t}")
    x = _cosine_x(int(n))
    yc, dyc = _mean_line_5(x, 0.15 * l, int(p), bool(reflex))
    upper, lower = _compose(x, _thickness(x, t / 100), yc, dyc)
    name = (f"NACA {round(l):d}{int(p):d}{int(bool(reflex)):d}{round(t):02d}"
            if float(l).is_integer() and float(t).is_integer() else
            f"NACA5 L={l:.3g} P={int(p)} S={int(bool(reflex))} t={t:.3g}")
    return Airfoil(name, upper, lower)


def _check_n(n: int) -> None:
    if int(n) != n or int(n) < 3:
        raise InvalidArgumentError(f"n: need an integer of at least 3 points per surface, got {n}")


def _parse(code: str) -> tuple[str, tuple[float, ...]]:
    digits = str(code).upper().replace("NACA", "").replace(" ", "").replace("-", "")
    if not digits.isdigit() or len(digits) not in (4, 5):
        raise InvalidArgumentError(f"code: {code!r} is not a NACA 4- or 5-digit designation")
    if len(digits) == 4:
        m, p = int(digits[0]), int(digits[1])
        if m > 0 and p == 0:
            raise InvalidArgumentError(
                f"code: {code!r} has camber at position 0 (a cambered 4-digit airfoil needs "
                "P in 1..9)")
        return "naca4", (m, p, int(digits[2:]))
    s = int(digits[2])
    if s not in (0, 1):
        raise InvalidArgumentError(f"code: {code!r}: the third 5-digit digit must be 0 or 1")
    return "naca5", (int(digits[0]), int(digits[1]), s, int(digits[3:]))


def naca(code: str, n: int = 201) -> Airfoil:
    """A NACA 4-digit (``"2412"``) or 5-digit (``"23012"``, reflex ``"23112"``) airfoil.

    Parameters
    ----------
    code : str
        The designation, digits only (a leading ``"NACA"`` and spaces are accepted).
    n : int
        Points per surface, cosine-spaced in x (dense at both edges); at least 3.

    Returns
    -------
    Airfoil
        Unit chord, sharp trailing edge.
    """
    family, params = _parse(code)
    if family == "naca4":
        return naca4(*params, n=n)
    l, p, s, t = params
    return naca5(l, int(p), s == 1, t, n=n)


def mean_line(code: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (camber) line of a NACA designation and its slope at chord stations ``x``.

    Parameters
    ----------
    code : str
        As for :func:`naca`; the thickness digits are ignored.
    x : ndarray of shape [k]
        Stations in [0, 1].

    Returns
    -------
    yc, dyc_dx : ndarray of shape [k]
    """
    family, params = _parse(code)
    x = np.asarray(x, dtype=np.float64)
    if family == "naca4":
        return _mean_line_4(x, params[0] / 100, params[1] / 10)
    l, p, s, _ = params
    table = _REFLEX if s == 1 else _STANDARD
    if int(p) not in table or l <= 0:
        raise InvalidArgumentError(f"code: {code!r} is not a tabulated 5-digit mean line")
    return _mean_line_5(x, 0.15 * l, int(p), s == 1)


def airfoil_from_points(points: np.ndarray, name: str = "airfoil") -> Airfoil:
    """An :class:`Airfoil` from a closed curve in Selig order, normalised to unit chord.

    The curve is rotated and scaled so the leading edge (the point farthest from the
    trailing edge, or the point at the origin when there is one) is at the origin and the trailing edge at ``(1, 0)``. A blunt trailing
    edge is closed at the mid-point of its two ends.

    Parameters
    ----------
    points : ndarray of shape [N, 2]
        Trailing edge, upper surface, leading edge, lower surface, trailing edge (the last
        point may repeat the first).
    name : str
        Stored in :attr:`Airfoil.name`.
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 5 or not np.isfinite(pts).all():
        raise InvalidMeshError(f"{name}: need at least 5 finite (x, y) points, got shape {pts.shape}")
    sharp = bool(np.allclose(pts[0], pts[-1]))
    te = 0.5 * (pts[0] + pts[-1])
    if sharp:
        pts = pts[:-1]
    dist = np.linalg.norm(pts - te, axis=1)
    at_origin = np.flatnonzero(np.linalg.norm(pts, axis=1) < 1e-9 * dist.max())
    # the leading edge is the point farthest from the trailing edge, unless the file gives
    # an exact origin (NACA-formula files, whose cambered upper surface reaches x < 0)
    i_le = int(at_origin[0]) if len(at_origin) == 1 else int(np.argmax(dist))
    if not 0 < i_le < len(pts) - 1:
        raise InvalidMeshError(f"{name}: the leading edge is at an end of the point list "
                               "(expected Selig order: TE, upper, LE, lower, TE)")
    chord = te - pts[i_le]
    length = float(np.linalg.norm(chord))
    c, s = chord / length
    # rotate the chord onto +x and scale it to 1, leading edge at the origin
    rot = (pts - pts[i_le]) @ np.array([[c, -s], [s, c]]) / length
    end = (te - pts[i_le]) @ np.array([[c, -s], [s, c]]) / length
    upper = rot[: i_le + 1][::-1].copy()
    lower = rot[i_le:].copy()
    if sharp:
        lower = np.vstack([lower, end])
    else:
        upper[-1] = lower[-1] = end
    upper[0] = lower[0] = (0.0, 0.0)
    upper[-1] = lower[-1] = (1.0, 0.0)
    if np.mean(upper[:, 1]) < np.mean(lower[:, 1]):
        upper, lower = lower, upper  # counter-clockwise input: swap to keep 'upper' on top
    return Airfoil(name, upper, lower)


def read_airfoil_dat(path: str | os.PathLike) -> Airfoil:
    """An :class:`Airfoil` from a Selig or Lednicer ``.dat`` file (see :mod:`geonop.io.airfoil`)."""
    from pathlib import Path

    from geonop.errors import MissingFileError
    from geonop.io.airfoil import parse_airfoil

    p = Path(path)
    if not p.is_file():
        raise MissingFileError(p, "no such airfoil file")
    name, points, _ = parse_airfoil(p.read_text(errors="replace"), source=str(p))
    return airfoil_from_points(points, name or p.stem)
