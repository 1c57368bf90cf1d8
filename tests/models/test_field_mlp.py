"""FieldMLP: a point-wise neural field."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Batch, Data

from geonop.data import FieldStats
from geonop.errors import InvalidArgumentError
from geonop.models import FieldMLP


def _graph(n, seed):
    g = torch.Generator().manual_seed(seed)
    return Data(pos=torch.randn(n, 3, generator=g), x=torch.randn(n, 2, generator=g),
                u=torch.randn(1, 4, generator=g))


def _model():
    torch.manual_seed(0)
    return FieldMLP(out_channels=5, pos_dim=3, in_channels=2, global_channels=4,
                    hidden_channels=16, num_layers=2, num_frequencies=6)


def test_repr_and_shapes():
    m = _model()
    assert repr(m) == ("FieldMLP(out_channels=5, pos_dim=3, in_channels=2, global_channels=4, "
                       "hidden_channels=16, num_layers=2, num_frequencies=6)")
    assert m(_graph(7, 0)).shape == (7, 5)


def test_a_batch_of_two_equals_two_single_calls():
    m = _model()
    a, b = _graph(4, 1), _graph(6, 2)
    out = m(Batch.from_data_list([a, b]))
    torch.testing.assert_close(out, torch.cat([m(a), m(b)]))


def test_points_are_independent_so_queries_can_be_chunked():
    m = _model()
    d = _graph(10, 3)
    part = Data(pos=d.pos[4:7], x=d.x[4:7], u=d.u)
    torch.testing.assert_close(m(part), m(d)[4:7])
    assert FieldMLP.pointwise


def test_normalisation_is_applied_inside_and_predict_returns_raw_units():
    m = _model()
    d = _graph(5, 4)
    raw = m(d)
    m.set_normalization({"y": FieldStats(torch.full((5,), 10.0), torch.full((5,), 3.0))})
    torch.testing.assert_close(m.predict(d), raw * 3 + 10)
    m.set_normalization({"pos": FieldStats(torch.ones(3), torch.full((3,), 2.0))})
    shifted = Data(pos=d.pos * 2 + 1, x=d.x, u=d.u)
    torch.testing.assert_close(m(shifted), raw)


def test_seed_fixes_the_frequencies_and_bad_inputs_are_named():
    assert torch.equal(FieldMLP(1, seed=3).frequencies, FieldMLP(1, seed=3).frequencies)
    assert not torch.equal(FieldMLP(1, seed=3).frequencies, FieldMLP(1, seed=4).frequencies)
    m = _model()
    with pytest.raises(InvalidArgumentError, match=r"pos of shape \[N, 3\]"):
        m(Data(pos=torch.zeros(4, 2)))
    with pytest.raises(InvalidArgumentError, match=r"x of shape \[N, 2\]"):
        m(Data(pos=torch.zeros(4, 3), u=torch.zeros(1, 4)))
    with pytest.raises(InvalidArgumentError, match="activation"):
        FieldMLP(1, activation="swish")
