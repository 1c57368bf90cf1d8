import numpy as np
import pytest

from geonop.errors import InvalidArgumentError
from geonop.movers.mmpde.burgers import (
    burgers_rhs,
    cole_hopf_solution,
    grid_points,
    random_initial_condition,
    solve_burgers,
    stable_time_step,
)


def _exact(n: int, t: float, nu: float, a: float = 1.5) -> np.ndarray:
    p = grid_points(n)
    return cole_hopf_solution(p[:, 0], p[:, 1], t, nu, a).reshape(n, n)


def test_cole_hopf_solves_burgers():
    # the residual of the exact solution, by finite differences in x, y and t, is tiny
    nu, n, t, dt = 0.02, 256, 0.05, 1e-5
    u = _exact(n, t, nu)
    ut = (_exact(n, t + dt, nu) - _exact(n, t - dt, nu)) / (2 * dt)
    residual = ut - burgers_rhs(u, nu)
    assert np.abs(residual).max() < 2e-3 * np.abs(ut).max()


def test_second_order_convergence_to_cole_hopf():
    nu, t = 0.02, 0.05
    errors = []
    for n in (16, 32, 64):
        u = solve_burgers(_exact(n, 0.0, nu), nu, [t])[0]
        errors.append(np.sqrt(np.mean((u - _exact(n, t, nu)) ** 2)))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert (orders > 1.8).all(), (errors, orders)
    assert errors[-1] < 1e-4


def _mirror(a: np.ndarray) -> np.ndarray:
    """a(-x, -y) on the periodic grid."""
    return np.roll(a[..., ::-1, ::-1], 1, axis=(-2, -1))


def test_batch_and_output_times():
    nu = 0.02
    w = random_initial_condition(32, np.random.default_rng(1))
    u0 = np.stack([w, -_mirror(w)])
    out = solve_burgers(u0, nu, [0.0, 0.02, 0.05])
    assert out.shape == (3, 2, 32, 32)
    np.testing.assert_array_equal(out[0], u0)
    # u(x, y) -> -u(-x, -y) is a symmetry of the equation: the two fields stay mirrored
    np.testing.assert_allclose(out[2, 1], -_mirror(out[2, 0]), atol=1e-12)
    # one solve to 0.05 equals the same solve through the intermediate output
    np.testing.assert_allclose(solve_burgers(u0, nu, [0.05])[0], out[2], atol=1e-6)


def test_constant_field_and_mean_conserved():
    rng = np.random.default_rng(0)
    assert np.abs(burgers_rhs(np.full((8, 8), 0.3), 0.1)).max() < 1e-12
    u0 = random_initial_condition(64, rng)
    u = solve_burgers(u0, 0.01, [0.2])[0]
    assert abs(u.mean() - u0.mean()) < 1e-10  # conservation form
    assert np.abs(u).max() <= np.abs(u0).max() + 1e-9  # maximum principle


def test_random_initial_condition_periodic_and_scaled():
    u = random_initial_condition(48, np.random.default_rng(3), amplitude=(0.7, 0.7))
    assert u.shape == (48, 48)
    assert np.isclose(np.abs(u).max(), 0.7)
    assert abs(u.mean()) < 1e-12  # whole periods of integer wavenumbers
    v = random_initial_condition(48, np.random.default_rng(4), amplitude=(0.7, 0.7))
    assert np.abs(u - v).max() > 0.1


def test_time_step_and_errors():
    assert stable_time_step(1.0, 0.01, 64) < stable_time_step(0.5, 0.01, 64)
    with pytest.raises(InvalidArgumentError, match="Peclet"):
        solve_burgers(np.ones((16, 16)) * 0.0 + _exact(16, 0, 0.02) * 100, 0.02, [0.1])
    with pytest.raises(InvalidArgumentError, match="shape"):
        solve_burgers(np.zeros((4, 5)), 0.1, [0.1])
    with pytest.raises(InvalidArgumentError, match="NaN"):
        solve_burgers(np.full((8, 8), np.nan), 0.1, [0.1])
    with pytest.raises(InvalidArgumentError, match="nu"):
        solve_burgers(np.zeros((8, 8)), 0.0, [0.1])
    with pytest.raises(InvalidArgumentError, match="times"):
        solve_burgers(np.zeros((8, 8)), 0.1, [0.2, 0.1])
    with pytest.raises(InvalidArgumentError, match="a > 1"):
        cole_hopf_solution(np.zeros(3), np.zeros(3), 0.0, 0.1, a=1.0)
