import numpy as np
import pytest

from geonop.errors import InvalidArgumentError, InvalidMeshError
from geonop.movers.grids import jittered_delaunay_mesh, structured_triangle_mesh
from geonop.movers.monitor import (
    analytic_gradient_monitor,
    gradient_monitor,
    hessian_monitor,
    recovered_gradient,
    recovered_hessian,
)


def test_recovery_is_exact_for_linear_and_interior_quadratic_fields():
    pts, tri = jittered_delaunay_mesh(9, seed=1)
    u = 2.0 * pts[:, 0] - 3.0 * pts[:, 1] + 1.0
    np.testing.assert_allclose(recovered_gradient(pts, tri, u), [[2.0, -3.0]] * len(pts), atol=1e-12)
    pts, tri = structured_triangle_mesh(11)
    q = 3 * pts[:, 0] ** 2 + pts[:, 0] * pts[:, 1]
    h = recovered_hessian(pts, tri, q)
    interior = ((pts > 0.15) & (pts < 0.85)).all(1)  # recovery is one-sided near the sides
    np.testing.assert_allclose(h[interior], [[[6.0, 1.0], [1.0, 0.0]]] * int(interior.sum()), atol=1e-9)


def test_gradient_monitor_range_and_smoothing():
    pts, tri = structured_triangle_mesh(21)
    u = np.tanh((pts[:, 0] - 0.5) / 0.05)
    m0 = gradient_monitor(pts, tri, u, alpha=10.0, smoothing=0)
    m2 = gradient_monitor(pts, tri, u, alpha=10.0, smoothing=2)
    assert m0.min() >= 1.0 and m0.max() == pytest.approx(11.0)
    # the front is at x = 0.5: the monitor peaks there and is ~1 far away
    assert m0[np.argmax(m0)] == m0[np.abs(pts[:, 0] - 0.5) < 1e-9].max()
    assert m0[pts[:, 0] < 0.2].max() < 1.01
    # smoothing widens the band where the monitor is raised
    assert (m2 > 2.0).sum() > (m0 > 2.0).sum()
    np.testing.assert_allclose(gradient_monitor(pts, tri, np.ones(len(pts))), 1.0)


def test_hessian_monitor_is_low_at_the_inflection_and_high_on_the_shoulders():
    pts, tri = structured_triangle_mesh(41)
    u = np.tanh((pts[:, 0] - 0.5) / 0.1)
    m = hessian_monitor(pts, tri, u, alpha=5.0, smoothing=0)
    mid = m[(np.abs(pts[:, 0] - 0.5) < 1e-9) & (pts[:, 1] > 0.2) & (pts[:, 1] < 0.8)]
    shoulder = m[(np.abs(pts[:, 0] - 0.575) < 1e-9) & (pts[:, 1] > 0.2) & (pts[:, 1] < 0.8)]
    assert mid.max() < 1.5 and shoulder.min() > 4.0


def test_analytic_monitor():
    mon = analytic_gradient_monitor(lambda x: np.stack([x[:, 0], 0 * x[:, 0]], 1), 3.0, 4.0)
    np.testing.assert_allclose(mon(np.array([[2.0, 0.0], [0.0, 1.0]])), [4.0, 1.0])


def test_bad_inputs_name_the_problem():
    pts, tri = structured_triangle_mesh(3)
    with pytest.raises(InvalidArgumentError, match="one per node"):
        gradient_monitor(pts, tri, np.ones(4))
    with pytest.raises(InvalidArgumentError, match="alpha"):
        gradient_monitor(pts, tri, np.ones(9), alpha=-1)
    with pytest.raises(InvalidArgumentError, match="NaN"):
        gradient_monitor(pts, tri, np.full(9, np.nan))
    with pytest.raises(InvalidMeshError, match="node indices"):
        gradient_monitor(pts, tri + 5, np.ones(9))
