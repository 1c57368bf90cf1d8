"""The base of models that predict fields in a volume and on a wall from one input.

An aerodynamics surrogate predicts volume fields (velocity, pressure, ...) at query points
and wall fields (pressure, shear) at wall points; lift and drag come from the latter. This
base class defines, once, the inputs such models read, the loss they train on, the
validation metrics and raw-unit prediction, so that the neural-field operator and every
peer of the aerodynamics benchmark are trained and scored identically. Subclasses
implement :meth:`VolumeSurfaceModel.forward_all`.

Data layout (``Data``/``Batch``):

=====================  ===========  ===========================================
``pos``                [N, d]       query points (volume)
``x``                  [N, 1 + d]   signed distance to the wall, unit wall direction
``batch``              [N]          sample of each query (batches)
``surface_pos``        [M, d]       wall points
``surface_normal``     [M, d]       outward unit normals
``surface_pos_batch``  [M]          sample of each wall point (batches)
``u``                  [B, G]       global inputs
``y``, ``surface_y``   [N, C], [M, C_s]  targets (training)
=====================  ===========  ===========================================
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor
from torch_geometric.data import Batch, Data

from geonop.errors import InvalidArgumentError
from geonop.models.base import GeonopModel, MetricSums, StepOutput, _check_shapes


class VolumeSurfaceModel(GeonopModel):
    """Base class: volume fields at ``pos`` and wall fields at ``surface_pos``.

    Subclasses set :attr:`pos_dim`, :attr:`global_channels` and :attr:`surface_weight` (the
    weight of the wall loss) in their constructor and implement :meth:`forward_all`.
    """

    follow_batch: ClassVar[tuple[str, ...]] = ("surface_pos",)
    pos_dim: int = 2
    global_channels: int = 0
    surface_weight: float = 1.0
    #: weight of the loss on the force coefficients integrated from the wall outputs (0: off)
    force_weight: float = 0.0
    #: factor on the drag error in that loss (drag is ~50x smaller than lift)
    drag_scale: float = 10.0
    #: > 0: the force loss weighs each case's errors by ``1 / (|C_L| + force_floor)`` and
    #: ``1 / (C_D + force_floor / drag_scale)``, i.e. relative errors, as the metric counts
    #: them, with a floor that keeps near-zero-lift cases finite; 0: absolute errors
    force_floor: float = 0.0

    def forward_all(self, data: Data | Batch) -> tuple[Tensor, Tensor | None]:
        """Normalised volume [N, C] and surface [M, C_s] predictions (``None`` without
        surface outputs)."""
        raise NotImplementedError

    def forward(self, data: Data | Batch) -> Tensor:
        """Normalised volume predictions: tensor of shape [N, C]."""
        return self.forward_all(data)[0]

    # -- inputs ---------------------------------------------------------------------------
    @staticmethod
    def batch_vector(data: Data | Batch, name: str, n: int, device: torch.device) -> Tensor:
        """``data.<name>`` or zeros (a single sample): LongTensor of shape [n]."""
        vec = getattr(data, name, None)
        return torch.zeros(n, dtype=torch.long, device=device) if vec is None else vec

    @staticmethod
    def num_graphs(data: Data | Batch) -> int:
        return int(getattr(data, "num_graphs", 1) or 1)

    def volume_inputs(self, data: Data | Batch) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``pos [N, d]``, ``sdf [N]``, ``direction [N, d]``, ``batch [N]`` of the queries."""
        pos, x = getattr(data, "pos", None), getattr(data, "x", None)
        d = self.pos_dim
        if pos is None or pos.dim() != 2 or pos.shape[1] != d:
            raise InvalidArgumentError(f"{type(self).__name__} expects pos of shape [N, {d}], got "
                                       f"{None if pos is None else list(pos.shape)}")
        if x is None or x.shape != (pos.shape[0], 1 + d):
            raise InvalidArgumentError(
                f"{type(self).__name__} expects x = [signed distance, wall direction] of shape "
                f"[N, {1 + d}], got {None if x is None else list(x.shape)}")
        batch = self.batch_vector(data, "batch", pos.shape[0], pos.device)
        return pos.float(), x[:, 0].float(), x[:, 1:].float(), batch

    def surface_inputs(self, data: Data | Batch) -> tuple[Tensor, Tensor, Tensor]:
        """``surface_pos [M, d]``, ``surface_normal [M, d]``, ``surface_pos_batch [M]``."""
        sp, sn = getattr(data, "surface_pos", None), getattr(data, "surface_normal", None)
        d = self.pos_dim
        if sp is None or sn is None or sp.dim() != 2 or sp.shape[1] != d or sn.shape != sp.shape:
            raise InvalidArgumentError(
                f"{type(self).__name__} needs surface_pos and surface_normal of shape [M, {d}], "
                f"got {None if sp is None else list(sp.shape)} and "
                f"{None if sn is None else list(sn.shape)}")
        sb = self.batch_vector(data, "surface_pos_batch", sp.shape[0], sp.device)
        return sp.float(), sn.float(), sb

    def conditions(self, data: Data | Batch, num_graphs: int) -> Tensor:
        """Global inputs standardised by the training statistics: tensor of shape [B, G]."""
        u = getattr(data, "u", None)
        if u is None or u.dim() != 2 or u.shape != (num_graphs, self.global_channels):
            raise InvalidArgumentError(
                f"{type(self).__name__} expects u of shape [{num_graphs}, {self.global_channels}], "
                f"got {None if u is None else list(u.shape)}")
        return self.normalizer.encode("u", u.float()) if "u" in self.normalizer else u.float()

    # -- training -------------------------------------------------------------------------
    def training_step(self, batch: Data | Batch) -> StepOutput:
        """Mean squared error of normalised volume fields plus ``surface_weight`` times that
        of the wall fields; ``weight`` is the number of samples."""
        vol, surf = self.forward_all(batch)
        target = self.normalizer.encode("y", batch.y).float()
        _check_shapes(vol, target)
        loss = torch.mean((vol - target) ** 2)
        metrics = {"loss_volume": float(loss.detach())}
        if surf is not None and getattr(batch, "surface_y", None) is not None:
            st = self.normalizer.encode("surface_y", batch.surface_y).float()
            _check_shapes(surf, st)
            loss_s = torch.mean((surf - st) ** 2)
            metrics["loss_surface"] = float(loss_s.detach())
            loss = loss + self.surface_weight * loss_s
            if self.force_weight > 0:
                raw = self.normalizer.decode("surface_y", surf.float()) \
                    if "surface_y" in self.normalizer else surf.float()
                pred_f = force_coefficients(raw, batch, self.num_graphs(batch))
                true_f = force_coefficients(batch.surface_y.float(), batch, self.num_graphs(batch))
                err = pred_f - true_f
                if self.force_floor > 0:
                    # relative errors: drag_scale brings C_D's floor to C_L's
                    scale = true_f.detach().abs() * true_f.new_tensor([1.0, self.drag_scale])
                    err = err / (scale + self.force_floor)
                loss_f = torch.mean(err[:, 0] ** 2 + (self.drag_scale * err[:, 1]) ** 2)
                metrics["loss_force"] = float(loss_f.detach())
                loss = loss + self.force_weight * loss_f
        return StepOutput(loss, float(self.num_graphs(batch)), metrics)

    @torch.no_grad()
    def validation_step(self, batch: Data | Batch) -> MetricSums:
        """``loss`` (the training loss) and, per field ``f`` of the volume and
        ``surface/f`` of the wall, ``mse``, ``nmse`` (normalised) and ``rel_l2`` sums."""
        vol, surf = self.forward_all(batch)
        n = torch.tensor(float(self.num_graphs(batch)))
        bv = self.batch_vector(batch, "batch", vol.shape[0], vol.device)
        out = _field_metrics(self, vol, batch.y, "y", self.output_fields, "", bv, batch)
        loss = out.pop("_loss")[0] / batch.y.numel()
        if surf is not None and getattr(batch, "surface_y", None) is not None:
            sb = self.batch_vector(batch, "surface_pos_batch", surf.shape[0], surf.device)
            s_out = _field_metrics(self, surf, batch.surface_y, "surface_y", self.surface_fields,
                                   "surface/", sb, batch)
            loss = loss + self.surface_weight * s_out.pop("_loss")[0] / batch.surface_y.numel()
            out.update(s_out)
        out["loss"] = (loss * n, n)
        return out

    @torch.no_grad()
    def predict_all(self, data: Data | Batch) -> tuple[Tensor, Tensor | None]:
        """Raw-unit volume [N, C] and surface [M, C_s] predictions (eval mode), on the
        model's device (``data`` is moved there)."""
        self.eval()
        vol, surf = self.forward_all(data.to(self.device))
        vol = self.normalizer.decode("y", vol.float())
        if surf is not None:
            surf = self.normalizer.decode("surface_y", surf.float())
        return vol, surf


def force_coefficients(surface_y: Tensor, batch: Data | Batch, num_graphs: int) -> Tensor:
    """Lift and drag coefficients [B, 2] of each sample from non-dimensional wall fields.

    ``surface_y`` [M, 3] holds ``Cp`` and the wall shear over the dynamic pressure (the
    airfoil dataset's ``nondimensional`` layout); the batch supplies ``surface_normal``
    [M, 2] (out of the body), ``surface_length`` [M] and ``aoa_deg`` [B]. The force on
    the body is ``sum (-Cp n - tau) L`` per unit chord, as
    :func:`geonop.data.airfoil.extract.integrate_coefficients` integrates the CFD's own
    fields; lift is normal to the free stream, drag along it. Differentiable.
    """
    normal = getattr(batch, "surface_normal", None)
    length = getattr(batch, "surface_length", None)
    aoa = getattr(batch, "aoa_deg", None)
    if normal is None or length is None or aoa is None or surface_y.shape[1] < 3:
        raise InvalidArgumentError("a force loss needs surface_normal, surface_length, aoa_deg "
                                   "and wall outputs [Cp, tau_x, tau_y]")
    sb = VolumeSurfaceModel.batch_vector(batch, "surface_pos_batch", surface_y.shape[0],
                                         surface_y.device)
    per_face = (-surface_y[:, :1] * normal.float() - surface_y[:, 1:3]) * length.float()[:, None]
    force = surface_y.new_zeros(num_graphs, 2).index_add(0, sb, per_face)
    a = torch.deg2rad(aoa.float().view(-1))
    lift = -torch.sin(a) * force[:, 0] + torch.cos(a) * force[:, 1]
    drag = torch.cos(a) * force[:, 0] + torch.sin(a) * force[:, 1]
    return torch.stack([lift, drag], dim=1)


def _field_metrics(model: GeonopModel, pred_n: Tensor, target: Tensor, name: str,
                   layout: Any, prefix: str, batch_vec: Tensor, batch: Data | Batch) -> MetricSums:
    """``mse``/``nmse``/``rel_l2`` sums per field of one output (see
    :meth:`GeonopModel.validation_step`); ``_loss`` holds the normalised squared-error sum."""
    target = target.float()
    target_n = model.normalizer.encode(name, target).float()
    _check_shapes(pred_n, target_n)
    pred_n = pred_n.float()
    pred = model.normalizer.decode(name, pred_n).float()
    num_graphs = int(getattr(batch, "num_graphs", 1) or 1)
    out: MetricSums = {"_loss": (((pred_n - target_n) ** 2).sum(), torch.tensor(1.0))}
    start = 0
    for field, channels in (layout or [[name, target.shape[-1]]]):
        sl = slice(start, start + int(channels))
        start += int(channels)
        err = (pred[:, sl] - target[:, sl]) ** 2
        err_n = (pred_n[:, sl] - target_n[:, sl]) ** 2
        count = torch.tensor(float(err.numel()))
        out[f"mse/{prefix}{field}"] = (err.sum(), count)
        out[f"nmse/{prefix}{field}"] = (err_n.sum(), count)
        num = torch.zeros(num_graphs).index_add_(0, batch_vec.cpu(), err.sum(1).cpu())
        den = torch.zeros(num_graphs).index_add_(0, batch_vec.cpu(),
                                                 (target[:, sl] ** 2).sum(1).cpu())
        rel = torch.sqrt(num / den.clamp_min(1e-30))
        out[f"rel_l2/{prefix}{field}"] = (rel.sum(), torch.tensor(float(num_graphs)))
    return out
