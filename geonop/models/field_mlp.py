"""A point-wise neural field: position, local inputs and case parameters -> fields.

The simplest operator that can be queried anywhere, and a strong baseline on small
training budgets (it is the "point-wise MLP" of the aerodynamics benchmark). It also
serves as the reference model of the training engine's tests and example.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch_geometric.data import Batch, Data

from geonop.errors import InvalidArgumentError
from geonop.models.base import GeonopModel

_ACTIVATIONS = {"gelu": nn.GELU, "relu": nn.ReLU, "silu": nn.SiLU, "tanh": nn.Tanh}


class FieldMLP(GeonopModel):
    r"""Point-wise neural field with random Fourier features of the position.

    For point :math:`i` of sample :math:`b(i)`, with normalised position :math:`\hat p_i`,
    input fields :math:`\hat x_i` and case parameters :math:`\hat u_b`:

    .. math::

        y_i = \mathrm{MLP}\big([\hat p_i,\ \sin 2\pi B\hat p_i,\ \cos 2\pi B\hat p_i,
              \ \hat x_i,\ \hat u_{b(i)}]\big),
        \qquad B_{jk} \sim \mathcal N(0, \sigma^2)

    (Tancik et al., "Fourier Features Let Networks Learn High Frequency Functions in Low
    Dimensional Domains", https://arxiv.org/abs/2006.10739). Each point is independent,
    so prediction at millions of query points runs in chunks (:attr:`pointwise`).

    Args:
        out_channels: output channels (the concatenated target fields).
        pos_dim: spatial dimension of ``pos`` (default 2).
        in_channels: channels of the per-point input ``x`` (0: none).
        global_channels: channels of the per-sample input ``u`` (0: none).
        hidden_channels: width of the hidden layers (default 64).
        num_layers: number of hidden layers (default 3).
        num_frequencies: Fourier features per sine and cosine (0: position only).
        frequency_scale: standard deviation :math:`\sigma` of the frequencies, in units of
            the normalised position (default 1).
        activation: ``"gelu"``, ``"relu"``, ``"silu"`` or ``"tanh"``.
        seed: seed of the random frequencies.

    Shapes:
        - **input:** ``Data``/``Batch`` with ``pos`` [N, pos_dim], optional ``x``
          [N, in_channels], ``u`` [B, global_channels] and ``batch`` [N]
        - **output:** normalised predictions [N, out_channels]; :meth:`predict` returns raw units
    """

    pointwise = True

    def __init__(
        self,
        out_channels: int,
        pos_dim: int = 2,
        in_channels: int = 0,
        global_channels: int = 0,
        hidden_channels: int = 64,
        num_layers: int = 3,
        num_frequencies: int = 16,
        frequency_scale: float = 1.0,
        activation: str = "gelu",
        seed: int = 0,
    ) -> None:
        super().__init__()
        if out_channels < 1 or pos_dim < 1 or in_channels < 0 or global_channels < 0:
            raise InvalidArgumentError(
                "FieldMLP: out_channels and pos_dim must be >= 1, in_channels and "
                "global_channels >= 0"
            )
        if hidden_channels < 1 or num_layers < 1 or num_frequencies < 0:
            raise InvalidArgumentError(
                "FieldMLP: hidden_channels and num_layers must be >= 1, num_frequencies >= 0"
            )
        if activation not in _ACTIVATIONS:
            raise InvalidArgumentError(
                f"FieldMLP: activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}"
            )
        self.out_channels = out_channels
        self.pos_dim = pos_dim
        self.in_channels = in_channels
        self.global_channels = global_channels
        self.hidden_channels = hidden_channels
        self.num_layers = num_layers
        self.num_frequencies = num_frequencies
        self.frequency_scale = frequency_scale
        self.activation = activation
        self.seed = seed
        g = torch.Generator().manual_seed(seed)
        self.register_buffer(
            "frequencies", torch.randn(pos_dim, num_frequencies, generator=g) * frequency_scale
        )
        width = pos_dim + 2 * num_frequencies + in_channels + global_channels
        layers: list[nn.Module] = []
        for _ in range(num_layers):
            layers += [nn.Linear(width, hidden_channels), _ACTIVATIONS[activation]()]
            width = hidden_channels
        layers.append(nn.Linear(width, out_channels))
        self.mlp = nn.Sequential(*layers)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise the linear layers (PyTorch's default initialisation)."""
        for m in self.mlp:
            if isinstance(m, nn.Linear):
                m.reset_parameters()

    def features(self, data: Data | Batch) -> Tensor:
        """Per-point input of the MLP: tensor of shape [N, pos_dim + 2F + C_in + G]."""
        pos = data.pos
        if pos is None or pos.dim() != 2 or pos.shape[1] != self.pos_dim:
            raise InvalidArgumentError(
                f"FieldMLP expects pos of shape [N, {self.pos_dim}], got "
                f"{None if pos is None else list(pos.shape)}"
            )
        p = self.normalizer.encode("pos", pos).to(self.frequencies.dtype)
        feats = [p]
        if self.num_frequencies:
            phase = (2 * math.pi) * (p @ self.frequencies)
            feats += [torch.sin(phase), torch.cos(phase)]
        if self.in_channels:
            x = getattr(data, "x", None)
            if x is None or x.shape != (pos.shape[0], self.in_channels):
                raise InvalidArgumentError(
                    f"FieldMLP expects x of shape [N, {self.in_channels}], got "
                    f"{None if x is None else list(x.shape)}"
                )
            feats.append(self.normalizer.encode("x", x).to(p.dtype))
        if self.global_channels:
            u = getattr(data, "u", None)
            if u is None or u.dim() != 2 or u.shape[1] != self.global_channels:
                raise InvalidArgumentError(
                    f"FieldMLP expects u of shape [B, {self.global_channels}], got "
                    f"{None if u is None else list(u.shape)}"
                )
            batch = getattr(data, "batch", None)
            if batch is None:
                batch = torch.zeros(pos.shape[0], dtype=torch.long, device=pos.device)
            feats.append(self.normalizer.encode("u", u).to(p.dtype)[batch])
        return torch.cat(feats, dim=-1)

    def forward(self, data: Data | Batch) -> Tensor:
        """Normalised predictions: tensor of shape [N, out_channels]."""
        return self.mlp(self.features(data))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(out_channels={self.out_channels}, pos_dim={self.pos_dim}, "
            f"in_channels={self.in_channels}, global_channels={self.global_channels}, "
            f"hidden_channels={self.hidden_channels}, num_layers={self.num_layers}, "
            f"num_frequencies={self.num_frequencies})"
        )
