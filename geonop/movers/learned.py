r"""A data-free learned Monge-Ampere mesh mover that works on any mesh or point cloud.

After "Better Neural PDE Solvers Through Data-Free Mesh Movers" (Hu et al., ICLR 2024,
https://arxiv.org/abs/2312.05583): a network maps the field on a mesh to a potential
:math:`\phi(\xi)` and the mesh moves to :math:`x = \xi + \nabla\phi(\xi)`. It is trained on
the Monge-Ampere equation alone, with no optimal meshes:

.. math::

    \mathcal L = \Big\langle \Big(\frac{m(x)\det(I + H\phi)}{\theta} - 1\Big)^2 \Big\rangle
      + \lambda_c \big\langle \min(0, 1 + \phi_{xx})^2 + \min(0, 1 + \phi_{yy})^2 \big\rangle,

at collocation points, with :math:`\nabla\phi` and :math:`H\phi` by automatic differentiation.

What differs from the published DMM:

- **any mesh size.** The field is read by a graph encoder (two rounds of messages along mesh
  edges, or k-nearest-neighbour edges for a point cloud) into local features, whose cosine
  transform over the nodes (a mean over nodes, so any node count works) is mapped to the
  cosine coefficients of the potential, per mode and through a nonlinear mixing of all modes,
  divided by the mode's Laplacian eigenvalue (so the linearised equation
  :math:`\Delta\phi = \theta/m - 1` is a per-mode constant). It is a one-layer spectral
  neural operator; nothing depends on a grid or a node count.
- **hard boundary condition.** The potential is a sum of
  :math:`\cos(k\pi\hat\xi_x)\cos(l\pi\hat\xi_y)` (coordinates normalised to the unit
  square), whose normal derivatives vanish on the sides, so :math:`\partial\phi/\partial n = 0`
  exactly: boundary nodes slide along their side and corners stay put, whatever the weights.
  The boundary loss of DMM is identically zero and is not needed.
- **never tangles.** At inference every cell's signed area is checked and the displacement is
  scaled back by bisection until none is non-positive
  (:func:`~geonop.movers.untangle.untangle_scale`).
- **invariances.** Coordinates are normalised per sample to the unit square and field values
  to ``[0, 1]``; both monitors are invariant to an affine change of the field.

Domains are rectangles (axis-aligned, any aspect ratio): the map is computed on the unit
square and scaled back.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
from torch import Tensor, nn
from torch_geometric.data import Batch, Data

from geonop.errors import InvalidArgumentError
from geonop.models.base import GeonopModel, MetricSums, StepOutput
from geonop.movers._fem import check_mesh
from geonop.movers.dataset import mesh_data
from geonop.movers.fields import front_gradient, front_hessian_norm
from geonop.movers.grids import orient_counterclockwise
from geonop.movers.monge_ampere import MoveResult
from geonop.movers.untangle import untangle_scale
from geonop.nn.mlp import MLP
from geonop.utils.scatter import scatter


def _per_graph_unit(values: Tensor, batch: Tensor, num_graphs: int) -> tuple[Tensor, Tensor, Tensor]:
    """Affine map of ``values`` [N, C] to [0, 1] per graph and channel: (scaled, low, span)."""
    lo = scatter(values, batch, 0, num_graphs, "min")
    hi = scatter(values, batch, 0, num_graphs, "max")
    span = (hi - lo).clamp_min(1e-12)
    return (values - lo[batch]) / span[batch], lo, span


class DataFreeMeshMover(GeonopModel):
    r"""Learned Monge-Ampere mover: (nodes, field) -> potential -> moved nodes.

    Args:
        hidden_channels: width of the message-passing encoder (default 64).
        spectral_channels: local feature channels whose cosine transform is taken (default 8).
        num_modes: cosine modes per axis, ``k, l = 0..num_modes - 1`` (default 16).
        mixing_channels: width of the nonlinear mode mixing (default 256).
        knn: neighbours per node when a point cloud has no edges (default 8).
        convexity_weight: :math:`\lambda_c` (default 1).
        output_scale: factor on the potential's coefficients (default 1; the spectral weights
            start at zero, i.e. at the identity map).

    Shapes:
        - **input:** ``Data``/``Batch`` with ``pos`` [N, 2], ``x`` [N, 1] (field values),
          optional ``edge_index`` [2, E], ``face`` [3, F] and ``batch`` [N]; for training also
          ``fronts`` [B, K, 6], ``monitor`` [B, 4] and ``colloc`` [B, Q, 2]
          (see :class:`~geonop.movers.dataset.FrontFieldDataset`)
        - **output:** :meth:`forward`: displacement [N, 2] before the no-tangling check;
          :meth:`predict`: moved nodes [N, 2]; :meth:`move`: a :class:`MoveResult`
    """

    def __init__(self, hidden_channels: int = 64, spectral_channels: int = 8,
                 num_modes: int = 16, mixing_channels: int = 256, knn: int = 8,
                 convexity_weight: float = 1.0, output_scale: float = 1.0) -> None:
        super().__init__()
        if min(hidden_channels, spectral_channels, num_modes - 1, mixing_channels, knn) < 1:
            raise InvalidArgumentError(
                "DataFreeMeshMover: hidden_channels, spectral_channels, mixing_channels and knn "
                "must be >= 1 and num_modes >= 2")
        if convexity_weight < 0 or not output_scale > 0:
            raise InvalidArgumentError("DataFreeMeshMover: need convexity_weight >= 0 and "
                                       "output_scale > 0")
        self.hidden_channels = hidden_channels
        self.spectral_channels = spectral_channels
        self.num_modes = num_modes
        self.mixing_channels = mixing_channels
        self.knn = knn
        self.convexity_weight = convexity_weight
        self.output_scale = output_scale
        h = hidden_channels
        # round 1 edge input: unit direction (2), slope of the normalised field, both values
        self.edge_mlp1 = MLP(5, h, h, 1, activation="silu", layer_norm=False)
        self.node_mlp1 = MLP(1 + h, h, h, 1, activation="silu", layer_norm=False)
        self.edge_mlp2 = MLP(2 * h + 2, h, h, 1, activation="silu", layer_norm=False)
        self.node_mlp2 = MLP(2 * h, spectral_channels, h, 1, activation="silu", layer_norm=False)
        k = torch.arange(num_modes, dtype=torch.float64)
        kx, ky = torch.meshgrid(k, k, indexing="ij")
        keep = (kx + ky) > 0  # the constant mode does not move the mesh
        # pi k rounded once from float64, so that double models have sin(pi k) ~ 1e-16
        self.register_buffer("kx", (math.pi * kx[keep]).float())
        self.register_buffer("ky", (math.pi * ky[keep]).float())
        num_basis = int(keep.sum())
        # inverse Laplacian of each mode: the linearised Monge-Ampere equation
        # Laplacian(phi) = theta / m - 1 is then a per-mode constant the network can learn
        self.register_buffer("inverse_laplacian", 1.0 / (self.kx**2 + self.ky**2))
        self.mode_weight = nn.Parameter(torch.zeros(spectral_channels, num_basis))
        self.mixing = nn.Sequential(
            nn.Linear(spectral_channels * num_basis, mixing_channels), nn.Tanh(),
            nn.Linear(mixing_channels, num_basis))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise all layers (PyTorch defaults; the spectral weights start at zero,
        i.e. at the identity map)."""
        for m in self.modules():
            if isinstance(m, nn.Linear):
                m.reset_parameters()
        nn.init.zeros_(self.mode_weight)
        nn.init.zeros_(self.mixing[-1].weight)
        nn.init.zeros_(self.mixing[-1].bias)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(hidden_channels={self.hidden_channels}, "
                f"spectral_channels={self.spectral_channels}, num_modes={self.num_modes}, "
                f"mixing_channels={self.mixing_channels})")

    # -- encoder ----------------------------------------------------------------------------
    def _graph(self, data: Data | Batch) -> tuple[Tensor, Tensor, Tensor, Tensor, int]:
        pos = getattr(data, "pos", None)
        u = getattr(data, "x", None)
        if pos is None or pos.dim() != 2 or pos.shape[1] != 2:
            raise InvalidArgumentError(f"DataFreeMeshMover expects pos of shape [N, 2], got "
                                       f"{None if pos is None else list(pos.shape)}")
        if u is None or u.shape not in ((pos.shape[0], 1), (pos.shape[0],)):
            raise InvalidArgumentError(f"DataFreeMeshMover expects field values x of shape "
                                       f"[{pos.shape[0]}, 1], got {None if u is None else list(u.shape)}")
        batch = getattr(data, "batch", None)
        if batch is None:
            batch = torch.zeros(pos.shape[0], dtype=torch.long, device=pos.device)
        num_graphs = int(getattr(data, "num_graphs", None) or int(batch.max()) + 1)
        edge_index = getattr(data, "edge_index", None)
        if edge_index is None:
            from geonop.graph import knn_graph

            edge_index = knn_graph(pos.detach(), min(self.knn, pos.shape[0] - 1), batch)
        return pos, u.reshape(-1, 1), batch, edge_index, num_graphs

    def _normalised(self, data: Data | Batch) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, int]:
        pos, u, batch, edge_index, num_graphs = self._graph(data)
        dtype = self.mode_weight.dtype
        xi, _, span = _per_graph_unit(pos.to(dtype), batch, num_graphs)
        uh, _, _ = _per_graph_unit(u.to(dtype), batch, num_graphs)
        return xi, uh, batch, edge_index, span, num_graphs

    def basis(self, xi: Tensor) -> Tensor:
        """Cosine modes ``cos(k pi x) cos(l pi y)`` at unit-square points [P, 2]: [P, M]."""
        return torch.cos(xi[:, :1] * self.kx) * torch.cos(xi[:, 1:] * self.ky)

    def encode(self, xi: Tensor, uh: Tensor, edge_index: Tensor, batch: Tensor,
               num_graphs: int) -> Tensor:
        """Cosine coefficients of the potential of each graph: Tensor of shape [B, M].

        Two rounds of messages along the edges turn the field into local features (a
        learned stand-in for the monitor); their cosine transform over the nodes (a mean, so
        any number of nodes works) is mapped per mode, plus a nonlinear mixing of all modes,
        to the coefficients of the potential.
        """
        src, dst = edge_index
        d = xi[src] - xi[dst]
        length = d.norm(dim=1, keepdim=True).clamp_min(1e-9)
        # slopes of a front of width w are ~1/w: tanh(0.02 slope) separates fronts from
        # the flat field on every mesh resolution
        slope = torch.tanh(0.02 * (uh[src] - uh[dst]) / length)
        n = xi.shape[0]
        msg = self.edge_mlp1(torch.cat([d / length, slope, uh[src], uh[dst]], 1))
        h = self.node_mlp1(torch.cat([uh, scatter(msg, dst, 0, n, "mean")], 1))
        msg = self.edge_mlp2(torch.cat([h[src], h[dst], d / length], 1))
        f = self.node_mlp2(torch.cat([h, scatter(msg, dst, 0, n, "mean")], 1))  # [N, C]
        # cosine transform as one matrix product: [B, N] node weights (a mean per graph)
        weight = torch.zeros(num_graphs, n, dtype=f.dtype, device=f.device)
        weight[batch, torch.arange(n, device=f.device)] = 1.0
        weight = weight / weight.sum(1, keepdim=True)
        c = f.shape[1]
        proj = ((weight.unsqueeze(1) * f.t().unsqueeze(0)).reshape(num_graphs * c, n)
                @ self.basis(xi)).reshape(num_graphs, c, -1)  # [B, C, M]
        coeff = (proj * self.mode_weight).sum(1) + self.mixing(proj.flatten(1))
        return self.output_scale * coeff * self.inverse_laplacian

    def potential(self, xi: Tensor, coefficients: Tensor) -> Tensor:
        """The potential at unit-square points ``xi`` [P, 2] for per-point coefficients
        ``coefficients`` [P, M]: [P]. A sum of cosines, so its normal derivative vanishes on
        the sides of the square."""
        return (self.basis(xi) * coefficients).sum(-1)

    def potential_derivatives(self, xi: Tensor, coefficients: Tensor,
                              hessian: bool = False) -> tuple[Tensor, Tensor | None]:
        """Exact gradient [P, 2] and, if asked, Hessian [P, 2, 2] of :meth:`potential`.

        Differentiating the cosine series term by term is exact and far cheaper than
        automatic differentiation (no double backward in training).
        """
        ax, ay = xi[:, :1] * self.kx, xi[:, 1:] * self.ky
        cx, sx, cy, sy = torch.cos(ax), torch.sin(ax), torch.cos(ay), torch.sin(ay)
        gx = -(coefficients * self.kx * sx * cy).sum(-1)
        gy = -(coefficients * self.ky * cx * sy).sum(-1)
        grad = torch.stack([gx, gy], -1)
        if not hessian:
            return grad, None
        ccb = coefficients * cx * cy
        hxx = -(ccb * self.kx**2).sum(-1)
        hyy = -(ccb * self.ky**2).sum(-1)
        hxy = (coefficients * self.kx * self.ky * sx * sy).sum(-1)
        return grad, torch.stack([torch.stack([hxx, hxy], -1), torch.stack([hxy, hyy], -1)], -2)

    # -- moving ----------------------------------------------------------------------------
    def _unit_displacement(self, data: Data | Batch) -> tuple[Tensor, Tensor]:
        xi, uh, batch, edge_index, span, num_graphs = self._normalised(data)
        z = self.encode(xi, uh, edge_index, batch, num_graphs)
        q = xi.detach()
        grad, _ = self.potential_derivatives(q, z[batch])
        # the map must stay in the square; clamping only acts on round-off at the sides
        moved = (q + grad).clamp(0.0, 1.0)
        disp = (moved - q) * span[batch]
        return (disp if self.training else disp.detach()), batch

    def forward(self, data: Data | Batch) -> Tensor:
        """Displacement of every node in physical units, before the no-tangling check:
        Tensor of shape [N, 2]."""
        return self._unit_displacement(data)[0]

    @torch.no_grad()
    def predict(self, data: Data | Batch) -> Tensor:
        """Moved nodes [N, 2], with every cell's signed area kept positive (``face`` [3, F]
        when given, else a Delaunay triangulation of each graph's nodes)."""
        self.eval()
        disp, batch = self._unit_displacement(data)
        pos = data.pos.detach().double().cpu().numpy()
        disp_np = disp.detach().double().cpu().numpy()
        face = getattr(data, "face", None)
        b = batch.cpu().numpy()
        out = pos.copy()
        for g in np.unique(b):
            nodes = np.nonzero(b == g)[0]
            if face is not None:
                f = face.t().cpu().numpy()
                f = f[np.isin(f[:, 0], nodes)] - nodes[0]
            else:
                f = _delaunay(pos[nodes])
            s = untangle_scale(pos[nodes], f, disp_np[nodes])
            out[nodes] = pos[nodes] + s * disp_np[nodes]
        return torch.as_tensor(out, dtype=data.pos.dtype, device=data.pos.device)

    def move(self, points: np.ndarray, values: np.ndarray,
             triangles: np.ndarray | None = None) -> MoveResult:
        """Move a mesh (or point cloud) of a rectangle to adapt to a field.

        Parameters
        ----------
        points : ndarray of shape [N, 2]
        values : ndarray of shape [N]
            The field at the nodes.
        triangles : ndarray of shape [F, 3], optional
            Counter-clockwise cells. Without them the nodes are treated as a point cloud: the
            encoder uses k-nearest-neighbour edges and tangling is checked on their Delaunay
            triangulation.

        Returns
        -------
        MoveResult
            ``phi`` is None; ``scale`` is the factor of the no-tangling check.
        """
        t0 = time.perf_counter()
        pts = np.asarray(points, dtype=np.float64)
        vals = np.asarray(values, dtype=np.float64).reshape(-1)
        if vals.shape != (len(pts),) or not np.isfinite(vals).all():
            raise InvalidArgumentError(f"move: values must be finite with shape [{len(pts)}], "
                                       f"got {list(vals.shape)}")
        if triangles is None:
            if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3:
                raise InvalidArgumentError(f"move: points must have shape [N >= 3, 2], got "
                                           f"{list(pts.shape)}")
            tri = _delaunay(pts)
            data = Data(pos=torch.as_tensor(pts, dtype=torch.float32),
                        x=torch.as_tensor(vals, dtype=torch.float32).reshape(-1, 1))
        else:
            pts, tri = check_mesh(pts, triangles, "DataFreeMeshMover.move")
            data = mesh_data(pts, tri, vals)
        self.eval()
        with torch.no_grad():
            disp = self(data).double().numpy()
        s = untangle_scale(pts, tri, disp)
        return MoveResult(points=pts + s * disp, scale=s, seconds=time.perf_counter() - t0)

    # -- training ----------------------------------------------------------------------------
    def monge_ampere_loss(self, data: Data | Batch) -> dict[str, Tensor]:
        """The data-free losses at the collocation points of a batch: ``residual`` (mean squared
        Monge-Ampere residual), ``convexity`` and ``loss`` (their weighted sum), each a scalar."""
        for name in ("fronts", "monitor", "colloc"):
            if getattr(data, name, None) is None:
                raise InvalidArgumentError(
                    f"DataFreeMeshMover training needs data.{name} (see FrontFieldDataset)")
        xi, uh, batch, edge_index, _, num_graphs = self._normalised(data)
        with torch.enable_grad():
            z = self.encode(xi, uh, edge_index, batch, num_graphs)
            colloc = data.colloc.to(z.dtype)  # [B, Q, 2]
            nb, nq = colloc.shape[:2]
            q = colloc.reshape(-1, 2).detach()
            owner = torch.arange(nb, device=q.device).repeat_interleave(nq)
            g, h = self.potential_derivatives(q, z[owner], hessian=True)
            hx, hy = h[:, 0], h[:, 1]
            det = (1 + hx[:, 0]) * (1 + hy[:, 1]) - hx[:, 1] * hy[:, 0]
            x = q + g
            mon = data.monitor.to(z.dtype)[owner]  # kind, alpha, scale, theta
            fronts = data.fronts.to(z.dtype)[owner]
            ind = torch.where(mon[:, 0] > 0.5, front_hessian_norm(x, fronts),
                              (front_gradient(x, fronts) ** 2).sum(-1))
            m = 1.0 + mon[:, 1] * ind / mon[:, 2]
            residual = ((m * det / mon[:, 3] - 1.0) ** 2).mean()
            convexity = (torch.relu(-(1 + hx[:, 0])) ** 2 + torch.relu(-(1 + hy[:, 1])) ** 2).mean()
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


def _delaunay(points: np.ndarray) -> np.ndarray:
    from scipy.spatial import Delaunay

    return orient_counterclockwise(points, Delaunay(points).simplices.astype(np.int64))
