"""Modulated attention blocks with a spatial bias."""

from __future__ import annotations

import pytest
import torch

from geonop.errors import InvalidArgumentError
from geonop.nn.attention import ModulatedAttentionBlock


def _inputs(b: int = 2, n: int = 5, t: int = 7, c: int = 8, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, n, c, generator=g), torch.rand(b, n, 2, generator=g),
            torch.randn(b, t, c, generator=g), torch.rand(b, t, 2, generator=g),
            torch.randn(b, 3, generator=g))


def test_block_starts_as_identity_and_learns_through_its_gates() -> None:
    torch.manual_seed(0)
    x, pos, ctx, cpos, cond = _inputs()
    block = ModulatedAttentionBlock(8, heads=2, cond_channels=3, cross=True)
    out = block(x, pos, cond, ctx, cpos)
    torch.testing.assert_close(out, x)  # zero-initialised modulation: gates are 0
    out.square().sum().backward()
    assert block.modulation.weight.grad.abs().sum() > 0


def test_padded_tokens_do_not_change_the_result() -> None:
    torch.manual_seed(1)
    x, pos, ctx, cpos, cond = _inputs(b=1)
    block = ModulatedAttentionBlock(8, heads=2, cond_channels=3, cross=True)
    torch.nn.init.normal_(block.modulation.weight)
    ref = block(x, pos, cond, ctx, cpos)
    pad_ctx = torch.cat([ctx, 100 * torch.randn(1, 3, 8)], dim=1)
    pad_pos = torch.cat([cpos, torch.rand(1, 3, 2)], dim=1)
    mask = torch.tensor([[True] * 7 + [False] * 3])
    torch.testing.assert_close(block(x, pos, cond, pad_ctx, pad_pos, mask), ref)


def test_spatial_bias_makes_a_head_attend_to_the_nearest_token() -> None:
    torch.manual_seed(2)
    block = ModulatedAttentionBlock(4, heads=1, cond_channels=0, cross=True,
                                    length_scales=(0.01, 0.01))
    with torch.no_grad():
        block.bias_raw.fill_(1e4)  # c_h = softplus(1e4) = 1e4
        block.gates.fill_(1.0)
        block.mlp[2].weight.zero_()
        block.mlp[2].bias.zero_()
    ctx = torch.randn(1, 3, 4)
    cpos = torch.tensor([[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]])
    x = torch.zeros(1, 1, 4)
    near_second = block(x, torch.tensor([[[0.9, 0.05]]]), None, ctx, cpos)
    v = block.kv(block.norm_ctx(ctx))[..., 4:]
    torch.testing.assert_close(near_second[0, 0], block.out(v[0, 1]), atol=1e-5, rtol=1e-5)


def test_local_neighbours_restrict_attention() -> None:
    torch.manual_seed(3)
    x, pos, ctx, cpos, cond = _inputs(b=1, t=6)
    block = ModulatedAttentionBlock(8, heads=2, cond_channels=3, cross=True)
    torch.nn.init.normal_(block.modulation.weight)
    nbr = torch.cdist(pos, cpos).topk(3, largest=False).indices
    local = block(x, pos, cond, ctx, cpos, neighbors=nbr)
    # moving a token no query uses does not change a local result
    unused = sorted(set(range(6)) - set(nbr.flatten().tolist()))
    if unused:
        ctx2 = ctx.clone()
        ctx2[0, unused[0]] += 10
        torch.testing.assert_close(block(x, pos, cond, ctx2, cpos, neighbors=nbr), local)
    assert not torch.allclose(local, block(x, pos, cond, ctx, cpos))


def test_bad_arguments() -> None:
    with pytest.raises(InvalidArgumentError, match="multiple of heads"):
        ModulatedAttentionBlock(10, heads=4)
    block = ModulatedAttentionBlock(8, heads=2, cond_channels=3)
    x, pos, *_ = _inputs()
    with pytest.raises(InvalidArgumentError, match="cond of shape"):
        block(x, pos, torch.zeros(2, 5))
    assert repr(block) == "ModulatedAttentionBlock(8, heads=2, cond_channels=3, cross=False)"
