r"""A finite-difference solver of 2D viscous Burgers on the periodic unit square.

The equation is the scalar 2D Burgers equation of the MM-PDE experiments (one field ``u``,
advected by the velocity ``(u, u)``):

.. math::

    u_t + u\,u_x + u\,u_y = \nu\,(u_{xx} + u_{yy}), \qquad (x, y) \in [0, 1)^2,

periodic in both directions. It is written in conservation form,
:math:`u_t + \partial_x(u^2/2) + \partial_y(u^2/2) = \nu \Delta u`, and discretised on the
nodes ``x_i = i / n`` with second-order central differences (flux differences over two
cells and the five-point Laplacian), then integrated with the three-stage strong-stability-
preserving Runge-Kutta scheme (Shu and Osher 1988). Central differences of the flux are
free of numerical diffusion, which a learned solver trained on the data would otherwise
have to imitate, and second order in space and time (``tests`` measure the order against
the exact solution below). They need the viscous fronts to be resolved: the cell Peclet
number ``max|u| h / nu`` must stay below 2, which :func:`solve_burgers` checks (``max|u|``
never grows: the equation has a maximum principle).

Time step: the largest stable one of SSP-RK3 for the two terms together,
``dt = cfl / (2 max|u| / (sqrt(3) h) + 8 nu / (2.51 h^2))`` (imaginary-axis reach
``sqrt(3)`` for the central advection, real-axis reach ``2.51`` for the Laplacian), with
``cfl = 0.8`` by default, shortened to land on every output time exactly.

Exact solution (:func:`cole_hopf_solution`): a field of ``s = x + y`` only,
``u = w(s, t)``, turns the equation into the 1D Burgers equation
``v_t + v v_s = 2 nu v_ss`` for ``v = 2 w``, which the Cole-Hopf transform solves:
``v = -4 nu theta_s / theta`` with ``theta = a + exp(-2 nu K^2 t) cos(K s)`` (a periodic
heat-equation solution, ``a > 1``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from geonop.errors import InvalidArgumentError

#: stability reach of SSP-RK3 along the imaginary and the negative real axis
_RK3_IMAG, _RK3_REAL = np.sqrt(3.0), 2.51


def _check_field(u: np.ndarray, where: str) -> np.ndarray:
    u = np.asarray(u, dtype=np.float64)
    if u.ndim < 2 or u.shape[-1] != u.shape[-2] or u.shape[-1] < 4:
        raise InvalidArgumentError(f"{where}: the field must be an array of shape [..., n, n] "
                                   f"with n >= 4 (a square periodic grid), got {list(u.shape)}")
    if not np.isfinite(u).all():
        raise InvalidArgumentError(f"{where}: the field contains NaN or infinity")
    return u


def burgers_rhs(u: np.ndarray, nu: float) -> np.ndarray:
    """``-(u^2/2)_x - (u^2/2)_y + nu Lap u`` by central differences on the periodic grid.

    Parameters
    ----------
    u : ndarray of shape [..., n, n]
        Nodal values, ``u[..., j, i]`` at ``(x, y) = (i / n, j / n)``.
    nu : float
        Viscosity.

    Returns
    -------
    ndarray of shape [..., n, n]
    """
    n = u.shape[-1]
    h = 1.0 / n
    f = 0.5 * u * u
    adv = (np.roll(f, -1, -1) - np.roll(f, 1, -1) + np.roll(f, -1, -2) - np.roll(f, 1, -2)) / (2 * h)
    lap = (np.roll(u, -1, -1) + np.roll(u, 1, -1) + np.roll(u, -1, -2) + np.roll(u, 1, -2)
           - 4.0 * u) / (h * h)
    return nu * lap - adv


def stable_time_step(umax: float, nu: float, n: int, cfl: float = 0.8) -> float:
    """The SSP-RK3 time step of the module docstring for ``max|u| = umax`` on ``n x n`` nodes."""
    h = 1.0 / n
    return cfl / (2.0 * umax / (_RK3_IMAG * h) + 8.0 * nu / (_RK3_REAL * h * h))


def solve_burgers(u0: np.ndarray, nu: float, times: Sequence[float], cfl: float = 0.8,
                  max_peclet: float = 2.0) -> np.ndarray:
    """Integrate 2D viscous Burgers from ``u0`` and return the field at ``times``.

    Parameters
    ----------
    u0 : ndarray of shape [..., n, n]
        Initial nodal values on the periodic grid ``x_i = i / n`` (leading axes: a batch of
        independent fields, integrated together with one time step).
    nu : float
        Viscosity (> 0).
    times : sequence of float
        Non-decreasing output times >= 0 (0 returns ``u0``).
    cfl : float
        Fraction of the stable SSP-RK3 step (0 < cfl <= 1).
    max_peclet : float
        Largest allowed cell Peclet number ``max|u| h / nu`` (central differences oscillate
        above 2: refine the grid or raise ``nu``).

    Returns
    -------
    ndarray of shape [len(times), ..., n, n]
    """
    u = _check_field(u0, "solve_burgers")
    t_out = np.asarray(list(times), dtype=np.float64)
    if not np.isfinite(nu) or nu <= 0:
        raise InvalidArgumentError(f"solve_burgers: nu must be a positive number, got {nu}")
    if not 0 < cfl <= 1:
        raise InvalidArgumentError(f"solve_burgers: cfl must lie in (0, 1], got {cfl}")
    if t_out.ndim != 1 or len(t_out) == 0 or (t_out < 0).any() or (np.diff(t_out) < 0).any() \
            or not np.isfinite(t_out).all():
        raise InvalidArgumentError("solve_burgers: times must be a non-empty, non-decreasing "
                                   f"sequence of finite numbers >= 0, got {list(t_out)}")
    n = u.shape[-1]
    umax = float(np.abs(u).max())
    peclet = umax / n / nu
    if peclet > max_peclet:
        raise InvalidArgumentError(
            f"solve_burgers: cell Peclet number max|u| h / nu = {peclet:.3g} exceeds "
            f"{max_peclet} on {n} x {n} nodes (the viscous fronts are not resolved): use "
            f"n >= {int(np.ceil(umax / (nu * max_peclet)))} or a larger nu")
    dt_max = stable_time_step(max(umax, 1e-12), nu, n, cfl)
    out = np.empty((len(t_out),) + u.shape)
    t = 0.0
    for k, target in enumerate(t_out):
        while t < target - 1e-12:
            steps = int(np.ceil((target - t) / dt_max - 1e-9))
            dt = (target - t) / steps
            for _ in range(steps):
                u = _ssp_rk3(u, nu, dt)
            t = float(target)
        out[k] = u
    if not np.isfinite(out).all():  # cannot happen within the checked limits; say so if it does
        raise InvalidArgumentError("solve_burgers: the integration diverged (NaN); lower cfl")
    return out


def _ssp_rk3(u: np.ndarray, nu: float, dt: float) -> np.ndarray:
    u1 = u + dt * burgers_rhs(u, nu)
    u2 = 0.75 * u + 0.25 * (u1 + dt * burgers_rhs(u1, nu))
    return u / 3.0 + (2.0 / 3.0) * (u2 + dt * burgers_rhs(u2, nu))


def grid_points(n: int) -> np.ndarray:
    """Nodes of the periodic ``n x n`` grid in the order of ``u.reshape(-1)``: [n * n, 2]
    (``x`` varies fastest)."""
    s = np.arange(n) / n
    gx, gy = np.meshgrid(s, s, indexing="xy")
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def cole_hopf_solution(x: np.ndarray, y: np.ndarray, t: float, nu: float, a: float = 1.5,
                       wavenumber: int = 1) -> np.ndarray:
    r"""Exact periodic solution of 2D Burgers, a front along the diagonal ``x + y``.

    .. math::

        u = \frac{2\nu K e \sin(K s)}{a + e \cos(K s)}, \quad s = x + y, \quad
        e = \exp(-2\nu K^2 t), \quad K = 2\pi\,\mathrm{wavenumber}.

    Parameters
    ----------
    x, y : ndarray
        Coordinates (any matching shapes).
    t : float
        Time (>= 0).
    nu : float
        Viscosity (> 0).
    a : float
        Offset of the heat solution (> 1); the front sharpens as ``a -> 1``
        (``max|u| ~ 2 nu K / sqrt(a^2 - 1)`` at ``t = 0``).
    wavenumber : int
        Fronts per unit length along ``s`` (>= 1).

    Returns
    -------
    ndarray of the shape of ``x``
    """
    if not a > 1 or not nu > 0 or int(wavenumber) < 1 or t < 0:
        raise InvalidArgumentError(f"cole_hopf_solution: need a > 1, nu > 0, wavenumber >= 1 and "
                                   f"t >= 0, got a={a}, nu={nu}, wavenumber={wavenumber}, t={t}")
    k = 2.0 * np.pi * int(wavenumber)
    s = np.asarray(x, dtype=np.float64) + np.asarray(y, dtype=np.float64)
    e = np.exp(-2.0 * nu * k * k * t)
    return 2.0 * nu * k * e * np.sin(k * s) / (a + e * np.cos(k * s))


def random_initial_condition(n: int, rng: np.random.Generator, num_waves: tuple[int, int] = (2, 4),
                             max_wavenumber: int = 2,
                             amplitude: tuple[float, float] = (0.5, 1.0)) -> np.ndarray:
    r"""A random smooth periodic field: a sum of plane sine waves, scaled to a random peak.

    .. math::

        u_0 = c \sum_{j=1}^{J} A_j \sin\big(2\pi(l_j x + m_j y) + \varphi_j\big),

    with ``J`` in ``num_waves``, integer wavenumbers ``|l_j|, |m_j| <= max_wavenumber`` (not
    both zero), ``A_j`` uniform in [0.5, 1], ``phi_j`` uniform, and ``c`` chosen so that
    ``max|u_0|`` is uniform in ``amplitude`` (as the sine-series initial conditions of the
    MM-PDE Burgers data).

    Parameters
    ----------
    n : int
        Nodes per side.
    rng : numpy Generator
    num_waves : (int, int)
        Inclusive range of ``J``.
    max_wavenumber : int
    amplitude : (float, float)
        Range of ``max|u_0|``.

    Returns
    -------
    ndarray of shape [n, n]
    """
    pts = grid_points(n)
    j = int(rng.integers(num_waves[0], num_waves[1] + 1))
    u = np.zeros(len(pts))
    for _ in range(j):
        while True:
            lm = rng.integers(-max_wavenumber, max_wavenumber + 1, size=2)
            if lm.any():
                break
        u += rng.uniform(0.5, 1.0) * np.sin(2 * np.pi * (pts @ lm) + rng.uniform(0, 2 * np.pi))
    u *= rng.uniform(*amplitude) / max(np.abs(u).max(), 1e-12)
    return u.reshape(n, n)


__all__ = ["burgers_rhs", "cole_hopf_solution", "grid_points", "random_initial_condition",
           "solve_burgers", "stable_time_step"]
