"""A small analytic dataset: 2-D potential flow around a cylinder with circulation.

Each case is a uniform stream of speed :math:`U_\\infty` at angle :math:`\\alpha` past a
cylinder of unit radius at the origin, with circulation :math:`\\Gamma` (which gives it
lift, by Kutta-Joukowski :math:`L' = \\rho U_\\infty \\Gamma`). The complex velocity is

.. math::

    u - i v = U_\\infty \\left(e^{-i\\alpha} - \\frac{e^{i\\alpha}}{z^2}\\right)
              - \\frac{i \\Gamma}{2 \\pi z},

and the pressure follows from Bernoulli with :math:`\\rho = 1` and zero free-stream
pressure: :math:`p = \\tfrac12 (U_\\infty^2 - |\\mathbf u|^2)`. Points are scattered in
the annulus :math:`1 < r < R`, denser near the wall, with a different number of points
per case, so the set exercises variable-size batching, random query subsets and
prediction at points that were never seen. It is exact, cheap, and smooth enough that a
small neural field learns it in a minute on a CPU: the example and tests use it.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from geonop.errors import InvalidArgumentError


def potential_flow(
    points: np.ndarray, speed: float, angle_deg: float, circulation: float
) -> tuple[np.ndarray, np.ndarray]:
    """Velocity and pressure of the flow past the unit cylinder at ``points``.

    Parameters
    ----------
    points : ndarray of shape [N, 2]
        Positions outside the cylinder (``|x| >= 1``).
    speed : float
        Free-stream speed :math:`U_\\infty` (m/s).
    angle_deg : float
        Free-stream angle (degrees, anticlockwise from +x).
    circulation : float
        :math:`\\Gamma` (m^2/s, positive anticlockwise).

    Returns
    -------
    velocity : ndarray of shape [N, 2]
    pressure : ndarray of shape [N]
        Kinematic pressure relative to the free stream (density 1).
    """
    z = points[:, 0] + 1j * points[:, 1]
    a = math.radians(angle_deg)
    w = speed * (np.exp(-1j * a) - np.exp(1j * a) / z**2) - 1j * circulation / (2 * np.pi * z)
    velocity = np.stack([w.real, -w.imag], axis=1)
    pressure = 0.5 * (speed**2 - (velocity**2).sum(1))
    return velocity, pressure


def sample_annulus(n: int, outer_radius: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` points in ``1 < r < outer_radius``, denser near the wall; array [n, 2]."""
    r = 1.0 + (outer_radius - 1.0) * rng.random(n) ** 2
    theta = rng.uniform(0.0, 2 * np.pi, n)
    return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)


def write_potential_flow_dataset(
    root: str | os.PathLike,
    num_cases: int = 24,
    min_points: int = 300,
    max_points: int = 600,
    outer_radius: float = 4.0,
    seed: int = 0,
    suffix: str = ".npz",
) -> list[Path]:
    """Write ``num_cases`` cases as point clouds with fields, one file each.

    Each file holds the points, point fields ``pressure`` [N] and ``velocity`` [N, 2],
    the input field ``wall_distance`` [N] (``r - 1``), and ``meta`` entries ``speed``,
    ``angle`` (degrees) and ``circulation``.

    Parameters
    ----------
    root : path
        Output folder (created).
    num_cases : int
        Number of cases.
    min_points, max_points : int
        Range of the number of points per case.
    outer_radius : float
        Outer radius of the domain (cylinder radius 1).
    seed : int
        Random seed; the same seed writes the same files.
    suffix : str
        File format, any that :func:`geonop.io.write` writes (``.npz``, ``.vtu``, ...).

    Returns
    -------
    list of Path
        The files written, in case order.
    """
    from geonop.io import Mesh, write

    if num_cases < 1 or min_points < 1 or max_points < min_points or outer_radius <= 1:
        raise InvalidArgumentError(
            "need num_cases >= 1, 1 <= min_points <= max_points and outer_radius > 1"
        )
    out = Path(root)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    files = []
    for i in range(num_cases):
        n = int(rng.integers(min_points, max_points + 1))
        pts = sample_annulus(n, outer_radius, rng)
        speed = float(rng.uniform(0.5, 2.0))
        angle = float(rng.uniform(-15.0, 15.0))
        circulation = float(rng.uniform(-2.0, 2.0))
        vel, p = potential_flow(pts, speed, angle, circulation)
        mesh = Mesh(
            points=pts,
            point_data={
                "pressure": p,
                "velocity": vel,
                "wall_distance": np.linalg.norm(pts, axis=1) - 1.0,
            },
            meta={"speed": speed, "angle": angle, "circulation": circulation},
        )
        path = out / f"case_{i:04d}{suffix}"
        write(mesh, path)
        files.append(path)
    return files
