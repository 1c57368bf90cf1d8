"""Metrics of particle rollouts, in both MSE conventions, and distribution distances.

Two conventions for "MSE" exist in the literature, differing by the factor ``d``:

* :func:`mse_mean_dims`: squared error averaged over particles **and dimensions**
  (DeepMind's GNS code);
* :func:`mse_sum_dims`: squared displacement norm (summed over dimensions) averaged over
  particles (LagrangeBench, GIOROM).

Rollout MSE over the first ``n`` steps is the mean of the per-step values (LagrangeBench's
MSE_n). Chamfer distance and Sinkhorn divergence compare clouds of different sizes;
kinetic-energy error compares the energy histories. Positions are in box units and
velocities per frame unless ``dt`` is given.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from geonop.errors import InvalidArgumentError


def _displacement(pred: Tensor, target: Tensor, box: Sequence[float] | Tensor | None) -> Tensor:
    if pred.shape != target.shape:
        raise InvalidArgumentError(
            f"metrics: prediction {list(pred.shape)} and target {list(target.shape)} differ in shape")
    disp = pred.double() - target.double()
    if box is not None:  # minimum image in a periodic box
        lengths = torch.as_tensor(box, dtype=torch.float64, device=disp.device)
        disp = disp - lengths * torch.round(disp / lengths)
    return disp


def mse_mean_dims(pred: Tensor, target: Tensor, box: Sequence[float] | Tensor | None = None) -> Tensor:
    """Per-step MSE averaged over particles and dimensions (GNS convention).

    Parameters
    ----------
    pred, target : Tensor of shape [..., N, d]
    box : periodic box lengths [d], optional

    Returns
    -------
    Tensor of shape [...] (float64)
    """
    return (_displacement(pred, target, box) ** 2).mean(dim=(-2, -1))


def mse_sum_dims(pred: Tensor, target: Tensor, box: Sequence[float] | Tensor | None = None) -> Tensor:
    """Per-step MSE of the displacement norm, summed over dimensions and averaged over
    particles (LagrangeBench convention; ``d`` times :func:`mse_mean_dims`).

    Parameters
    ----------
    pred, target : Tensor of shape [..., N, d]

    Returns
    -------
    Tensor of shape [...] (float64)
    """
    return (_displacement(pred, target, box) ** 2).sum(dim=-1).mean(dim=-1)


def one_step_mse(pred: Tensor, target: Tensor, box: Sequence[float] | Tensor | None = None
                 ) -> dict[str, float]:
    """``{"mse_mean_dims": ..., "mse_sum_dims": ...}`` of one predicted frame [N, d]."""
    return {"mse_mean_dims": float(mse_mean_dims(pred, target, box)),
            "mse_sum_dims": float(mse_sum_dims(pred, target, box))}


def rollout_mse(
    pred: Tensor,
    target: Tensor,
    horizons: Sequence[int | None] = (5, 20, None),
    box: Sequence[float] | Tensor | None = None,
) -> dict[str, float]:
    """Rollout MSE over the first ``n`` steps, in both conventions.

    Parameters
    ----------
    pred, target : Tensor of shape [T, N, d]
        Predicted and true positions of steps 1..T of the rollout.
    horizons : sequence of int or None
        ``n`` values; None means all ``T`` steps (key suffix ``all``). A horizon longer than
        the rollout is clipped to ``T``.

    Returns
    -------
    dict
        ``mse_mean_dims/5``, ``mse_sum_dims/5``, ..., ``mse_mean_dims/all``, ...
    """
    if pred.dim() != 3:
        raise InvalidArgumentError(f"rollout_mse: expected [T, N, d], got {list(pred.shape)}")
    per_mean = mse_mean_dims(pred, target, box)
    per_sum = mse_sum_dims(pred, target, box)
    out: dict[str, float] = {}
    for n in horizons:
        k = per_mean.shape[0] if n is None else min(int(n), per_mean.shape[0])
        name = "all" if n is None else str(n)
        out[f"mse_mean_dims/{name}"] = float(per_mean[:k].mean())
        out[f"mse_sum_dims/{name}"] = float(per_sum[:k].mean())
    return out


def chamfer_distance(a: Tensor, b: Tensor, chunk_size: int = 4096) -> Tensor:
    """Symmetric Chamfer distance with squared distances:
    ``mean_i min_j |a_i - b_j|^2 + mean_j min_i |a_i - b_j|^2``.

    Parameters
    ----------
    a : Tensor of shape [N, d]
    b : Tensor of shape [M, d]
    chunk_size : int
        Rows of the distance matrix held at once (memory O(chunk_size * M)).

    Returns
    -------
    Tensor (scalar, float64)
    """
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[1] or not len(a) or not len(b):
        raise InvalidArgumentError(
            f"chamfer_distance: expected non-empty [N, d] and [M, d], got {list(a.shape)}, {list(b.shape)}")
    a, b = a.double(), b.double()
    min_ab = torch.cat([torch.cdist(a[s: s + chunk_size], b).min(dim=1).values
                        for s in range(0, len(a), chunk_size)])
    min_ba = torch.cat([torch.cdist(b[s: s + chunk_size], a).min(dim=1).values
                        for s in range(0, len(b), chunk_size)])
    return (min_ab ** 2).mean() + (min_ba ** 2).mean()


def _entropic_ot(x: Tensor, y: Tensor, epsilon: float, iters: int, symmetric: bool) -> Tensor:
    # log-domain Sinkhorn with uniform weights; returns <a, f> + <b, g> (Feydy et al. 2019)
    cost = torch.cdist(x, y) ** 2  # [B, N, M]
    log_a = -torch.log(torch.tensor(float(x.shape[1]), dtype=x.dtype))
    log_b = -torch.log(torch.tensor(float(y.shape[1]), dtype=x.dtype))
    f = torch.zeros(x.shape[:2], dtype=x.dtype, device=x.device)
    g = torch.zeros(y.shape[:2], dtype=x.dtype, device=x.device)
    for _ in range(iters):
        if symmetric:  # averaged updates converge fast for OT(a, a)
            f = 0.5 * (f - epsilon * torch.logsumexp(log_a + (f[:, None, :] - cost) / epsilon, dim=-1))
        else:
            f = -epsilon * torch.logsumexp(log_b + (g[:, None, :] - cost) / epsilon, dim=-1)
            g = -epsilon * torch.logsumexp(log_a + (f[:, :, None] - cost) / epsilon, dim=1)
    if symmetric:
        return 2 * f.mean(dim=-1)
    return f.mean(dim=-1) + g.mean(dim=-1)


def sinkhorn_divergence(
    a: Tensor,
    b: Tensor,
    epsilon: float = 1e-4,
    iters: int = 200,
) -> Tensor:
    r"""Debiased Sinkhorn divergence between uniform point clouds of any sizes:

    .. math:: S_\varepsilon(a, b) = OT_\varepsilon(a, b) - \tfrac12 OT_\varepsilon(a, a)
              - \tfrac12 OT_\varepsilon(b, b)

    with squared-Euclidean cost and entropic regularisation ``epsilon`` (in squared box
    units: 1e-4 blurs at about 0.01, the particle spacing scale), computed in the log domain
    (stable for small ``epsilon``). Non-negative, and 0 for identical clouds.

    Parameters
    ----------
    a : Tensor of shape [N, d] or [B, N, d]
    b : Tensor of shape [M, d] or [B, M, d]
    epsilon : float
    iters : int
        Sinkhorn iterations.

    Returns
    -------
    Tensor of shape [] or [B] (float64)
    """
    if a.dim() not in (2, 3) or a.dim() != b.dim() or a.shape[-1] != b.shape[-1]:
        raise InvalidArgumentError(
            f"sinkhorn_divergence: expected [N, d] and [M, d] (or batched), got {list(a.shape)}, {list(b.shape)}")
    if not epsilon > 0 or iters < 1:
        raise InvalidArgumentError("sinkhorn_divergence: epsilon must be > 0 and iters >= 1")
    single = a.dim() == 2
    x, y = (a[None], b[None]) if single else (a, b)
    x, y = x.double(), y.double()
    s = (_entropic_ot(x, y, epsilon, iters, False)
         - 0.5 * _entropic_ot(x, x, epsilon, iters, True)
         - 0.5 * _entropic_ot(y, y, epsilon, iters, True))
    return s[0] if single else s


def kinetic_energy(positions: Tensor, dt: float = 1.0) -> Tensor:
    """Mean kinetic energy per unit mass of each step, ``0.5 mean_i |v_i|^2``.

    Parameters
    ----------
    positions : Tensor of shape [T, N, d]
    dt : float
        Time between frames (1: velocities per frame).

    Returns
    -------
    Tensor of shape [T - 1] (float64)
    """
    if positions.dim() != 3 or positions.shape[0] < 2:
        raise InvalidArgumentError(f"kinetic_energy: expected [T >= 2, N, d], got {list(positions.shape)}")
    v = (positions[1:].double() - positions[:-1].double()) / dt
    return 0.5 * (v ** 2).sum(dim=-1).mean(dim=-1)


def kinetic_energy_error(pred: Tensor, target: Tensor, dt: float = 1.0) -> dict[str, float]:
    """Kinetic-energy errors of a rollout.

    Parameters
    ----------
    pred, target : Tensor of shape [T, N_p, d] and [T, N_t, d]
        Include the last input frame first, so the first predicted velocity counts. The
        particle counts may differ (e.g. decoding at other points).

    Returns
    -------
    dict
        ``ke_mse``: mean squared difference of the energy histories (LagrangeBench's
        e_kin); ``ke_rel``: ``sum |E_p - E_t| / sum E_t``.
    """
    ep, et = kinetic_energy(pred, dt), kinetic_energy(target, dt)
    if ep.shape != et.shape:
        raise InvalidArgumentError(f"kinetic_energy_error: {ep.shape[0] + 1} vs {et.shape[0] + 1} frames")
    return {"ke_mse": float(((ep - et) ** 2).mean()),
            "ke_rel": float((ep - et).abs().sum() / et.abs().sum().clamp_min(1e-300))}


def rollout_report(
    pred: Tensor,
    target: Tensor,
    last_input: Tensor,
    dt: float = 1.0,
    horizons: Sequence[int | None] = (5, 20, None),
    sinkhorn_epsilon: float = 1e-4,
    box: Sequence[float] | Tensor | None = None,
) -> dict[str, float]:
    """Every metric of one rollout: rollout MSE (both conventions), Chamfer distance and
    Sinkhorn divergence of the final frame, kinetic-energy errors.

    Parameters
    ----------
    pred, target : Tensor of shape [T, N, d]
    last_input : Tensor of shape [N, d]
        The last input frame (for the first predicted velocity).
    """
    out = rollout_mse(pred, target, horizons, box)
    out["chamfer/final"] = float(chamfer_distance(pred[-1], target[-1]))
    out["sinkhorn/final"] = float(sinkhorn_divergence(pred[-1], target[-1], sinkhorn_epsilon))
    out.update(kinetic_energy_error(torch.cat([last_input[None], pred]),
                                    torch.cat([last_input[None], target]), dt))
    return out
