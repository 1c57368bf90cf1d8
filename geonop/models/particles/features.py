"""GNS-style inputs of learned particle simulators, the time step, and training noise.

Units: positions in box units, velocities and accelerations per frame (frames are one time
unit apart, so ``v_t = x_t - x_{t-1}`` and ``a_t = x_{t+1} - 2 x_t + x_{t-1}``), as in the
statistics stored with the datasets (``vel_mean/std``, ``acc_mean/std``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from geonop.errors import InvalidArgumentError
from geonop.graph import radius_graph

#: GNS particle-type code of kinematic (boundary) particles: no noise, no loss, not moved
KINEMATIC_TYPE: int = 3


def velocities(pos_history: Tensor) -> Tensor:
    """Finite-difference velocities: [N, H + 1, d] -> [N, H, d]."""
    return pos_history[:, 1:] - pos_history[:, :-1]


def wall_distances(pos: Tensor, bounds: Tensor, radius: float) -> Tensor:
    """Distances to the lower and upper walls divided by ``radius``, clipped to [-1, 1].

    Parameters
    ----------
    pos : Tensor of shape [N, d]
    bounds : Tensor of shape [d, 2]
        ``[[lo, hi], ...]`` per dimension.
    radius : float
        Connectivity radius ``R``.

    Returns
    -------
    Tensor of shape [N, 2 d]
        ``[(x - lo) / R, (hi - x) / R]`` clipped (GNS: only walls closer than R matter).
    """
    b = bounds.to(pos)
    lower = (pos - b[:, 0]) / radius
    upper = (b[:, 1] - pos) / radius
    return torch.cat([lower, upper], dim=-1).clamp(-1.0, 1.0)


def semi_implicit_euler(pos: Tensor, prev_pos: Tensor, acceleration: Tensor) -> Tensor:
    """``v' = (x - x_prev) + a``, ``x' = x + v'`` (dt = one frame): all [N, d]."""
    return pos + (pos - prev_pos) + acceleration


def clamp_to_bounds(pos: Tensor, bounds: Tensor) -> Tensor:
    """Positions [N, d] clamped into the box ``bounds`` [d, 2] (walls the particles cannot cross)."""
    b = bounds.to(pos)
    return torch.maximum(torch.minimum(pos, b[:, 1]), b[:, 0])


def target_acceleration(pos_history: Tensor, next_pos: Tensor) -> Tensor:
    """``x_{t+1} - 2 x_t + x_{t-1}``: [N, H + 1, d], [N, d] -> [N, d]."""
    return next_pos - 2 * pos_history[:, -1] + pos_history[:, -2]


def random_walk_noise(
    pos_history: Tensor,
    noise_std: float,
    movable: Tensor | None = None,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Random-walk noise on the input positions, as in GNS.

    Each of the ``H`` velocities gets independent Gaussian noise of std
    ``noise_std / sqrt(H)``, accumulated over time, so the last input velocity carries noise
    of std ``noise_std``; positions get the running sum (the first position none).

    Parameters
    ----------
    pos_history : Tensor of shape [N, H + 1, d]
    noise_std : float
        Std of the noise of the last velocity (6.7e-4 in the reference code).
    movable : BoolTensor of shape [N], optional
        Particles that get noise (kinematic ones do not).
    generator : torch.Generator, optional

    Returns
    -------
    Tensor of shape [N, H + 1, d]
        Noise to add to ``pos_history``. Add its last row to the target position too, so
        the target acceleration is computed from the noisy last position and the model learns
        to undo the velocity noise.
    """
    n, h1, d = pos_history.shape
    h = h1 - 1
    if h < 1:
        raise InvalidArgumentError("random_walk_noise: need at least 2 positions in the history")
    vel_noise = torch.randn(n, h, d, generator=generator, dtype=pos_history.dtype,
                            device=pos_history.device) * (noise_std / h ** 0.5)
    pos_noise = torch.cat([torch.zeros_like(vel_noise[:, :1]), vel_noise.cumsum(dim=1)], dim=1)
    if movable is not None:
        pos_noise = pos_noise * movable.to(pos_noise.dtype)[:, None, None]
    return pos_noise


def check_history(pos_history: Tensor, history: int, dim: int, where: str) -> None:
    """Raise :class:`InvalidArgumentError` unless ``pos_history`` is [N, history + 1, dim]."""
    if pos_history is None or pos_history.dim() != 3 or pos_history.shape[1] != history + 1 \
            or pos_history.shape[2] != dim:
        raise InvalidArgumentError(
            f"{where}: pos_history must have shape [N, {history + 1}, {dim}], got "
            f"{None if pos_history is None else list(pos_history.shape)}"
        )


def as_bounds(bounds: Sequence[Sequence[float]] | None, dim: int, where: str) -> Tensor:
    """Bounds as a float64 tensor of shape [dim, 2] (default: no walls, +-inf)."""
    if bounds is None:
        b = torch.tensor([[-float("inf"), float("inf")]] * dim, dtype=torch.float64)
        return b
    b = torch.as_tensor(bounds, dtype=torch.float64)
    if b.shape != (dim, 2):
        raise InvalidArgumentError(f"{where}: bounds must have shape [{dim}, 2], got {list(b.shape)}")
    return b


def deformation_gradient(
    pos: Tensor,
    reference: Tensor,
    radius: float,
    batch: Tensor | None = None,
) -> Tensor:
    r"""Local deformation gradient of each particle from its reference (rest) positions,
    as ``F - I`` clipped to [-1, 1].

    Over the neighbours ``j`` of particle ``i`` that are within ``radius`` of it both now
    and in the reference configuration, the least-squares fit of
    :math:`x_j - x_i \approx F_i (X_j - X_i)` is
    :math:`F_i = (\sum \Delta x\, \Delta X^\top)(\sum \Delta X\, \Delta X^\top)^{-1}`.
    An elastic solid's stress is a function of ``F``, which positions and velocities alone
    do not show: a jelly block at rest and one squashed flat look alike to them. Particles
    with fewer than ``d + 1`` such neighbours (a fluid that has mixed, a lone particle) get
    zeros.

    Parameters
    ----------
    pos : Tensor of shape [N, d]
        Current positions.
    reference : Tensor of shape [N, d]
        Rest positions (e.g. the first frame of the trajectory).
    radius : float
        Neighbourhood radius (the connectivity radius ``R``).
    batch : LongTensor of shape [N], optional

    Returns
    -------
    Tensor of shape [N, d * d]
        ``F - I`` row-major, clipped to [-1, 1].
    """
    if reference.shape != pos.shape:
        raise InvalidArgumentError(
            f"deformation_gradient: reference must have the shape of pos {list(pos.shape)}, got "
            f"{list(reference.shape)}")
    n, d = pos.shape
    ref = reference.to(pos)
    edges = radius_graph(pos.detach(), radius, batch, loop=False)
    j, i = edges[0], edges[1]
    dX = (ref[j] - ref[i]) / radius
    keep = (dX * dX).sum(-1) <= 1.0
    j, i, dX = j[keep], i[keep], dX[keep]
    dx = (pos[j] - pos[i]) / radius
    a = pos.new_zeros(n, d, d).index_add_(0, i, dx[:, :, None] * dX[:, None, :])
    b = pos.new_zeros(n, d, d).index_add_(0, i, dX[:, :, None] * dX[:, None, :])
    count = torch.bincount(i, minlength=n)
    eye = torch.eye(d, dtype=pos.dtype, device=pos.device)
    enough = count >= d + 1
    # a small ridge (relative to B's scale) keeps B invertible for neighbours in a line
    ridge = 1e-6 * b.diagonal(dim1=1, dim2=2).sum(-1).clamp_min(1e-12)
    b = b + ridge[:, None, None] * eye
    f = torch.linalg.solve(b.transpose(1, 2), a.transpose(1, 2)).transpose(1, 2)
    strain = torch.where(enough[:, None, None], f - eye, torch.zeros_like(f))
    return strain.reshape(n, d * d).clamp(-1.0, 1.0)
