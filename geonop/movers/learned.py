r"""A data-free learned Monge-Ampere mesh mover that works on any mesh or point cloud.

After "Better Neural PDE Solvers Through Data-Free Mesh Movers" (Hu et al., ICLR 2024,
https://arxiv.org/abs/2312.05583): a model maps the field on a mesh to a potential
:math:`\phi(\xi)` and the mesh moves to :math:`x = \xi + \nabla\phi(\xi)`. It is trained on
the Monge-Ampere equation alone, with no optimal meshes:

.. math::

    \mathcal L = \Big\langle \Big(\frac{m(x)\det(I + H\phi)}{\theta} - 1\Big)^2 \Big\rangle
      + \lambda_c \big\langle \min(0, 1 + \phi_{xx})^2 + \min(0, 1 + \phi_{yy})^2 \big\rangle,

at collocation points, with the exact monitor of the training fields evaluated at the moved
points :math:`x` and exact derivatives of :math:`\phi`.

The model is a learned solver with the physics built in (the first version, a graph encoder
whose features were mapped to the potential's coefficients by a network, memorised its
training fields and moved nodes the wrong way on new ones, 0.83x):

1. **monitor network.** From the field values at the nodes, derivatives are recovered on the
   mesh (area-weighted averaging of P1 gradients, twice, then smoothing); a small per-node
   network turns them (curvature, smoothed curvature, gradient, local spacing) into the
   monitor it will equidistribute, :math:`\hat m = (1 + \alpha h)\,e^{2\tanh(\mathrm{MLP})}`,
   starting from the plain curvature monitor :math:`1 + \alpha h`;
2. **cosine transform.** :math:`\hat m` is projected on cosines of the unit square with the
   lumped-mass quadrature of the mesh, so it can be evaluated anywhere, any mesh works and
   the node count does not matter;
3. **unrolled relaxation.** ``iterations`` steps of the Monge-Ampere relaxation of McRae et
   al. (2018) in the cosine basis of the potential (:func:`~geonop.movers.spectral.relax`),
   with learned step lengths and learned per-mode gains (a preconditioner);
4. **hard boundary condition.** :math:`\phi` is a cosine series, so
   :math:`\partial\phi/\partial n = 0` exactly: boundary nodes slide along their side and
   corners stay put, whatever the weights;
5. **never tangles.** At inference every cell's signed area is checked and the displacement is
   scaled back by bisection until none is non-positive
   (:func:`~geonop.movers.untangle.untangle_scale`).

Training tunes what the classical solver leaves to hand-tuning: which monitor to
equidistribute given only nodal values on a coarse mesh (the loss uses the exact monitor), and
how to reach the solution in a few steps. The relaxation is linear in the potential for a
fixed monitor, so the start (one step from zero) is the solution of the linearised
Monge-Ampere equation :math:`\Delta\phi = \theta/\hat m - 1`-like right-hand side, and the
later steps are the learned nonlinear correction.

Domains are rectangles (axis-aligned, any aspect ratio): the map is computed on the unit
square and scaled back. On other polygons with straight sides (an L-shape, a hole) the map is
computed on the bounding box and boundary nodes are then kept on their own sides
(:func:`~geonop.movers.grids.boundary_segments`); it works, but the gains are small there.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor, nn
from torch_geometric.data import Batch, Data

from geonop.errors import InvalidArgumentError
from geonop.models.base import GeonopModel, MetricSums, StepOutput
from geonop.movers import _fem, spectral
from geonop.movers.fields import front_gradient, front_hessian_norm
from geonop.movers.grids import BoundarySegments, boundary_segments, orient_counterclockwise
from geonop.movers.monge_ampere import MoveResult
from geonop.movers.untangle import untangle_scale
from geonop.nn.mlp import MLP

#: features the monitor network sees at each node
FEATURES = ("smoothed curvature", "curvature", "smoothed gradient squared", "log spacing")


@dataclass
class _MeshOperators:
    """Per-mesh sparse operators on unit-square coordinates, built once per mesh."""

    unit: np.ndarray  # [N, 2] nodes in the unit square
    triangles: np.ndarray  # [F, 3] counter-clockwise
    weights: np.ndarray  # [N] lumped mass, sums to 1
    fraction: float  # mesh area over its bounding box's area (1 for a rectangle)
    boundary: BoundarySegments  # straight sides and corners (unit-square coordinates)
    dx: sp.csr_matrix  # [N, N] recovered d/dx
    dy: sp.csr_matrix  # [N, N] recovered d/dy
    smooth: sp.csr_matrix  # [N, N] node -> cell -> node averaging
    ref_area: np.ndarray  # [F] signed cell areas in physical units (set by the caller)
    tables: dict  # (dtype, device) -> cosine tables at the nodes, built on first use

    @classmethod
    def build(cls, unit: np.ndarray, triangles: np.ndarray) -> _MeshOperators:
        grads, area = _fem.basis_gradients(unit, triangles)
        n, f = len(unit), len(triangles)
        r = _fem.recovery_matrix(triangles, area, n)  # [N, F]
        rows = np.repeat(np.arange(f), 3)
        cols = triangles.reshape(-1)

        def cell_op(values: np.ndarray) -> sp.csr_matrix:
            return sp.csr_matrix((values.reshape(-1), (rows, cols)), shape=(f, n))

        weights = np.bincount(cols, np.repeat(np.abs(area) / 3.0, 3), n)
        return cls(unit=unit, triangles=triangles, weights=weights / weights.sum(),
                   fraction=float(weights.sum()), boundary=boundary_segments(unit, triangles),
                   dx=(r @ cell_op(grads[:, :, 0])).tocsr(),
                   dy=(r @ cell_op(grads[:, :, 1])).tocsr(),
                   smooth=(r @ cell_op(np.full((f, 3), 1.0 / 3.0))).tocsr(),
                   ref_area=area, tables={})

    def basis(self, k_monitor: Tensor, k: Tensor) -> dict[str, Tensor]:
        """Cosine and sine tables at the nodes (the "cached basis"): moving another field on
        the same mesh evaluates no trigonometric function at the nodes."""
        key = (k.dtype, k.device, k_monitor.numel(), k.numel())
        if key not in self.tables:
            unit = torch.as_tensor(self.unit, dtype=k.dtype, device=k.device)
            w = torch.as_tensor(self.weights, dtype=k.dtype, device=k.device)
            ax, ay = unit[:, :1] * k, unit[:, 1:] * k
            self.tables[key] = {
                "unit": unit, "weights": w,
                # projection of nodal values on the monitor's modes: (cx * w v)^T cy / norm
                "cxm": torch.cos(unit[:, :1] * k_monitor), "cym": torch.cos(unit[:, 1:] * k_monitor),
                "norm_m": spectral.mode_norms(k_monitor),
                "e00": (torch.arange(k_monitor.numel(), device=k.device) == 0).to(k.dtype)
                .outer((torch.arange(k_monitor.numel(), device=k.device) == 0).to(k.dtype)),
                "cx": torch.cos(ax), "cy": torch.cos(ay),
                "sxk": torch.sin(ax) * k, "syk": torch.sin(ay) * k,
            }
        return self.tables[key]

    def features(self, values: np.ndarray, smoothing: int) -> np.ndarray:
        """The monitor network's inputs :data:`FEATURES` at the nodes: array [N, 4]."""
        gx, gy = self.dx @ values, self.dy @ values
        hxx, hyy = self.dx @ gx, self.dy @ gy
        hxy = 0.5 * (self.dy @ gx + self.dx @ gy)
        h = np.sqrt(hxx**2 + hyy**2 + 2 * hxy**2)
        g2 = gx**2 + gy**2
        hs, gs = h, g2
        for _ in range(smoothing):
            hs, gs = self.smooth @ hs, self.smooth @ gs
        spacing = np.log(np.maximum(self.weights * len(values), 1e-12))
        return np.stack([_unit_max(hs), _unit_max(h), _unit_max(gs), spacing], 1)


def _unit_max(v: np.ndarray) -> np.ndarray:
    top = v.max()
    return v / top if top > 0 else np.zeros_like(v)


class DataFreeMeshMover(GeonopModel):
    r"""Learned Monge-Ampere mover: (nodes, field) -> monitor -> potential -> moved nodes.

    Args:
        num_modes: cosine modes of the potential per axis (default 16).
        monitor_modes: cosine modes of the monitor per axis (default 16).
        resolution: relaxation grid ``G x G`` on the unit square (default 24).
        iterations: unrolled relaxation steps (default 4).
        alpha: strength of the curvature monitor the network starts from (default 5).
        smoothing: averaging passes of the recovered derivatives (default 2).
        hidden_channels: width of the monitor network (default 32).
        step: initial step length of every iteration (default 0.5).
        convexity_weight: :math:`\lambda_c` (default 1).

    Shapes:
        - **input:** ``Data``/``Batch`` with ``pos`` [N, 2], ``x`` [N, 1] (field values),
          optional ``face`` [3, F] (else each graph is Delaunay-triangulated) and ``batch``
          [N]; for training also ``fronts`` [B, K, 6], ``monitor`` [B, 4] and ``colloc``
          [B, Q, 2] (see :class:`~geonop.movers.dataset.FrontFieldDataset`)
        - **output:** :meth:`forward`: displacement [N, 2] before the no-tangling check;
          :meth:`predict`: moved nodes [N, 2]; :meth:`move`: a :class:`MoveResult`
    """

    def __init__(self, num_modes: int = 16, monitor_modes: int = 16, resolution: int = 24,
                 iterations: int = 4, alpha: float = 5.0, smoothing: int = 2,
                 hidden_channels: int = 32, step: float = 0.5,
                 convexity_weight: float = 1.0) -> None:
        super().__init__()
        if min(num_modes, monitor_modes) < 2 or resolution < num_modes or iterations < 1 \
                or hidden_channels < 1 or smoothing < 0:
            raise InvalidArgumentError(
                "DataFreeMeshMover: need num_modes >= 2, monitor_modes >= 2, resolution >= "
                "num_modes, iterations >= 1, hidden_channels >= 1 and smoothing >= 0, got "
                f"num_modes={num_modes}, monitor_modes={monitor_modes}, resolution={resolution}, "
                f"iterations={iterations}, hidden_channels={hidden_channels}, smoothing={smoothing}")
        if not (alpha >= 0 and step > 0 and convexity_weight >= 0):
            raise InvalidArgumentError("DataFreeMeshMover: need alpha >= 0, step > 0 and "
                                       "convexity_weight >= 0")
        self.num_modes = num_modes
        self.monitor_modes = monitor_modes
        self.resolution = resolution
        self.iterations = iterations
        self.alpha = float(alpha)
        self.smoothing = int(smoothing)
        self.hidden_channels = hidden_channels
        self.step = float(step)
        self.convexity_weight = float(convexity_weight)
        self.monitor_net = MLP(len(FEATURES), 1, hidden_channels, 2, activation="silu",
                               layer_norm=False)
        self.log_steps = nn.Parameter(torch.empty(iterations))
        self.log_gains = nn.Parameter(torch.empty(num_modes, num_modes))
        self.register_buffer("k_monitor", spectral.wavenumbers(monitor_modes))
        self.register_buffer("k", spectral.wavenumbers(num_modes))
        self._grids: dict[tuple[torch.dtype, torch.device], spectral.SpectralGrid] = {}
        self._meshes: OrderedDict[tuple, _MeshOperators] = OrderedDict()
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """The plain curvature monitor and the classical step: the network's last layer,
        log-gains at zero, every step at ``step``."""
        for m in self.monitor_net.modules():
            if isinstance(m, nn.Linear):
                m.reset_parameters()
        last = [m for m in self.monitor_net.modules() if isinstance(m, nn.Linear)][-1]
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        with torch.no_grad():
            self.log_steps.fill_(float(np.log(self.step)))
            self.log_gains.zero_()

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(num_modes={self.num_modes}, "
                f"monitor_modes={self.monitor_modes}, resolution={self.resolution}, "
                f"iterations={self.iterations}, alpha={self.alpha})")

    # -- mesh operators (numpy, cached) --------------------------------------------------------
    def _operators(self, unit: np.ndarray, triangles: np.ndarray | None) -> _MeshOperators:
        """Operators of a mesh given in unit-square coordinates; a point cloud (no triangles)
        is Delaunay-triangulated. Cached on the arrays' contents, so moving many fields on one
        mesh builds them once."""
        key = (unit.shape, hash(unit.tobytes()),
               None if triangles is None else hash(triangles.tobytes()))
        ops = self._meshes.get(key)
        if ops is not None and np.array_equal(ops.unit, unit) and (
                triangles is None or np.array_equal(ops.triangles, triangles)):
            self._meshes.move_to_end(key)
            return ops
        tri = _delaunay(unit) if triangles is None else triangles
        ops = _MeshOperators.build(unit, tri)
        self._meshes[key] = ops
        while len(self._meshes) > 32:
            self._meshes.popitem(last=False)
        return ops

    def _grid(self, dtype: torch.dtype, device: torch.device) -> spectral.SpectralGrid:
        key = (dtype, device)
        if key not in self._grids:
            self._grids[key] = spectral.SpectralGrid(self.num_modes, self.resolution, dtype, device)
        return self._grids[key]

    # -- the model ---------------------------------------------------------------------------
    def monitor(self, features: Tensor) -> Tensor:
        """The learned monitor at the nodes from :data:`FEATURES` [N, 4]: Tensor [N]."""
        base = 1.0 + self.alpha * features[:, 0]
        return base * torch.exp(2.0 * torch.tanh(self.monitor_net(features).squeeze(-1)))

    def coefficients(self, meshes: list[tuple[_MeshOperators, np.ndarray]]) -> Tensor:
        """Cosine coefficients of the potential on the unit square for each (mesh operators,
        field values [N]) pair: Tensor of shape [B, K, K]."""
        dtype, device = self.log_steps.dtype, self.log_steps.device
        coeffs = []
        for ops, values in meshes:
            feats = torch.as_tensor(ops.features(values, self.smoothing), dtype=dtype,
                                    device=device)
            m = self.monitor(feats)
            t = ops.basis(self.k_monitor, self.k)
            # project the deviation from the mean: the quadrature of a coarse mesh does not
            # integrate high cosines exactly, and a flat monitor must give exactly no motion
            mean = (t["weights"] * m).sum()
            c = (t["cxm"] * (t["weights"] * (m - mean))[:, None]).t() @ t["cym"] / t["norm_m"]
            # on a polygon that does not fill its box, the monitor is its mean outside
            c = c * ops.fraction
            coeffs.append(c + mean * t["e00"])
        return spectral.relax(torch.stack(coeffs), self._grid(dtype, device),
                              torch.exp(self.log_steps), torch.exp(self.log_gains))

    def _node_map(self, ops: _MeshOperators, a: Tensor) -> tuple[Tensor, Tensor]:
        """Moved nodes in the unit square [N, 2] and the potential at the nodes [N] for one
        mesh's coefficients ``a`` [K, K], from the cached tables."""
        t = ops.basis(self.k_monitor, self.k)
        ca = t["cx"] @ a  # [N, K]
        gx = -((t["sxk"] @ a) * t["cy"]).sum(-1)
        gy = -(ca * t["syk"]).sum(-1)
        moved = (t["unit"] + torch.stack([gx, gy], -1)).clamp(0.0, 1.0)
        return moved, (ca * t["cy"]).sum(-1)

    def _split(self, data: Data | Batch) -> tuple[list[tuple[_MeshOperators, np.ndarray]],
                                                   list[tuple[int, int, np.ndarray, np.ndarray]]]:
        """Per graph: (operators, values) and (first node, end node, lower corner, span)."""
        pos = getattr(data, "pos", None)
        u = getattr(data, "x", None)
        if pos is None or pos.dim() != 2 or pos.shape[1] != 2:
            raise InvalidArgumentError(f"DataFreeMeshMover expects pos of shape [N, 2], got "
                                       f"{None if pos is None else list(pos.shape)}")
        if u is None or u.shape not in ((pos.shape[0], 1), (pos.shape[0],)):
            raise InvalidArgumentError(f"DataFreeMeshMover expects field values x of shape "
                                       f"[{pos.shape[0]}, 1], got {None if u is None else list(u.shape)}")
        pts = pos.detach().double().cpu().numpy()
        vals = u.detach().double().cpu().numpy().reshape(-1)
        ptr = getattr(data, "ptr", None)
        bounds = [0, len(pts)] if ptr is None else ptr.cpu().tolist()
        face = getattr(data, "face", None)
        face_np = None if face is None else face.t().cpu().numpy()
        meshes, where = [], []
        for lo, hi in pairwise(bounds):
            p = pts[lo:hi]
            tri = None
            if face_np is not None:
                tri = face_np[(face_np[:, 0] >= lo) & (face_np[:, 0] < hi)] - lo
            corner, span = _box(p)
            meshes.append((self._operators((p - corner) / span, tri), vals[lo:hi]))
            where.append((lo, hi, corner, span))
        return meshes, where

    def forward(self, data: Data | Batch) -> Tensor:
        """Displacement of every node in physical units, before the no-tangling check:
        Tensor of shape [N, 2]."""
        meshes, where = self._split(data)
        a = self.coefficients(meshes)
        out = []
        for i, ((ops, _), (_, _, _, span)) in enumerate(zip(meshes, where)):
            moved, _ = self._node_map(ops, a[i])
            xi = ops.basis(self.k_monitor, self.k)["unit"]
            disp = moved - xi
            if ops.fraction < 1.0 - 1e-9:  # a polygon: slide along its own sides
                disp = torch.as_tensor(_on_sides(ops, moved.detach().double().cpu().numpy()),
                                       dtype=a.dtype, device=a.device)
            out.append(disp * torch.as_tensor(span, dtype=a.dtype, device=a.device))
        disp = torch.cat(out).to(data.pos.dtype)
        return disp if self.training else disp.detach()

    @torch.no_grad()
    def predict(self, data: Data | Batch) -> Tensor:
        """Moved nodes [N, 2], with every cell's signed area kept positive (``face`` [3, F]
        when given, else a Delaunay triangulation of each graph's nodes)."""
        self.eval()
        disp = self(data).double().cpu().numpy()
        meshes, where = self._split(data)
        pos = data.pos.detach().double().cpu().numpy()
        out = pos.copy()
        for (ops, _), (lo, hi, _, span) in zip(meshes, where):
            s = _untangled_scale(ops, pos[lo:hi], disp[lo:hi], span)
            out[lo:hi] = pos[lo:hi] + s * disp[lo:hi]
        return torch.as_tensor(out, dtype=data.pos.dtype, device=data.pos.device)

    @torch.no_grad()
    def move(self, points: np.ndarray, values: np.ndarray,
             triangles: np.ndarray | None = None) -> MoveResult:
        """Move a mesh (or point cloud) of a rectangle to adapt to a field.

        Parameters
        ----------
        points : ndarray of shape [N, 2]
        values : ndarray of shape [N]
            The field at the nodes.
        triangles : ndarray of shape [F, 3], optional
            Counter-clockwise cells. Without them the nodes are treated as a point cloud:
            derivatives are recovered and tangling is checked on their Delaunay triangulation.

        Returns
        -------
        MoveResult
            ``phi`` is the potential at the nodes (unit-square units); ``scale`` is the factor
            of the no-tangling check.
        """
        t0 = time.perf_counter()
        pts = np.asarray(points, dtype=np.float64)
        vals = np.asarray(values, dtype=np.float64).reshape(-1)
        if triangles is None:
            if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3 or not np.isfinite(pts).all():
                raise InvalidArgumentError(f"move: points must be finite with shape [N >= 3, 2], "
                                           f"got {list(pts.shape)}")
            tri = None
        else:
            pts, tri = _fem.check_mesh(pts, triangles, "DataFreeMeshMover.move")
        if vals.shape != (len(pts),) or not np.isfinite(vals).all():
            raise InvalidArgumentError(f"move: values must be finite with shape [{len(pts)}], "
                                       f"got {list(vals.shape)}")
        if self.training:
            self.eval()
        corner, span = _box(pts)
        ops = self._operators((pts - corner) / span, tri)
        moved, phi = self._node_map(ops, self.coefficients([(ops, vals)])[0])
        moved_np = moved.double().cpu().numpy()
        # on a rectangle the cosine potential keeps nodes on their sides by construction
        disp = (moved_np - ops.unit if ops.fraction > 1.0 - 1e-9 else _on_sides(ops, moved_np)) * span
        s = _untangled_scale(ops, pts, disp, span)
        return MoveResult(points=pts + s * disp, phi=phi.double().cpu().numpy(), scale=s,
                          iterations=self.iterations, seconds=time.perf_counter() - t0)

    # -- training ----------------------------------------------------------------------------
    def monge_ampere_loss(self, data: Data | Batch) -> dict[str, Tensor]:
        """The data-free losses at the collocation points of a batch: ``residual`` (mean squared
        Monge-Ampere residual with the exact monitor), ``convexity`` and ``loss`` (their
        weighted sum), each a scalar."""
        for name in ("fronts", "monitor", "colloc"):
            if getattr(data, name, None) is None:
                raise InvalidArgumentError(
                    f"DataFreeMeshMover training needs data.{name} (see FrontFieldDataset)")
        meshes, _ = self._split(data)
        with torch.enable_grad():
            a = self.coefficients(meshes)
            q = data.colloc.to(a.dtype)  # [B, Q, 2]
            g, h = spectral.derivatives(a, q, self.k)
            hxx, hyy, hxy = h[..., 0, 0], h[..., 1, 1], h[..., 0, 1]
            det = (1 + hxx) * (1 + hyy) - hxy**2
            x = (q + g).clamp(0.0, 1.0)
            mon = data.monitor.to(a.dtype)[:, None, :]  # kind, alpha, scale, theta
            fronts = data.fronts.to(a.dtype)[:, None]  # [B, 1, K, 6]
            ind = torch.where(mon[..., 0] > 0.5, front_hessian_norm(x, fronts),
                              (front_gradient(x, fronts) ** 2).sum(-1))
            m = 1.0 + mon[..., 1] * ind / mon[..., 2]
            residual = ((m * det / mon[..., 3] - 1.0) ** 2).mean()
            convexity = (torch.relu(-(1 + hxx)) ** 2 + torch.relu(-(1 + hyy)) ** 2).mean()
            loss = residual + self.convexity_weight * convexity
        return {"loss": loss, "residual": residual, "convexity": convexity}

    def training_step(self, batch: Data | Batch) -> StepOutput:
        """Monge-Ampere residual + convexity loss; weight = number of collocation points."""
        out = self.monge_ampere_loss(batch)
        return StepOutput(out["loss"], float(batch.colloc.shape[0] * batch.colloc.shape[1]),
                          {"residual": float(out["residual"].detach()),
                           "convexity": float(out["convexity"].detach())})

    def validation_step(self, batch: Data | Batch) -> MetricSums:
        """Sums and counts of ``loss``, ``residual`` and ``convexity`` over collocation points."""
        out = self.monge_ampere_loss(batch)
        n = torch.tensor(float(batch.colloc.shape[0] * batch.colloc.shape[1]))
        return {k: (v.detach() * n, n) for k, v in out.items()}


def _on_sides(ops: _MeshOperators, moved: np.ndarray) -> np.ndarray:
    """Unit-square displacement to ``moved`` [N, 2] with boundary nodes kept on their straight
    side and corners fixed. The cosine potential already does this on the sides of a
    rectangle; on other polygons (an L-shape, a hole) the inner sides need it: [N, 2]."""
    d = ops.boundary.restrict(moved - ops.unit)
    return ops.boundary.clamp(ops.unit + d) - ops.unit


def _untangled_scale(ops: _MeshOperators, points: np.ndarray, disp: np.ndarray,
                     span: np.ndarray, min_area_fraction: float = 1e-3) -> float:
    """:func:`untangle_scale` with a fast exit: one signed-area check against the cached
    reference areas (ratios do not depend on the unit-square scaling) when nothing folds."""
    ratio = _fem.signed_areas(ops.unit + disp / span, ops.triangles) / ops.ref_area
    if ratio.min() > min_area_fraction:
        return 1.0
    return untangle_scale(points, ops.triangles, disp, min_area_fraction)


def _box(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    corner = points.min(0)
    span = points.max(0) - corner
    if not (span > 0).all():
        raise InvalidArgumentError(f"DataFreeMeshMover: the nodes span a degenerate box "
                                   f"(extent {span.tolist()}); need a 2D domain")
    return corner, span


def _delaunay(points: np.ndarray) -> np.ndarray:
    from scipy.spatial import Delaunay

    return orient_counterclockwise(points, Delaunay(points).simplices.astype(np.int64))
