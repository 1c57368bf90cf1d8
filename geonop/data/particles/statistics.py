"""Velocity and acceleration statistics of particle trajectories (the GNS normalisation).

Velocities are first differences of positions per frame and accelerations second
differences, in box units per frame (per frame^2), exactly as in the ``metadata.json``
of DeepMind's "Learning to Simulate" and LagrangeBench datasets. Means and standard
deviations are per spatial dimension over every particle and frame of the given
trajectories (the training split), accumulated in float64 in one streaming pass.

With periodic boundaries a particle that crosses the cell jumps by a box length; such
displacements are wrapped into ``[-L/2, L/2)`` first (minimum image).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from geonop.data.particles.trajectory import Trajectory
from geonop.errors import InvalidArgumentError

ArrayOrTrajectory = Trajectory | np.ndarray


class _Moments:
    """Per-channel count, mean and sum of squared deviations (Chan's parallel update)."""

    def __init__(self) -> None:
        self.count = 0
        self.mean: np.ndarray | None = None
        self.m2: np.ndarray | None = None

    def update(self, x: np.ndarray) -> None:
        x = x.reshape(-1, x.shape[-1])
        n_b = x.shape[0]
        if n_b == 0:
            return
        mean_b = x.mean(axis=0)
        m2_b = ((x - mean_b) ** 2).sum(axis=0)
        if self.mean is None or self.m2 is None:
            self.count, self.mean, self.m2 = n_b, mean_b, m2_b
            return
        n = self.count + n_b
        delta = mean_b - self.mean
        self.mean = self.mean + delta * (n_b / n)
        self.m2 = self.m2 + m2_b + delta**2 * (self.count * n_b / n)
        self.count = n

    def std(self) -> np.ndarray:
        assert self.m2 is not None
        return np.sqrt(self.m2 / self.count)


def minimum_image(displacement: np.ndarray, periodic: Sequence[bool] | None,
                  bounds: Any | None) -> np.ndarray:
    """Wrap displacements of shape [..., d] into ``[-L/2, L/2)`` along periodic axes.

    Parameters
    ----------
    displacement : ndarray of shape [..., d]
    periodic : sequence of d bool, optional
        Which axes are periodic; ``None`` or all ``False`` returns the input unchanged.
    bounds : array-like of shape [d, 2], optional
        The periodic cell; required when an axis is periodic.
    """
    if periodic is None or not any(periodic):
        return displacement
    d = displacement.shape[-1]
    flags = list(periodic)[:d]
    if bounds is None:
        raise InvalidArgumentError("minimum_image: periodic axes need bounds")
    b = np.asarray(bounds, dtype=np.float64).reshape(-1, 2)[:d]
    out = np.array(displacement, dtype=np.float64, copy=True)
    for k, flag in enumerate(flags):
        if flag:
            length = b[k, 1] - b[k, 0]
            out[..., k] = (out[..., k] + 0.5 * length) % length - 0.5 * length
    return out


def trajectory_statistics(
    trajectories: Iterable[ArrayOrTrajectory],
    periodic: Sequence[bool] | None = None,
    bounds: Any | None = None,
    particle_types: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Velocity and acceleration mean and standard deviation per dimension.

    Parameters
    ----------
    trajectories : iterable of Trajectory or ndarray of shape [T, N, d]
        Usually the training split; read one at a time.
    periodic : sequence of bool, optional
        Periodic axes (LagrangeBench); displacements across the cell are wrapped.
    bounds : array-like of shape [d, 2], optional
        The periodic cell (default: each trajectory's own ``bounds``).
    particle_types : sequence of int, optional
        Only particles of these types count (e.g. leave kinematic walls out).
        Ignored for bare arrays.

    Returns
    -------
    dict
        ``vel_mean``, ``vel_std``, ``acc_mean``, ``acc_std`` (lists of d floats, per
        frame units), ``count_vel`` and ``count_acc`` (rows used).

    Raises
    ------
    InvalidArgumentError
        If there are no steps to average, dimensions differ, or a value is not finite.
    """
    vel, acc = _Moments(), _Moments()
    dim: int | None = None
    for item in trajectories:
        if isinstance(item, Trajectory):
            pos = item.positions
            if particle_types is not None:
                pos = pos[:, np.isin(item.particle_type, list(particle_types))]
            cell = bounds if bounds is not None else item.bounds
        else:
            pos = np.asarray(item)
            cell = bounds
            if pos.ndim != 3:
                raise InvalidArgumentError(f"positions must have shape [T, N, d], got {list(pos.shape)}")
        if dim is None:
            dim = pos.shape[-1]
        elif pos.shape[-1] != dim:
            raise InvalidArgumentError(f"trajectories mix dimensions {dim} and {pos.shape[-1]}")
        v = minimum_image(np.diff(pos.astype(np.float64), axis=0), periodic, cell)
        if not np.isfinite(v).all():
            raise InvalidArgumentError("cannot compute statistics: positions have NaN/Inf")
        vel.update(v)
        if v.shape[0] > 1:
            acc.update(np.diff(v, axis=0))
    if vel.count == 0 or acc.count == 0 or vel.mean is None or acc.mean is None:
        raise InvalidArgumentError(
            "cannot compute velocity/acceleration statistics: need trajectories of >= 3 frames"
        )
    return {
        "vel_mean": vel.mean.tolist(), "vel_std": vel.std().tolist(),
        "acc_mean": acc.mean.tolist(), "acc_std": acc.std().tolist(),
        "count_vel": int(vel.count), "count_acc": int(acc.count),
    }


def estimate_gravity(trajectories: Iterable[ArrayOrTrajectory], frames: int = 4) -> np.ndarray:
    """Gravity per frame^2 from training trajectories: the median over trajectories of the mean
    acceleration over their first ``frames`` accelerations.

    In falling-block scenes the first frames are free fall, so this recovers ``g dt^2``;
    the dataset-wide ``acc_mean`` does not (particles at rest dominate it).

    Parameters
    ----------
    trajectories : iterable of Trajectory or array of shape [T, N, d]
    frames : int

    Returns
    -------
    ndarray of shape [d], float64
    """
    means = []
    for item in trajectories:
        if isinstance(item, Trajectory):
            item = item.positions
        p = np.asarray(item.detach().cpu() if hasattr(item, "detach") else item, dtype=np.float64)
        if p.ndim != 3 or p.shape[0] < 3:
            raise InvalidArgumentError(
                f"estimate_gravity: need trajectories of shape [T >= 3, N, d], got {list(p.shape)}")
        acc = np.diff(p[: frames + 2], n=2, axis=0)
        means.append(acc.reshape(-1, p.shape[2]).mean(axis=0))
    if not means:
        raise InvalidArgumentError("estimate_gravity: no trajectories")
    return np.median(np.stack(means), axis=0)
