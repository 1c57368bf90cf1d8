"""Fourier and distance encodings."""

from __future__ import annotations

import math

import pytest
import torch

from geonop.errors import InvalidArgumentError
from geonop.nn.encodings import DistanceEncoding, FourierEncoding


def test_fourier_encoding_values_and_shape() -> None:
    enc = FourierEncoding(2, num_frequencies=3, min_wavelength=0.5, max_wavelength=2.0)
    x = torch.tensor([[0.25, -1.0]])
    out = enc(x)
    assert out.shape == (1, enc.out_channels) == (1, 2 * (2 * 3 + 1))
    assert torch.equal(out[:, :2], x)
    wl = torch.tensor([2.0, 1.0, 0.5])
    phase = (x[0].unsqueeze(-1) * 2 * math.pi / wl).flatten()
    torch.testing.assert_close(out[0, 2:8], torch.sin(phase))
    torch.testing.assert_close(out[0, 8:], torch.cos(phase))
    assert repr(enc) == ("FourierEncoding(dim=2, num_frequencies=3, min_wavelength=0.5, "
                         "max_wavelength=2.0)")


def test_fourier_encoding_rejects_bad_input() -> None:
    with pytest.raises(InvalidArgumentError):
        FourierEncoding(2, min_wavelength=2.0, max_wavelength=1.0)
    with pytest.raises(InvalidArgumentError, match=r"\[\.\.\., 3\]"):
        FourierEncoding(3)(torch.zeros(4, 2))


def test_distance_encoding_is_odd_bounded_and_multiscale() -> None:
    enc = DistanceEncoding((0.01, 1.0))
    d = torch.tensor([-0.5, 0.0, 0.005, 3.0])
    out = enc(d)
    assert out.shape == (4, 2)
    torch.testing.assert_close(enc(-d), -out)
    assert out.abs().max() <= 1
    # the fine scale saturates where the coarse one still resolves the distance
    assert out[3, 0] > 0.999 and out[3, 1] < 0.9999
    assert torch.equal(enc(d[:, None]), out)
    with pytest.raises(InvalidArgumentError):
        DistanceEncoding((0.0, 1.0))
