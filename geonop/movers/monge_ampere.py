r"""The classical Monge-Ampere mesh mover on 2D triangle meshes of rectangles.

The moved mesh is :math:`x = \xi + \nabla\phi(\xi)`, the gradient of the convex potential
:math:`|\xi|^2/2 + \phi`, with :math:`\phi` solving the Monge-Ampere equation

.. math::

    m(x)\,\det\!\big(I + H(\phi)\big) = \theta, \qquad
    \theta = \frac{1}{|\Omega|}\int_\Omega m(x)\,dx,

and :math:`\partial\phi/\partial n = 0` on the boundary, so boundary nodes slide along their
side (corners stay put). It is solved by the relaxation of McRae, Cotter and Budd (2018,
"Optimal-transport-based mesh adaptivity on the plane and sphere using finite elements",
SIAM J. Sci. Comput. 40(2)):

.. math::

    -\Delta\phi^{n+1} = -\Delta\phi^{n} + \Delta\tau\,
    \Big(\frac{m(x^n)\det(I + H(\phi^n))}{\theta^n} - 1\Big),

with P1 finite elements for the Laplacian (pure Neumann, the constant fixed at one node),
:math:`\nabla\phi` recovered at the nodes by area-weighted averaging
(:func:`~geonop.movers.monitor.recovered_gradient`), and the Jacobian
:math:`\det(I + H(\phi))` taken cell by cell as the moved over the reference cell area of
the discrete map :math:`\xi + \nabla\phi` (then averaged to the nodes). That is the
determinant of the map actually applied to the mesh, so cells that start to fold are seen and
pushed back, and it has none of the checkerboard modes of a twice-recovered Hessian, which
made the relaxation stall and tangle in our tests. :math:`\theta^n` is the discrete mean of
:math:`m \det`, so the right-hand side is compatible with the Neumann problem, and the
residual is normalised by it, so ``step`` needs no tuning per monitor scale.

As every mover in :mod:`geonop.movers`, the result goes through
:func:`~geonop.movers.untangle.untangle_scale`: it never has a tangled cell.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from geonop.errors import InvalidArgumentError
from geonop.movers import _fem
from geonop.movers.grids import boundary_segments
from geonop.movers.untangle import untangle_scale

MonitorLike = Callable[[np.ndarray], np.ndarray] | np.ndarray


@dataclass
class MoveResult:
    """A moved mesh and how it was obtained.

    Attributes
    ----------
    points : ndarray of shape [N, 2]
        Moved nodes (same order and connectivity as the reference mesh).
    phi : ndarray of shape [N] or None
        The potential at the reference nodes.
    scale : float
        Factor applied to the displacement by the no-tangling check (1: untouched).
    iterations : int
    residual : float
        Final RMS of ``m det(I + H) / theta - 1`` (NaN when not computed).
    converged : bool
    seconds : float
        Wall-clock time of the move.
    history : list of float
        Residual per iteration.
    """

    points: np.ndarray
    phi: np.ndarray | None = None
    scale: float = 1.0
    iterations: int = 0
    residual: float = float("nan")
    converged: bool = True
    seconds: float = 0.0
    history: list[float] = field(default_factory=list)


class _MeshOperators:
    """What a relaxation needs from the reference mesh, built once."""

    def __init__(self, points: np.ndarray, triangles: np.ndarray) -> None:
        self.points, self.triangles = points, triangles
        grads, area = _fem.basis_gradients(points, triangles)
        self.grads = grads
        self.recover = _fem.recovery_matrix(triangles, area, len(points))
        self.stiffness, self.mass = _fem.stiffness_and_mass(points, triangles)
        self.boundary = boundary_segments(points, triangles)
        self.bounds = np.array([*points.min(0), *points.max(0)])
        self.ref_area = area

    def gradient(self, phi: np.ndarray) -> np.ndarray:
        """Recovered nodal gradient with the Neumann condition imposed on the sides: [N, ...]."""
        cell = _fem.cell_gradient(self.grads, self.triangles, phi)
        g = (self.recover @ cell.reshape(len(self.triangles), -1)).reshape(
            (len(self.points),) + cell.shape[1:])
        return g

    def potential_gradient(self, phi: np.ndarray) -> np.ndarray:
        """Recovered nodal gradient of ``phi`` with zero normal component on the straight
        sides and zero at corners, so that boundary nodes slide along their side: [N, 2]."""
        return self.boundary.restrict(self.gradient(phi))

    def place(self, g: np.ndarray) -> np.ndarray:
        """Nodes moved by ``g`` [N, 2], sliding nodes kept within their side: [N, 2]."""
        return self.boundary.clamp(_clip_to_box(self.points + g, self.bounds))


def monge_ampere_residual(points: np.ndarray, triangles: np.ndarray, phi: np.ndarray,
                          monitor: MonitorLike) -> np.ndarray:
    """Nodal residual ``m(x) det(I + H(phi)) / theta - 1`` of a discrete potential.

    Parameters
    ----------
    points : ndarray of shape [N, 2]
        Reference nodes ``xi`` of a rectangle mesh.
    triangles : ndarray of shape [F, 3]
    phi : ndarray of shape [N]
        The potential at the nodes.
    monitor : callable or ndarray of shape [N]
        ``m`` as a function of physical points [K, 2] -> [K] (evaluated at
        ``x = xi + grad phi``), or nodal values on the reference mesh (interpolated
        linearly at ``x``).

    Returns
    -------
    ndarray of shape [N]
    """
    pts, tri = _fem.check_mesh(points, triangles, "monge_ampere_residual")
    ops = _MeshOperators(pts, tri)
    mfun = _monitor_function(pts, tri, monitor)
    return _residual(ops, mfun, ops.potential_gradient(np.asarray(phi, dtype=np.float64)))


def _residual(ops: _MeshOperators, mfun: Callable[[np.ndarray], np.ndarray],
              g: np.ndarray) -> np.ndarray:
    """Nodal residual of the map ``xi + g``: the cell residual ``m(centroid) det / theta - 1``
    averaged to the nodes.

    ``det`` is the Jacobian of the discrete map itself, moved over reference cell area,
    rather than ``det(I + H)`` of a recovered Hessian: it converges to the same value for a
    smooth potential, but it sees (and so corrects) cells that start to fold, and it has no
    checkerboard null space.
    """
    x = ops.place(g)
    tri = ops.triangles
    det_c = _fem.signed_areas(x, tri) / ops.ref_area
    md_c = mfun(x[tri].mean(1)) * det_c
    theta = float((ops.ref_area * md_c).sum() / ops.ref_area.sum())
    return ops.recover @ (md_c / theta - 1.0)


def _clip_to_box(x: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    return np.clip(x, bounds[:2], bounds[2:])


def _monitor_function(points: np.ndarray, triangles: np.ndarray,
                      monitor: MonitorLike) -> Callable[[np.ndarray], np.ndarray]:
    if callable(monitor):
        def checked(x: np.ndarray) -> np.ndarray:
            m = np.asarray(monitor(x), dtype=np.float64)
            if m.shape != (len(x),) or not np.isfinite(m).all() or (m <= 0).any():
                raise InvalidArgumentError(
                    "monitor function must return finite positive values of shape [K] for "
                    f"points [K, 2]; got shape {list(m.shape)}")
            return m
        return checked
    values = np.asarray(monitor, dtype=np.float64)
    if values.shape != (len(points),) or not np.isfinite(values).all() or (values <= 0).any():
        raise InvalidArgumentError(f"monitor values must be finite, positive and of shape "
                                   f"[{len(points)}] (one per node), got {list(values.shape)}")
    import matplotlib.tri as mtri

    interp = mtri.LinearTriInterpolator(
        mtri.Triangulation(points[:, 0], points[:, 1], triangles), values)

    def interpolated(x: np.ndarray) -> np.ndarray:
        out = np.ma.filled(interp(x[:, 0], x[:, 1]).astype(np.float64), np.nan)
        return np.where(np.isfinite(out), out, values.mean())

    return interpolated


class MongeAmpereMover:
    """Classical Monge-Ampere mover by relaxation (see the module docstring).

    Args:
        step: pseudo-time step :math:`\\Delta\\tau` of the relaxation (default 0.5; 1 is
            unstable on sharp monitors).
        max_iterations: iteration limit (default 300).
        tol: stop when the RMS residual ``m det / theta - 1`` falls below it (default 5e-3,
            ``converged`` is then True), or when it stalls (less than 0.1 % lower than 20
            iterations before).
        min_area_fraction: no-tangling margin of :func:`untangle_scale`.

    Shapes:
        - **input:** nodes [N, 2] of a rectangle mesh, triangles [F, 3] (counter-clockwise),
          monitor: callable on points [K, 2] or nodal values [N]
        - **output:** :class:`MoveResult` with moved nodes [N, 2]

    Examples
    --------
    >>> pts, tri = structured_triangle_mesh(33)
    >>> m = gradient_monitor(pts, tri, np.tanh((pts[:, 0] - 0.5) / 0.05), alpha=10)
    >>> result = MongeAmpereMover().move(pts, tri, m)
    >>> tangled_cells(result.points, tri)
    0
    """

    def __init__(self, step: float = 0.5, max_iterations: int = 300, tol: float = 5e-3,
                 min_area_fraction: float = 1e-3) -> None:
        if not 0 < step <= 10 or int(max_iterations) < 0 or not tol > 0:
            raise InvalidArgumentError(
                f"MongeAmpereMover: need 0 < step <= 10, max_iterations >= 0 and tol > 0, got "
                f"step={step}, max_iterations={max_iterations}, tol={tol}")
        self.step = float(step)
        self.max_iterations = int(max_iterations)
        self.tol = float(tol)
        self.min_area_fraction = float(min_area_fraction)

    def __repr__(self) -> str:
        return (f"MongeAmpereMover(step={self.step}, max_iterations={self.max_iterations}, "
                f"tol={self.tol})")

    def move(self, points: np.ndarray, triangles: np.ndarray, monitor: MonitorLike) -> MoveResult:
        """Move the nodes of a rectangle mesh to equidistribute ``monitor``.

        Parameters
        ----------
        points : ndarray of shape [N, 2]
        triangles : ndarray of shape [F, 3]
        monitor : callable or ndarray of shape [N]
            See :func:`monge_ampere_residual`.

        Returns
        -------
        MoveResult
        """
        t0 = time.perf_counter()
        pts, tri = _fem.check_mesh(points, triangles, "MongeAmpereMover.move")
        ops = _MeshOperators(pts, tri)
        mfun = _monitor_function(pts, tri, monitor)
        n = len(pts)
        # pure Neumann Laplacian: fix the free constant by pinning node 0
        k = ops.stiffness.tolil()
        k[0, :] = 0.0
        k[:, 0] = 0.0
        k[0, 0] = 1.0
        solve = spla.factorized(sp.csc_matrix(k))
        phi = np.zeros(n)
        history: list[float] = []
        converged = False
        it = 0
        for it in range(1, self.max_iterations + 1):
            r = _residual(ops, mfun, ops.potential_gradient(phi))
            res = float(np.sqrt((ops.mass * r**2).sum() / ops.mass.sum()))
            history.append(res)
            if not np.isfinite(res):
                break
            if res < self.tol:
                converged = True
                break
            if it > 20 and history[-21] - res < 1e-3 * history[-21]:
                break  # stalled: the discrete problem has no closer solution on this mesh
            rhs = self.step * ops.mass * r
            rhs -= ops.mass * (rhs.sum() / ops.mass.sum())  # exact compatibility
            rhs[0] = 0.0
            phi = phi + solve(rhs)
        g = ops.potential_gradient(phi)
        disp = ops.place(g) - pts
        s = untangle_scale(pts, tri, disp, self.min_area_fraction)
        return MoveResult(points=pts + s * disp, phi=phi, scale=s, iterations=it,
                          residual=history[-1] if history else float("nan"),
                          converged=converged and bool(history) and np.isfinite(history[-1]),
                          seconds=time.perf_counter() - t0, history=history)
