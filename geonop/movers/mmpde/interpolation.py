r"""Learnable interpolation between two node sets of the same graph, exact on linear fields.

MM-PDE moves information from the fixed mesh to the moved mesh and back by interpolation
with learned weights (Hu et al. 2024, "Itp1"/"Itp2"). Here a value at a target point
:math:`q` is a weighted sum over its ``k`` nearest source nodes :math:`p_j`:

.. math::

    f(q) \approx \sum_j w_j f(p_j), \qquad
    w = P\big(\mathrm{softmax}_j(-|r_j|^2 + \mathrm{MLP}(r_j, |r_j|))\big), \quad
    r_j = (p_j - q) / h,

where :math:`P` is the Euclidean projection onto the weights that reproduce constants and
linear functions exactly (:math:`\sum_j w_j = 1`, :math:`\sum_j w_j r_j = 0`):
:math:`P(w) = w - A^\top (A A^\top)^{-1} (A w - b)` with rows of :math:`A` equal to
:math:`1, r_{j,x}, r_{j,y}` and :math:`b = (1, 0, 0)`. Whatever the network learns, a linear
field is interpolated exactly (a consistency condition plain learned kernels lack), and the
network only decides how to spend the remaining degrees of freedom (curvature, upwinding).
At initialisation the MLP's output is small and the weights are those of a Gaussian kernel,
projected.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from geonop.errors import InvalidArgumentError
from geonop.nn import MLP


def knn_indices(source: Tensor, target: Tensor, k: int) -> Tensor:
    """Indices of the ``k`` nearest ``source`` nodes of every ``target`` node, per graph.

    Parameters
    ----------
    source : Tensor of shape [B, Ns, 2]
    target : Tensor of shape [B, Nt, 2]
    k : int

    Returns
    -------
    LongTensor of shape [B, Nt, k]
        Ordered by distance.
    """
    if k > source.shape[1]:
        raise InvalidArgumentError(f"knn_indices: k={k} exceeds the {source.shape[1]} source nodes")
    from scipy.spatial import cKDTree

    # a k-d tree per graph: a dense [Nt, Ns] distance matrix cost more than the network
    src = source.detach().cpu().double().numpy()
    tgt = target.detach().cpu().double().numpy()
    idx = np.stack([cKDTree(s).query(t, k=k)[1].reshape(len(t), k) for s, t in zip(src, tgt)])
    return torch.from_numpy(idx.astype(np.int64)).to(source.device)


class LearnableInterpolation(nn.Module):
    """Kernel interpolation with learned weights, exact on linear fields (module docstring).

    Args:
        neighbors: source nodes per target node (>= 3).
        hidden_channels: width of the weight network.
        feature_channels: channels of an optional per-source-node feature the weight network
            also sees (0: geometry only).

    Shapes:
        - **input:** ``source`` [B, Ns, 2], ``values`` [B, Ns, C], ``target`` [B, Nt, 2],
          ``scale`` (a float: the length that normalises offsets, e.g. the grid spacing)
        - **output:** [B, Nt, C]
    """

    def __init__(self, neighbors: int = 8, hidden_channels: int = 32,
                 feature_channels: int = 0) -> None:
        super().__init__()
        if neighbors < 3:
            raise InvalidArgumentError(f"LearnableInterpolation: neighbors must be >= 3 (linear "
                                       f"exactness needs three points), got {neighbors}")
        self.neighbors = int(neighbors)
        self.hidden_channels = int(hidden_channels)
        self.feature_channels = int(feature_channels)
        self.weight_net = MLP(3 + feature_channels, 1, hidden_channels, 2, activation="gelu",
                              layer_norm=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.weight_net.reset_parameters()
        last = self.weight_net.net[-1]
        with torch.no_grad():  # start as the Gaussian kernel: a small learned correction
            last.weight.mul_(0.01)
            last.bias.zero_()

    def weights(self, source: Tensor, target: Tensor, scale: float,
                features: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """``(index [B, Nt, k], weights [B, Nt, k])`` of every target node."""
        idx = knn_indices(source, target, self.neighbors)
        b = torch.arange(source.shape[0], device=source.device)[:, None, None]
        rel = (source[b, idx] - target[:, :, None, :]) / scale  # [B, Nt, k, 2]
        dist = rel.norm(dim=-1, keepdim=True)
        feats = [rel, dist]
        if self.feature_channels:
            if features is None:
                raise InvalidArgumentError("LearnableInterpolation: this module was built with "
                                           "feature_channels > 0; pass features")
            feats.append(features[b, idx])
        logits = -dist[..., 0] ** 2 + self.weight_net(torch.cat(feats, -1))[..., 0]
        w = torch.softmax(logits, dim=-1)
        return idx, _linear_exact(w, rel)

    def forward(self, source: Tensor, values: Tensor, target: Tensor, scale: float,
                features: Tensor | None = None) -> Tensor:
        if source.dim() != 3 or target.dim() != 3 or values.shape[:2] != source.shape[:2]:
            raise InvalidArgumentError(
                "LearnableInterpolation: need source [B, Ns, 2], values [B, Ns, C] and target "
                f"[B, Nt, 2], got {list(source.shape)}, {list(values.shape)}, "
                f"{list(target.shape)}")
        idx, w = self.weights(source, target, scale, features)
        b = torch.arange(source.shape[0], device=source.device)[:, None, None]
        return (w[..., None] * values[b, idx]).sum(-2)

    def __repr__(self) -> str:
        return (f"LearnableInterpolation(neighbors={self.neighbors}, "
                f"hidden_channels={self.hidden_channels}, "
                f"feature_channels={self.feature_channels})")


def _linear_exact(w: Tensor, rel: Tensor) -> Tensor:
    """Project weights [..., k] onto ``sum w = 1, sum w rel = 0`` (rel [..., k, 2])."""
    a = torch.cat([torch.ones_like(rel[..., :1]), rel], -1).transpose(-1, -2)  # [..., 3, k]
    b = torch.zeros(a.shape[:-1], dtype=w.dtype, device=w.device)
    b[..., 0] = 1.0
    gram = a @ a.transpose(-1, -2)  # [..., 3, 3]
    gram = gram + 1e-9 * torch.eye(3, dtype=w.dtype, device=w.device)
    resid = (a @ w[..., None])[..., 0] - b
    lam = torch.linalg.solve(gram, resid[..., None])  # [..., 3, 1]
    return w - (a.transpose(-1, -2) @ lam)[..., 0]


__all__ = ["LearnableInterpolation", "knn_indices"]
