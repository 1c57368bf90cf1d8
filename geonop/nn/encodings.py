"""Deterministic feature encodings of positions and distances.

* :class:`FourierEncoding`: sines and cosines of coordinates at geometrically spaced
  wavelengths (NeRF/transformer style, fixed, so a model is resolution-free).
* :class:`DistanceEncoding`: ``tanh(d / s)`` at several length scales ``s``: resolves both
  a boundary layer (``s`` ~ 1e-3) and the far field (``s`` ~ 1) of a signed distance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from geonop.errors import InvalidArgumentError


class FourierEncoding(nn.Module):
    r"""``[x, sin(2 pi x_k / lambda_j), cos(2 pi x_k / lambda_j)]`` for every coordinate.

    Wavelengths :math:`\lambda_j` are spaced geometrically from ``max_wavelength`` down to
    ``min_wavelength`` (in the units of the coordinates).

    Args:
        dim: number of coordinates.
        num_frequencies: wavelengths per coordinate.
        min_wavelength: the finest wavelength.
        max_wavelength: the coarsest wavelength.
        include_input: prepend the raw coordinates.

    Shapes:
        - **input:** [..., dim]
        - **output:** [..., out_channels] with
          ``out_channels = dim * (2 * num_frequencies + include_input)``
    """

    def __init__(self, dim: int, num_frequencies: int = 12, min_wavelength: float = 0.01,
                 max_wavelength: float = 50.0, include_input: bool = True) -> None:
        super().__init__()
        if dim < 1 or num_frequencies < 0:
            raise InvalidArgumentError(f"FourierEncoding: dim >= 1 and num_frequencies >= 0, "
                                       f"got {dim}, {num_frequencies}")
        if not 0 < min_wavelength <= max_wavelength:
            raise InvalidArgumentError("FourierEncoding: need 0 < min_wavelength <= max_wavelength")
        self.dim = dim
        self.num_frequencies = num_frequencies
        self.min_wavelength = min_wavelength
        self.max_wavelength = max_wavelength
        self.include_input = include_input
        wl = torch.logspace(math.log10(max_wavelength), math.log10(min_wavelength),
                            max(num_frequencies, 1))[:num_frequencies]
        self.register_buffer("angular", (2 * math.pi / wl).float(), persistent=False)

    @property
    def out_channels(self) -> int:
        return self.dim * (2 * self.num_frequencies + int(self.include_input))

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] != self.dim:
            raise InvalidArgumentError(f"FourierEncoding expects [..., {self.dim}], got {list(x.shape)}")
        phase = (x.unsqueeze(-1) * self.angular.to(x.dtype)).flatten(-2)
        parts = [x] if self.include_input else []
        return torch.cat(parts + [torch.sin(phase), torch.cos(phase)], dim=-1)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(dim={self.dim}, num_frequencies={self.num_frequencies}, "
                f"min_wavelength={self.min_wavelength}, max_wavelength={self.max_wavelength})")


class DistanceEncoding(nn.Module):
    r"""``tanh(d / s_j)`` for length scales :math:`s_j` (sign-preserving, bounded).

    Args:
        scales: the length scales.

    Shapes:
        - **input:** [...] or [..., 1]
        - **output:** [..., len(scales)]
    """

    def __init__(self, scales: Sequence[float] = (1e-3, 4e-3, 1.6e-2, 6.4e-2, 0.25, 1.0, 4.0)
                 ) -> None:
        super().__init__()
        if not scales or any(s <= 0 for s in scales):
            raise InvalidArgumentError(f"DistanceEncoding: scales must be positive, got {scales}")
        self.scales = [float(s) for s in scales]
        self.register_buffer("inv", 1.0 / torch.tensor(self.scales), persistent=False)

    @property
    def out_channels(self) -> int:
        return len(self.scales)

    def forward(self, d: Tensor) -> Tensor:
        if d.dim() > 0 and d.shape[-1] == 1:
            d = d.squeeze(-1)
        return torch.tanh(d.unsqueeze(-1) * self.inv.to(d.dtype))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(scales={self.scales})"
