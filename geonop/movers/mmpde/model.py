r"""MM-PDE: a two-branch graph neural solver of 2D Burgers on a moving mesh.

After Hu, Wang and Ma, "Better Neural PDE Solvers Through Data-Free Mesh Movers" (ICLR 2024,
https://arxiv.org/abs/2312.05583). One step maps the state :math:`u^k` on the fixed
periodic grid to :math:`u^{k+1}`:

1. **mover**: nodes :math:`x` placed from :math:`u^k` by the classical Monge-Ampere mover
   (:func:`~geonop.movers.mmpde.moving.move_grid`; computed outside the network, cached
   for training data, recomputed from the prediction at every rollout step);
2. **moving branch**: :math:`u^k` interpolated to the moved nodes (learnable interpolation
   "Itp1", :class:`~geonop.movers.mmpde.interpolation.LearnableInterpolation`), encoded with
   the node's displacement, processed by interaction networks on the moved graph (edge
   features: moved offsets and lengths), and the latents interpolated back to the fixed
   nodes ("Itp2", a second learnable interpolation);
3. **fixed branch**: the same kind of processor on the fixed grid;
4. **decoder**: an MLP of both branches' latents at the fixed nodes gives the normalised
   increment; :math:`u^{k+1} = u^k + \Delta u` (the skip connection plays the role of the
   paper's "residual cut": the state never has to survive two interpolations).

Both branches use the same 8-neighbour periodic graph (the mover keeps connectivity; edge
offsets are taken with the periodic minimum-image convention). The **baseline** is this same
network with ``mover="identity"``: the moving branch then runs on the fixed nodes, with the
same parameters and cost, so any difference comes from where the nodes are.

Shapes:
    - **input:** a (batched) ``Data`` with ``x`` [B * N, 1] (the state), ``pos`` [B * N, 2]
      (fixed nodes), ``moved`` [B * N, 2] (moved nodes), ``batch`` [B * N]; ``N = n * n``
      nodes of the periodic ``n x n`` grid in the order of ``u.reshape(-1)``
    - **output:** normalised increment [B * N, 1]
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Batch, Data

from geonop.errors import InvalidArgumentError
from geonop.models.base import GeonopModel, MetricSums, StepOutput
from geonop.movers.mmpde.interpolation import LearnableInterpolation
from geonop.movers.mmpde.moving import MOVERS, grid_mesh, move_grid
from geonop.nn import MLP, InteractionNetwork


@lru_cache(maxsize=8)
def periodic_grid_edges(n: int) -> Tensor:
    """Both-direction edges of the 8-neighbour periodic ``n x n`` grid: LongTensor [2, 8 n^2]
    (``source; target``, nodes numbered as ``u.reshape(-1)``)."""
    j, i = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    dst = (j * n + i).ravel()
    src = []
    for dj, di in ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (1, -1), (-1, 1), (-1, -1)):
        src.append((((j + dj) % n) * n + (i + di) % n).ravel())
    s = np.concatenate(src)
    d = np.tile(dst, 8)
    return torch.from_numpy(np.stack([s, d])).long()


def _edge_features(pos: Tensor, edge_index: Tensor, h: float) -> Tensor:
    """Minimum-image offsets over ``h`` and their lengths: [E, 3]."""
    d = pos[edge_index[0]] - pos[edge_index[1]]
    d = d - torch.round(d)  # the unit-periodic box
    d = d / h
    return torch.cat([d, d.norm(dim=-1, keepdim=True)], -1)


class MMPDE(GeonopModel):
    """Two-branch moving-mesh neural solver of 2D Burgers (see the module docstring).

    Args:
        hidden_channels: latent width (default 32).
        num_layers: interaction-network layers per branch (default 2).
        neighbors: source nodes of each learnable interpolation (default 8).
        mover: ``"monge_ampere"`` (MM-PDE) or ``"identity"`` (the fixed-mesh baseline).
        alpha: monitor strength of the mover (``1 + alpha |grad u|^2 / max``), used in
            :meth:`rollout`; training data must be moved with the same settings
            (:class:`~geonop.movers.mmpde.dataset.BurgersTransitions`).
        smoothing: smoothing passes of that monitor.
        mover_iterations: relaxation steps of the mover.
        interpolation_channels: hidden width of the interpolation weight networks (default 16).

    Examples
    --------
    >>> model = MMPDE(mover="monge_ampere")
    >>> frames = model.rollout(u0, steps=10)          # [11, n, n]
    """

    def __init__(self, hidden_channels: int = 32, num_layers: int = 2, neighbors: int = 8,
                 mover: str = "monge_ampere", alpha: float = 5.0, smoothing: int = 1,
                 mover_iterations: int = 60, interpolation_channels: int = 16) -> None:
        super().__init__()
        if mover not in MOVERS:
            raise InvalidArgumentError(f"MMPDE: mover must be one of {MOVERS}, got {mover!r}")
        if hidden_channels < 1 or num_layers < 1:
            raise InvalidArgumentError(f"MMPDE: need hidden_channels >= 1 and num_layers >= 1, "
                                       f"got {hidden_channels}, {num_layers}")
        c = int(hidden_channels)
        self.hidden_channels, self.num_layers, self.neighbors = c, int(num_layers), int(neighbors)
        self.mover = mover
        self.mover_args = {"mover": mover, "alpha": float(alpha), "smoothing": int(smoothing),
                           "max_iterations": int(mover_iterations)}
        self.fixed_node_encoder = MLP(1, c, c, 1)
        self.moved_node_encoder = MLP(3, c, c, 1)
        self.fixed_edge_encoder = MLP(3, c, c, 1)
        self.moved_edge_encoder = MLP(3, c, c, 1)
        self.fixed_layers = torch.nn.ModuleList(
            [InteractionNetwork(c, hidden_channels=c, num_hidden_layers=1) for _ in range(num_layers)])
        self.moved_layers = torch.nn.ModuleList(
            [InteractionNetwork(c, hidden_channels=c, num_hidden_layers=1) for _ in range(num_layers)])
        self.to_moved = LearnableInterpolation(neighbors, interpolation_channels)
        self.to_fixed = LearnableInterpolation(neighbors, interpolation_channels)
        self.decoder = MLP(2 * c, 1, c, 2, layer_norm=False)

    def __repr__(self) -> str:
        return (f"MMPDE(hidden_channels={self.hidden_channels}, num_layers={self.num_layers}, "
                f"neighbors={self.neighbors}, mover={self.mover!r})")

    # -- network --------------------------------------------------------------------------
    def _shape(self, data: Data | Batch) -> tuple[int, int, int]:
        num_graphs = int(getattr(data, "num_graphs", 1) or 1)
        total = data.x.shape[0]
        n = round(float(np.sqrt(total // num_graphs)))
        if total % num_graphs or n * n * num_graphs != total or data.x.shape[-1] != 1:
            raise InvalidArgumentError(
                f"MMPDE: expected {num_graphs} periodic n x n grids with one channel, got x of "
                f"shape {list(data.x.shape)}")
        for name in ("pos", "moved"):
            v = getattr(data, name, None)
            if v is None or tuple(v.shape) != (total, 2):
                raise InvalidArgumentError(f"MMPDE: data.{name} must have shape [{total}, 2], got "
                                           f"{None if v is None else list(v.shape)}")
        return num_graphs, n, n * n

    def forward(self, data: Data | Batch) -> Tensor:
        b, n, nn_ = self._shape(data)
        h = 1.0 / n
        dtype = self.decoder.net[0].weight.dtype
        u = self.normalizer.encode("x", data.x.to(dtype))
        pos, moved = data.pos.to(dtype), data.moved.to(dtype)
        base = periodic_grid_edges(n).to(u.device)
        offsets = (torch.arange(b, device=u.device) * nn_).repeat_interleave(base.shape[1])
        edges = base.repeat(1, b) + offsets

        hf = self.fixed_node_encoder(u)
        ef = self.fixed_edge_encoder(_edge_features(pos, edges, h))
        for layer in self.fixed_layers:
            hf, ef = layer(hf, edges, ef)

        p3, m3 = pos.reshape(b, nn_, 2), moved.reshape(b, nn_, 2)
        um = self.to_moved(p3, u.reshape(b, nn_, 1), m3, h).reshape(-1, 1)
        hm = self.moved_node_encoder(torch.cat([um, (moved - pos) / h], -1))
        em = self.moved_edge_encoder(_edge_features(moved, edges, h))
        for layer in self.moved_layers:
            hm, em = layer(hm, edges, em)
        hb = self.to_fixed(m3, hm.reshape(b, nn_, -1), p3, h).reshape(-1, hm.shape[-1])
        return self.decoder(torch.cat([hf, hb], -1))

    # -- training ---------------------------------------------------------------------------
    def training_step(self, batch: Data | Batch) -> StepOutput:
        """MSE of the normalised increment ``y - x``; weight = number of nodes."""
        target = self.normalizer.encode("dy", (batch.y - batch.x).float())
        loss = torch.mean((self(batch).float() - target) ** 2)
        return StepOutput(loss, float(target.numel()))

    @torch.no_grad()
    def validation_step(self, batch: Data | Batch) -> MetricSums:
        """``loss`` (as in training) and ``rel_l2/u``: relative L2 error of the next state
        per sample, averaged over samples."""
        pred_n = self(batch).float()
        target_n = self.normalizer.encode("dy", (batch.y - batch.x).float())
        nxt = batch.x.float() + self.normalizer.decode("dy", pred_n)
        b = int(getattr(batch, "num_graphs", 1) or 1)
        err = ((nxt - batch.y.float()) ** 2).reshape(b, -1).sum(1)
        ref = (batch.y.float() ** 2).reshape(b, -1).sum(1).clamp_min(1e-30)
        n_val = torch.tensor(float(target_n.numel()))
        return {"loss": (((pred_n - target_n) ** 2).sum(), n_val),
                "rel_l2/u": (torch.sqrt(err / ref).sum(), torch.tensor(float(b)))}

    @torch.no_grad()
    def predict(self, data: Data | Batch) -> Tensor:
        """The next state in raw units: [B * N, 1]."""
        self.eval()
        return data.x.float() + self.normalizer.decode("dy", self(data).float())

    # -- time stepping -------------------------------------------------------------------------
    def place_nodes(self, u: np.ndarray) -> np.ndarray:
        """This model's moving-branch nodes for a state [n, n]: [n * n, 2]."""
        return move_grid(u, **self.mover_args)

    @torch.no_grad()
    def step(self, u: np.ndarray | Tensor, moved: np.ndarray | None = None) -> np.ndarray:
        """One step from states [n, n] or [B, n, n]: the next states, same shape (numpy)."""
        arr = u.detach().cpu().numpy() if isinstance(u, Tensor) else np.asarray(u)
        single = arr.ndim == 2
        arr = arr[None] if single else arr
        if arr.ndim != 3 or arr.shape[1] != arr.shape[2]:
            raise InvalidArgumentError(f"MMPDE.step: states must have shape [n, n] or [B, n, n], "
                                       f"got {list(np.shape(u))}")
        b, n = arr.shape[0], arr.shape[1]
        if moved is None:
            moved = np.stack([self.place_nodes(a) for a in arr])
        pos = np.broadcast_to(grid_mesh(n)[0], (b, n * n, 2))
        data = Batch.from_data_list([
            Data(x=torch.as_tensor(arr[k].reshape(-1, 1), dtype=torch.float32),
                 pos=torch.tensor(pos[k], dtype=torch.float32),
                 moved=torch.as_tensor(np.asarray(moved[k]).reshape(-1, 2), dtype=torch.float32))
            for k in range(b)])
        out = self.predict(data).reshape(b, n, n).cpu().numpy()
        return out[0] if single else out

    def rollout(self, u0: np.ndarray | Tensor, steps: int, return_meshes: bool = False,
                progress: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Autoregressive prediction: the mover places nodes from each predicted state.

        Parameters
        ----------
        u0 : ndarray of shape [n, n] or [B, n, n]
        steps : int
        return_meshes : bool
            Also return the moved nodes used at every step.
        progress : bool
            Progress bar.

        Returns
        -------
        frames : ndarray of shape [steps + 1, (B,) n, n]
            ``frames[0] = u0``.
        meshes : ndarray of shape [steps, (B,) n * n, 2]
            Only with ``return_meshes``.
        """
        from tqdm import tqdm

        if int(steps) < 0:
            raise InvalidArgumentError(f"MMPDE.rollout: steps must be >= 0, got {steps}")
        u = u0.detach().cpu().numpy() if isinstance(u0, Tensor) else np.asarray(u0, np.float32)
        frames, meshes = [u], []
        for _ in tqdm(range(int(steps)), desc="rollout", disable=not progress, unit="step"):
            cur = frames[-1]
            batch = cur[None] if cur.ndim == 2 else cur
            moved = np.stack([self.place_nodes(a) for a in batch])
            meshes.append(moved[0] if cur.ndim == 2 else moved)
            frames.append(self.step(cur, moved))
        out = np.stack(frames)
        if return_meshes:
            n = out.shape[-1]
            empty = np.zeros((0,) + out.shape[1:-2] + (n * n, 2), np.float32)
            return out, (np.stack(meshes) if meshes else empty)
        return out


__all__ = ["MMPDE", "periodic_grid_edges"]
