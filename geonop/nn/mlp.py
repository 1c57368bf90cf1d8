"""Multi-layer perceptron with an optional LayerNorm on its output (the GNS building block)."""

from __future__ import annotations

from torch import Tensor, nn

from geonop.errors import InvalidArgumentError

_ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "silu": nn.SiLU, "tanh": nn.Tanh}


class MLP(nn.Module):
    r"""``Linear -> act -> ... -> Linear [-> LayerNorm]``.

    As in GNS ("Learning to Simulate Complex Physics with Graph Networks",
    https://arxiv.org/abs/2002.09405), every encoder, edge/node update and decoder is such an
    MLP; the LayerNorm on the output keeps latent magnitudes stable over many residual steps.

    Args:
        in_channels: input width.
        out_channels: output width.
        hidden_channels: width of the hidden layers (default 128).
        num_hidden_layers: number of hidden layers (default 2; 0 gives one linear layer).
        activation: ``"relu"``, ``"gelu"``, ``"silu"`` or ``"tanh"``.
        layer_norm: apply LayerNorm to the output (default True; off for decoders).

    Shapes:
        - **input:** [..., in_channels]
        - **output:** [..., out_channels]
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        hidden_channels: int = 128,
        num_hidden_layers: int = 2,
        activation: str = "relu",
        layer_norm: bool = True,
    ) -> None:
        super().__init__()
        if in_channels < 1 or out_channels < 1 or hidden_channels < 1 or num_hidden_layers < 0:
            raise InvalidArgumentError(
                "MLP: in/out/hidden channels must be >= 1 and num_hidden_layers >= 0, got "
                f"{in_channels}, {out_channels}, {hidden_channels}, {num_hidden_layers}"
            )
        if activation not in _ACTIVATIONS:
            raise InvalidArgumentError(
                f"MLP: activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.hidden_channels = hidden_channels
        self.num_hidden_layers = num_hidden_layers
        self.activation = activation
        self.layer_norm = layer_norm
        layers: list[nn.Module] = []
        width = in_channels
        for _ in range(num_hidden_layers):
            layers += [nn.Linear(width, hidden_channels), _ACTIVATIONS[activation]()]
            width = hidden_channels
        layers.append(nn.Linear(width, out_channels))
        if layer_norm:
            layers.append(nn.LayerNorm(out_channels))
        self.net = nn.Sequential(*layers)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise every linear and LayerNorm layer."""
        for m in self.net:
            if isinstance(m, (nn.Linear, nn.LayerNorm)):
                m.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        """Tensor of shape [..., in_channels] -> [..., out_channels]."""
        return self.net(x)

    def __repr__(self) -> str:
        return (
            f"MLP({self.in_channels}, {self.out_channels}, hidden_channels={self.hidden_channels}, "
            f"num_hidden_layers={self.num_hidden_layers}, activation={self.activation!r}, "
            f"layer_norm={self.layer_norm})"
        )
