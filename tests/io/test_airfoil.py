"""Airfoil .dat files: Selig and Lednicer layouts become the same closed CCW curve."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import geonop
from geonop.errors import CorruptFileError, InvalidMeshError
from geonop.io.airfoil import signed_area
from geonop.io.describe import curve_checks


def naca(t: float = 0.12, n: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower surfaces of a symmetric NACA 00xx (classic, blunt trailing edge),
    both from leading to trailing edge."""
    x = 0.5 * (1 - np.cos(np.linspace(0, np.pi, n)))
    yt = 5 * t * (0.2969 * np.sqrt(x) - 0.1260 * x - 0.3516 * x**2 + 0.2843 * x**3 - 0.1015 * x**4)
    return np.stack([x, yt], 1), np.stack([x, -yt], 1)


def _lines(pts: np.ndarray) -> str:
    return "".join(f"{x:.6f} {y:.6f}\n" for x, y in pts)


def write_selig(path: Path, closed_te: bool = True, clockwise: bool = False) -> np.ndarray:
    upper, lower = naca()
    if closed_te:
        upper[-1, 1] = lower[-1, 1] = 0.0
    loop = np.concatenate([upper[::-1], lower[1:]])  # TE -> upper -> LE -> lower -> TE
    if clockwise:
        loop = loop[::-1]
    path.write_text("NACA 0012 test\n" + _lines(loop))
    return loop


def test_selig(tmp_path: Path):
    loop = write_selig(tmp_path / "naca.dat")
    m = geonop.read(tmp_path / "naca.dat")
    assert m.meta["name"] == "NACA 0012 test" and m.meta["airfoil_format"] == "selig"
    # duplicated trailing edge point dropped: 41 file points -> 40 distinct
    assert m.points.shape == (len(loop) - 1, 2)
    np.testing.assert_allclose(m.points, np.round(loop[:-1], 6))
    assert signed_area(m.points) > 0
    assert curve_checks(m)["closed"] and m.num_cells == m.num_points
    np.testing.assert_array_equal(m.cells["line"][-1], [m.num_points - 1, 0])


def test_lednicer_matches_selig(tmp_path: Path):
    write_selig(tmp_path / "s.dat")
    upper, lower = naca()
    upper[-1, 1] = lower[-1, 1] = 0.0
    (tmp_path / "l.dat").write_text(
        f"NACA 0012 test\n{len(upper)}. {len(lower)}.\n\n" + _lines(upper) + "\n" + _lines(lower))
    s, l = geonop.read(tmp_path / "s.dat"), geonop.read(tmp_path / "l.dat")
    assert l.meta["airfoil_format"] == "lednicer"
    np.testing.assert_array_equal(l.points, s.points)
    np.testing.assert_array_equal(l.cells["line"], s.cells["line"])


def test_clockwise_file_is_reoriented(tmp_path: Path):
    write_selig(tmp_path / "cw.dat", clockwise=True)
    m = geonop.read(tmp_path / "cw.dat")
    assert signed_area(m.points) > 0
    np.testing.assert_allclose(m.points[0], [1.0, 0.0])


def test_blunt_trailing_edge_is_closed_by_a_segment(tmp_path: Path):
    loop = write_selig(tmp_path / "blunt.dat", closed_te=False)
    m = geonop.read(tmp_path / "blunt.dat")
    assert m.num_points == len(loop)  # nothing removed
    assert curve_checks(m)["closed"]
    np.testing.assert_array_equal(m.cells["line"][-1], [len(loop) - 1, 0])


def test_lednicer_count_mismatch(tmp_path: Path):
    upper, lower = naca()
    (tmp_path / "l.dat").write_text(f"X\n{len(upper) + 2}. {len(lower)}.\n\n" + _lines(upper) + "\n" + _lines(lower))
    with pytest.raises(CorruptFileError, match="Lednicer header announces 23 upper"):
        geonop.read(tmp_path / "l.dat")


def test_bad_airfoil_files(tmp_path: Path):
    path = tmp_path / "a.dat"
    path.write_text("name\n1.0 0.0\n0.5 abc\n")
    with pytest.raises(CorruptFileError, match="a.dat: line 3: expected two numbers"):
        geonop.read(path)
    path.write_text("name only\n")
    with pytest.raises(InvalidMeshError, match="no coordinates"):
        geonop.read(path)
    path.write_text("two points\n1 0\n0 0\n")
    with pytest.raises(InvalidMeshError, match="2 distinct points"):
        geonop.read(path)
    path.write_text("flat\n1 0\n0.5 0\n0 0\n")
    with pytest.raises(InvalidMeshError, match="zero area"):
        geonop.read(path)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(CorruptFileError, match="not a text airfoil file"):
        geonop.read(path)
