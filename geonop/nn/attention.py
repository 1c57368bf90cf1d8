"""Attention between point sets anchored in space, modulated by global conditions.

:class:`ModulatedAttentionBlock` is a pre-norm transformer block (attention then MLP) whose
LayerNorms are modulated by a condition vector (adaptive LayerNorm with zero-initialised
gates, "DiT", Peebles & Xie 2023, https://arxiv.org/abs/2212.09748), and whose attention
logits carry a learned spatial bias per head,

.. math::

    \\mathrm{logit}_{h,ij} = \\frac{q_{h,i} \\cdot k_{h,j}}{\\sqrt{d_h}}
        - c_h \\, \\lVert x_i - y_j \\rVert^2, \\qquad c_h = \\mathrm{softplus}(a_h) \\ge 0,

so that some heads attend locally (large :math:`c_h`) and others globally
(:math:`c_h \\to 0`). Initial length scales :math:`1/\\sqrt{c_h}` are spread geometrically
over ``length_scales``. The same block does self-attention (tokens to tokens) and
cross-attention (queries to tokens, the neural-field decoder).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from geonop.errors import InvalidArgumentError


class ModulatedAttentionBlock(nn.Module):
    """Pre-norm attention + MLP block with adaptive LayerNorm and a spatial logit bias.

    Args:
        channels: width of queries and keys.
        heads: attention heads (``channels`` must be divisible by it).
        cond_channels: width of the condition vector (0: no modulation).
        mlp_ratio: hidden width of the MLP relative to ``channels``.
        length_scales: ``(smallest, largest)`` initial attention length per head, in the
            units of the positions; the last head starts global (no bias).
        cross: cross-attention (keys from a separate context set) instead of self-attention.

    Shapes:
        - **x:** [B, N, channels], **pos:** [B, N, d]
        - **context:** [B, T, channels], **context_pos:** [B, T, d], **context_mask:** [B, T]
          bool (True = real token); for self-attention the context is ``x`` itself
        - **cond:** [B, cond_channels]
        - **output:** [B, N, channels]
    """

    def __init__(self, channels: int, heads: int = 4, cond_channels: int = 0,
                 mlp_ratio: float = 2.0, length_scales: Sequence[float] = (0.05, 2.0),
                 cross: bool = False) -> None:
        super().__init__()
        if channels < 1 or heads < 1 or channels % heads:
            raise InvalidArgumentError(
                f"ModulatedAttentionBlock: channels ({channels}) must be a positive multiple of "
                f"heads ({heads})")
        if len(length_scales) != 2 or not 0 < length_scales[0] <= length_scales[1]:
            raise InvalidArgumentError("length_scales must be (smallest, largest), positive")
        self.channels = channels
        self.heads = heads
        self.cond_channels = cond_channels
        self.mlp_ratio = mlp_ratio
        self.cross = cross
        self.norm1 = nn.LayerNorm(channels, elementwise_affine=False)
        self.norm_ctx = nn.LayerNorm(channels) if cross else None
        self.norm2 = nn.LayerNorm(channels, elementwise_affine=False)
        self.q = nn.Linear(channels, channels)
        self.kv = nn.Linear(channels, 2 * channels)
        self.out = nn.Linear(channels, channels)
        hidden = max(1, round(mlp_ratio * channels))
        self.mlp = nn.Sequential(nn.Linear(channels, hidden), nn.GELU(), nn.Linear(hidden, channels))
        self.modulation = nn.Linear(cond_channels, 6 * channels) if cond_channels else None
        if self.modulation is None:
            self.gates = nn.Parameter(torch.zeros(2, channels))
        # initial lengths: geometric over length_scales, last head global
        lo, hi = float(length_scales[0]), float(length_scales[1])
        n_local = max(heads - 1, 1)
        lengths = torch.logspace(math.log10(lo), math.log10(hi), n_local)[: heads - 1]
        coef = 1.0 / lengths**2
        raw = coef + torch.log(-torch.expm1(-coef))  # inverse softplus, stable for large coef
        self.bias_raw = nn.Parameter(torch.cat([raw, torch.tensor([-12.0])])[:heads].clone())
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for lin in (self.q, self.kv, self.out, self.mlp[0], self.mlp[2]):
            lin.reset_parameters()
        if self.modulation is not None:
            nn.init.zeros_(self.modulation.weight)
            nn.init.zeros_(self.modulation.bias)
        if self.norm_ctx is not None:
            self.norm_ctx.reset_parameters()

    def bias_coefficients(self) -> Tensor:
        """Spatial bias coefficient per head, ``c_h >= 0``: tensor of shape [heads]."""
        return F.softplus(self.bias_raw)

    def _modulation(self, cond: Tensor | None, batch: int, like: Tensor) -> list[Tensor]:
        if self.modulation is None:
            zero = like.new_zeros(batch, 1, self.channels)
            g1, g2 = self.gates[0].expand(batch, 1, -1), self.gates[1].expand(batch, 1, -1)
            return [zero, zero, g1, zero, zero, g2]
        if cond is None or cond.shape != (batch, self.cond_channels):
            raise InvalidArgumentError(
                f"ModulatedAttentionBlock expects cond of shape [{batch}, {self.cond_channels}], "
                f"got {None if cond is None else list(cond.shape)}")
        return list(self.modulation(cond).unsqueeze(1).chunk(6, dim=-1))

    def forward(self, x: Tensor, pos: Tensor, cond: Tensor | None = None,
                context: Tensor | None = None, context_pos: Tensor | None = None,
                context_mask: Tensor | None = None, neighbors: Tensor | None = None) -> Tensor:
        """Update ``x`` [B, N, C]. ``neighbors`` [B, N, k] (long, optional) restricts each
        query to k context tokens (local attention: cost ``N k`` instead of ``N T``; the
        caller keeps padded tokens out of it)."""
        b, n, c = x.shape
        shift1, scale1, gate1, shift2, scale2, gate2 = self._modulation(cond, b, x)
        h = self.norm1(x) * (1 + scale1) + shift1
        if self.cross:
            if context is None or context_pos is None:
                raise InvalidArgumentError("cross-attention needs context and context_pos")
            ctx, ctx_pos = self.norm_ctx(context), context_pos
        else:
            ctx, ctx_pos = h, pos
        t = ctx.shape[1]
        hd = c // self.heads
        coef = self.bias_coefficients().to(x.dtype)
        q = self.q(h).view(b, n, self.heads, hd).transpose(1, 2)
        k, v = self.kv(ctx).view(b, t, 2, self.heads, hd).permute(2, 0, 3, 1, 4)
        d2 = torch.cdist(pos, ctx_pos).square()  # [B, N, T]
        bias = -coef.view(1, -1, 1, 1) * d2.unsqueeze(1)
        if neighbors is not None:
            # local attention as a mask: at a few hundred tokens one dense product is
            # faster on the CPU than gathering k tokens per query (measured)
            keep = torch.full_like(d2, -1e4).scatter_(-1, neighbors, 0.0)
            bias = bias + keep.unsqueeze(1)
        elif context_mask is not None:
            bias = bias.masked_fill(~context_mask.view(b, 1, 1, t), -1e4)
        # written out: torch's fused CPU path spends ~10 % checking for fully masked rows
        logits = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(hd)) + bias
        att = torch.matmul(logits.softmax(-1), v).transpose(1, 2)
        x = x + gate1 * self.out(att.reshape(b, n, c))
        x = x + gate2 * self.mlp(self.norm2(x) * (1 + scale2) + shift2)
        return x

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.channels}, heads={self.heads}, "
                f"cond_channels={self.cond_channels}, cross={self.cross})")
