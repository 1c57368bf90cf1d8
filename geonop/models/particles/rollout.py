"""Autoregressive rollouts of learned particle simulators and of the constant-velocity floor."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch
from torch import Tensor

from geonop.data.particles.statistics import estimate_gravity
from geonop.errors import InvalidArgumentError
from geonop.models.particles.features import KINEMATIC_TYPE

__all__ = ["DECIDING_METRICS", "compare_with_floors", "constant_velocity_rollout",
           "estimate_gravity", "evaluate_rollouts", "floor_failures", "rollout"]

#: the metrics that decide whether a model beats the floors: in falling-block scenes the
#: first frames are free fall, which the gravity floor predicts exactly, so short-horizon
#: MSE flatters any model
DECIDING_METRICS: tuple[str, ...] = ("mse_mean_dims/all", "chamfer/final", "ke_mse")
#: the two floors every report shows
FLOORS: tuple[str, ...] = ("constant_velocity", "constant_velocity+gravity")


@torch.no_grad()
def rollout(
    model: torch.nn.Module,
    positions: Tensor,
    particle_type: Tensor,
    steps: int,
    query: Tensor | None = None,
    reference: Tensor | None = None,
) -> Tensor | tuple[Tensor, Tensor]:
    """Roll a simulator out from its last ``H + 1`` positions.

    Parameters
    ----------
    model : GNS or GraphInteractionOperator
        Put in eval mode; its ``step`` advances positions by one frame.
    positions : Tensor of shape [H + 1, N, d]
        The initial positions (``H = model.history``), oldest first.
    particle_type : LongTensor of shape [N]
    steps : int
        Frames to predict.
    query : Tensor of shape [Q, M, d], optional (``Q >= 2``)
        Recent positions of extra query points moved by the decoded acceleration field
        (graph interaction operator only): any number of points, e.g. a denser cloud.
    reference : Tensor of shape [N, d], optional
        Rest positions, for a model with ``reference_inputs`` (default: the first of
        ``positions``, i.e. the rollout starts from the rest state; give the trajectory's
        first frame when starting later).

    Returns
    -------
    Tensor of shape [steps, N, d]
        Predicted positions; with ``query``, also the query positions [steps, M, d]. The
        steps run on the model's device; the results come back on the device of
        ``positions``.
    """
    h = int(model.history)
    if positions.dim() != 3 or positions.shape[0] != h + 1:
        raise InvalidArgumentError(
            f"rollout: positions must have shape [{h + 1}, N, d] (history + 1 frames), got "
            f"{list(positions.shape)}")
    if steps < 0:
        raise InvalidArgumentError(f"rollout: steps must be >= 0, got {steps}")
    if query is not None and not hasattr(model, "decode"):
        raise InvalidArgumentError(f"rollout: {type(model).__name__} cannot be queried at other points")
    if query is not None and (query.dim() != 3 or query.shape[0] < 2):
        raise InvalidArgumentError(f"rollout: query must have shape [>= 2, M, d], got {list(query.shape)}")
    model.eval()
    home = positions.device
    dev = next(model.parameters(), positions).device
    particle_type = particle_type.to(dev)
    hist = positions.to(dev).transpose(0, 1).contiguous()
    extra = {}
    if getattr(model, "reference_inputs", False):
        ref = positions[0] if reference is None else reference
        if ref.shape != positions.shape[1:]:
            raise InvalidArgumentError(
                f"rollout: reference must have shape {list(positions.shape[1:])}, got {list(ref.shape)}")
        extra["reference"] = ref.to(dev)
    qhist = None if query is None else query[-2:].to(dev).transpose(0, 1).contiguous()
    out, qout = [], []
    for _ in range(steps):
        if qhist is None:
            nxt = model.step(hist, particle_type, **extra)
        else:
            nxt, qn = model.step(hist, particle_type, query_history=qhist, **extra)
            qhist = torch.stack([qhist[:, -1], qn], dim=1)
            qout.append(qn)
        out.append(nxt)
        hist = torch.cat([hist[:, 1:], nxt[:, None]], dim=1)
    empty = positions.new_zeros(0, *positions.shape[1:])
    pred = torch.stack(out).to(home) if out else empty
    if query is None:
        return pred
    return pred, (torch.stack(qout).to(home) if qout else query.new_zeros(0, *query.shape[1:]))


def constant_velocity_rollout(
    positions: Tensor,
    steps: int,
    gravity: Tensor | None = None,
    particle_type: Tensor | None = None,
) -> Tensor:
    """The floor predictor ``x_{t+1} = 2 x_t - x_{t-1} (+ g)``, rolled out.

    Parameters
    ----------
    positions : Tensor of shape [>= 2, N, d]
        Initial positions; only the last two are used.
    steps : int
    gravity : Tensor of shape [d], optional
        Acceleration per frame^2 added every step (see :func:`estimate_gravity`).
    particle_type : LongTensor of shape [N], optional
        Kinematic particles (type 3) stay in place.

    Returns
    -------
    Tensor of shape [steps, N, d]
    """
    if positions.dim() != 3 or positions.shape[0] < 2:
        raise InvalidArgumentError(
            f"constant_velocity_rollout: positions must have shape [>= 2, N, d], got {list(positions.shape)}")
    prev, cur = positions[-2], positions[-1]
    g = torch.zeros_like(cur[0]) if gravity is None else torch.as_tensor(gravity).to(cur)
    fixed = None if particle_type is None else (particle_type == KINEMATIC_TYPE)[:, None]
    out = []
    for _ in range(steps):
        nxt = 2 * cur - prev + g
        if fixed is not None:
            nxt = torch.where(fixed, cur, nxt)
        out.append(nxt)
        prev, cur = cur, nxt
    return torch.stack(out) if out else positions.new_zeros(0, *positions.shape[1:])


def evaluate_rollouts(
    model: torch.nn.Module | None,
    trajectories: Iterable[object],
    history: int = 5,
    steps: int | None = None,
    gravity: np.ndarray | Tensor | None = None,
    start: int | None = None,
) -> dict[str, float]:
    """Rollout metrics averaged over trajectories, for a model or the constant-velocity floor.

    Parameters
    ----------
    model : simulator, or None for the constant-velocity predictor
        (with ``gravity``: constant velocity plus gravity).
    trajectories : iterable of :class:`~geonop.data.particles.Trajectory`
    history : int
        ``H``; the rollout starts from frames ``start - H .. start`` (default ``start = H``).
    steps : int, optional
        Frames to predict (default: to the end of each trajectory).
    gravity : array of shape [d], optional
        Per-frame^2 acceleration of the floor predictor (:func:`estimate_gravity`).

    Returns
    -------
    dict
        Means over trajectories of :func:`~geonop.models.particles.metrics.rollout_report`.
    """
    from geonop.models.particles.metrics import rollout_report

    sums: dict[str, float] = {}
    count = 0
    t0 = history if start is None else int(start)
    for traj in trajectories:
        pos = torch.as_tensor(traj.positions)
        ptype = torch.as_tensor(traj.particle_type)
        n_steps = pos.shape[0] - 1 - t0 if steps is None else min(int(steps), pos.shape[0] - 1 - t0)
        init = pos[t0 - history: t0 + 1]
        if model is None:
            g = None if gravity is None else torch.as_tensor(np.asarray(gravity)).to(pos)
            pred = constant_velocity_rollout(init, n_steps, g, ptype)
        else:
            pred = rollout(model, init, ptype, n_steps, reference=pos[0])
        target = pos[t0 + 1: t0 + 1 + n_steps]
        rep = rollout_report(pred, target, pos[t0])
        for k, v in rep.items():
            sums[k] = sums.get(k, 0.0) + v
        count += 1
    if not count:
        raise InvalidArgumentError("evaluate_rollouts: no trajectories")
    return {k: v / count for k, v in sums.items()}


def _material(traj: object) -> str:
    name = str(getattr(traj, "name", "") or "")
    return name.split("_")[0] or name


def compare_with_floors(
    model: torch.nn.Module,
    trajectories: Iterable[object],
    gravity: np.ndarray | Tensor,
    key: object = _material,
) -> dict[str, dict[str, dict[str, float]]]:
    """Full-rollout metrics of a model and of both floors, per trajectory.

    Parameters
    ----------
    model : simulator
    trajectories : iterable of :class:`~geonop.data.particles.Trajectory`
    gravity : array of shape [d]
        Per-frame^2 gravity of the second floor (:func:`estimate_gravity` of the training
        trajectories).
    key : callable
        Row name of a trajectory (default: its name up to the first ``_``, the material of
        the shipped scenes); trajectories with one key are averaged.

    Returns
    -------
    dict
        ``{row: {"model" | "constant_velocity" | "constant_velocity+gravity": metrics}}``
        with the metrics of :func:`evaluate_rollouts`.
    """
    groups: dict[str, list[object]] = {}
    for traj in trajectories:
        groups.setdefault(key(traj), []).append(traj)
    h = int(model.history)
    return {name: {"model": evaluate_rollouts(model, group, h),
                   FLOORS[0]: evaluate_rollouts(None, group, h),
                   FLOORS[1]: evaluate_rollouts(None, group, h, gravity=gravity)}
            for name, group in groups.items()}


def floor_failures(rows: dict[str, dict[str, dict[str, float]]],
                   metrics: Iterable[str] = DECIDING_METRICS) -> list[str]:
    """``row/metric`` of every deciding metric on which the model is not strictly below
    both floors (the issue's criterion): empty when it beats them everywhere.

    ``rows`` is the result of :func:`compare_with_floors`.
    """
    out = []
    for name, row in rows.items():
        for k in metrics:
            floor = min(row[f][k] for f in FLOORS)
            if not row["model"][k] < floor:
                out.append(f"{name}/{k}")
    return out
