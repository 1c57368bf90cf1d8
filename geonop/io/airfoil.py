"""Airfoil coordinate files (``.dat``) in Selig and Lednicer layouts.

Selig: a name line, then ``x y`` pairs running from the trailing edge over the upper surface
to the leading edge and back along the lower surface. Lednicer: a name line, a line with the
numbers of upper and lower points (``17. 17.``), then the upper surface from leading to
trailing edge and the lower surface from leading to trailing edge, separated by blank lines.
The layout is recognised from the second line: two integers of at least 2 are point counts
(coordinates are fractions of the chord).

The result is a closed 2D curve: points [N, 2] and ``line`` cells ``(i, i+1 mod N)``,
oriented counter-clockwise (positive signed area), starting at the first trailing-edge
point. A trailing-edge point repeated at the end (closed sharp trailing edge) and repeated
consecutive points are removed; a blunt trailing edge is closed by one segment.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geonop.errors import CorruptFileError, InvalidMeshError
from geonop.io.mesh import Mesh

#: points closer than this fraction of the chord count as the same point
SAME_POINT_RTOL = 1e-9


def _floats(tokens: list[str]) -> list[float] | None:
    try:
        return [float(t) for t in tokens]
    except ValueError:
        return None


def signed_area(points: np.ndarray) -> float:
    """Shoelace area of the closed polygon ``points`` [N, 2]; positive when counter-clockwise."""
    x, y = points[:, 0], points[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def parse_airfoil(text: str, source: str = "airfoil") -> tuple[str, np.ndarray, str]:
    """Parse the text of an airfoil file.

    Returns
    -------
    name : str
        The name line ("" if the file starts with coordinates).
    points : np.ndarray
        float64 array [M, 2] in file order (Lednicer converted to Selig order).
    layout : str
        ``"selig"`` or ``"lednicer"``.
    """
    lines = text.splitlines()
    rows: list[tuple[int, list[float]]] = []
    name = ""
    for i, line in enumerate(lines):
        tokens = line.replace(",", " ").split()
        if not tokens:
            continue
        values = _floats(tokens)
        if values is None or len(values) != 2:
            if not rows:  # header lines before the coordinates; the first is the name
                name = name or line.strip()
                continue
            raise CorruptFileError(source, f"line {i + 1}: expected two numbers 'x y', got {line.strip()!r}")
        rows.append((i + 1, values))
    if not rows:
        raise InvalidMeshError(f"{source}: airfoil file has no coordinates")
    first = rows[0][1]
    counts = all(v >= 2 and float(v).is_integer() for v in first)
    if counts:
        n_upper, n_lower = int(first[0]), int(first[1])
        pts = np.array([v for _, v in rows[1:]], dtype=np.float64).reshape(-1, 2)
        if len(pts) != n_upper + n_lower:
            raise CorruptFileError(
                source, f"Lednicer header announces {n_upper} upper + {n_lower} lower points, "
                f"found {len(pts)}")
        upper, lower = pts[:n_upper], pts[n_upper:]
        if len(lower) and np.array_equal(lower[0], upper[0]):
            lower = lower[1:]  # both surfaces list the shared leading edge
        return name, np.concatenate([upper[::-1], lower]), "lednicer"
    return name, np.array([v for _, v in rows], dtype=np.float64).reshape(-1, 2), "selig"


def airfoil_curve(points: np.ndarray, source: str = "airfoil") -> np.ndarray:
    """Closed, counter-clockwise loop from airfoil points: duplicates dropped, TE first.

    Parameters
    ----------
    points : np.ndarray
        float64 array [M, 2] in Selig order.

    Returns
    -------
    np.ndarray
        float64 array [N, 2], N <= M.
    """
    if not np.all(np.isfinite(points)):
        bad = np.flatnonzero(~np.isfinite(points).all(axis=1))
        raise InvalidMeshError(f"{source}: {len(bad)} airfoil points are NaN/Inf (rows {bad[:5].tolist()})")
    chord = float(np.ptp(points[:, 0])) if len(points) else 0.0
    tol = SAME_POINT_RTOL * max(chord, 1e-300)
    step = np.linalg.norm(np.diff(points, axis=0), axis=1)
    points = points[np.r_[True, step > tol]]
    if len(points) > 1 and np.linalg.norm(points[0] - points[-1]) <= tol:
        points = points[:-1]
    if len(points) < 3:
        raise InvalidMeshError(f"{source}: airfoil has {len(points)} distinct points; need at least 3")
    area = signed_area(points)
    if area == 0.0:
        raise InvalidMeshError(f"{source}: airfoil outline has zero area")
    if area < 0:
        points = np.concatenate([points[:1], points[:0:-1]])
    return points


def read_airfoil(path: Path) -> Mesh:
    """Read a Selig or Lednicer airfoil ``.dat`` file as a closed 2D line Mesh.

    ``meta`` holds ``name`` (the file's name line, or the file stem) and ``airfoil_format``.
    """
    try:
        text = path.read_text()
    except UnicodeDecodeError as exc:
        raise CorruptFileError(path, "not a text airfoil file (binary data)") from exc
    name, raw, layout = parse_airfoil(text, str(path))
    points = airfoil_curve(raw, str(path))
    n = len(points)
    lines = np.stack([np.arange(n), (np.arange(n) + 1) % n], axis=1)
    return Mesh(points, {"line": lines}, meta={"name": name or path.stem, "airfoil_format": layout})


__all__ = ["airfoil_curve", "parse_airfoil", "read_airfoil", "signed_area"]
