"""Streaming statistics and the Normalizer module."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from geonop.data import FieldStats, Normalizer, RunningStats
from geonop.errors import InvalidArgumentError


def test_streaming_statistics_equal_numpy_on_the_whole_array():
    rng = np.random.default_rng(0)
    x = rng.normal(5.0, [1.0, 1e-3, 100.0], size=(1000, 3)) + 1e6 * np.array([0, 1, 0])
    rs = RunningStats()
    for chunk in np.array_split(x, 7):
        rs.update(chunk)
    st = rs.result()
    np.testing.assert_allclose(st.mean.numpy(), x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(st.std.numpy(), x.std(0), rtol=1e-8)
    assert st.count == 1000
    a, b = RunningStats(), RunningStats()
    a.update(x[:300])
    b.update(x[300:])
    a.merge(b)
    np.testing.assert_allclose(a.result().std.numpy(), x.std(0), rtol=1e-8)


def test_constant_channels_are_not_rescaled_and_bad_input_is_rejected():
    rs = RunningStats()
    rs.update(torch.tensor([[1.0, 2.0], [1.0, 4.0]]))
    assert rs.result().std.tolist() == [1.0, 1.0]
    with pytest.raises(InvalidArgumentError, match="NaN"):
        rs.update(torch.tensor([[float("nan"), 0.0]]))
    with pytest.raises(InvalidArgumentError, match="zero rows"):
        RunningStats().result()


def test_normalizer_round_trip_and_identity_without_statistics():
    n = Normalizer({"y": FieldStats(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 4.0]))})
    y = torch.randn(5, 2)
    enc = n.encode("y", y)
    torch.testing.assert_close(enc, (y - torch.tensor([1.0, 2.0])) / torch.tensor([2.0, 4.0]))
    torch.testing.assert_close(n.decode("y", enc), y)
    torch.testing.assert_close(n.scale("y", torch.ones(2)), torch.tensor([2.0, 4.0]))
    assert torch.equal(n.encode("x", y), y)  # no statistics: unchanged
    with pytest.raises(InvalidArgumentError, match="3 channels"):
        n.encode("y", torch.zeros(4, 3))
    assert "y" in n and n.names == ["y"]
    state = n.state()
    assert FieldStats.from_dict(state["y"]).std.tolist() == [2.0, 4.0]


def test_statistics_are_not_in_the_state_dict_but_move_with_the_module():
    n = Normalizer({"pos": {"mean": [0.0], "std": [1.0]}})
    assert dict(n.state_dict()) == {}
    n = n.to(torch.float32)
    assert n.encode("pos", torch.ones(3, 1)).dtype == torch.float32
