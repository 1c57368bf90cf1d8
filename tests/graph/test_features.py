"""Edge features: sign convention, periodic minimum image, Data/Batch packing."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch_geometric.data import Batch, Data

from geonop.errors import GeonopError, InvalidArgumentError, InvalidMeshError
from geonop.graph.features import edge_features, to_batch, to_data


def test_sign_convention_is_source_minus_target():
    pos = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    edge_index = torch.tensor([[1], [0]])  # 1 (sender) -> 0 (receiver)
    disp, dist = edge_features(pos, edge_index)
    assert disp.tolist() == [[3.0, 4.0]] and dist.tolist() == [[5.0]]
    disp, dist = edge_features(pos, edge_index, normalize_by=2.5)
    torch.testing.assert_close(disp, torch.tensor([[1.2, 1.6]]))
    torch.testing.assert_close(dist, torch.tensor([[2.0]]))


def test_bipartite():
    src = torch.tensor([[1.0, 1.0, 1.0], [2.0, 0.0, 0.0]])
    dst = torch.tensor([[0.0, 0.0, 0.0]])
    disp, dist = edge_features(src, torch.tensor([[0, 1], [0, 0]]), dst)
    assert disp.tolist() == [[1.0, 1.0, 1.0], [2.0, 0.0, 0.0]]
    torch.testing.assert_close(dist.squeeze(1), torch.tensor([3**0.5, 2.0]))


def test_periodic_minimum_image_matches_brute_force():
    gen = torch.Generator().manual_seed(0)
    box = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
    pos = torch.rand(30, 3, generator=gen, dtype=torch.float64) * box
    edge_index = torch.randint(0, 30, (2, 200), generator=gen)
    disp, dist = edge_features(pos, edge_index, box=box)
    shifts = torch.tensor(list(itertools.product([-1, 0, 1], repeat=3)), dtype=torch.float64) * box
    raw = pos[edge_index[0]] - pos[edge_index[1]]
    candidates = raw[:, None, :] + shifts[None]  # every periodic image
    best = candidates.norm(dim=2).min(1).values
    torch.testing.assert_close(dist.squeeze(1), best)
    assert bool((disp.abs() <= box / 2 + 1e-12).all())


def test_periodic_axis_selection_and_scalar_box():
    pos = torch.tensor([[0.1, 0.1], [0.9, 0.9]])
    ei = torch.tensor([[1], [0]])
    disp, _ = edge_features(pos, ei, box=[1.0, float("inf")])  # x periodic, y open
    torch.testing.assert_close(disp, torch.tensor([[-0.2, 0.8]]))
    disp, _ = edge_features(pos, ei, box=1.0)
    torch.testing.assert_close(disp, torch.tensor([[-0.2, -0.2]]))


def test_gradient_is_finite_for_coincident_points():
    pos = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0]], requires_grad=True)
    _, dist = edge_features(pos, torch.tensor([[0, 2], [1, 0]]))
    dist.sum().backward()
    assert torch.isfinite(pos.grad).all()


def test_to_data_fields():
    pos = torch.rand(4, 3)
    ei = torch.tensor([[0, 1, 2], [1, 2, 3]])
    data = to_data(pos, ei, x=torch.ones(4, 2), box=[1.0, 1.0, 1.0], y=torch.zeros(4))
    assert isinstance(data, Data)
    disp, dist = edge_features(pos, ei, box=[1.0, 1.0, 1.0])
    assert torch.equal(data.edge_attr, torch.cat([disp, dist], 1))
    assert data.edge_attr.shape == (3, 4) and data.box.shape == (1, 3)
    assert data.x.shape == (4, 2) and data.y.shape == (4,)


def test_batch_of_two_graphs_equals_two_single_calls():
    gen = torch.Generator().manual_seed(1)
    graphs = []
    for n, e in ((6, 10), (9, 14)):
        pos = torch.rand(n, 2, generator=gen)
        ei = torch.randint(0, n, (2, e), generator=gen)
        graphs.append(to_data(pos, ei, box=[1.0, 1.0], normalize_by=0.5))
    batch = to_batch(graphs)
    assert isinstance(batch, Batch) and batch.num_graphs == 2
    assert torch.equal(batch.edge_attr, torch.cat([g.edge_attr for g in graphs]))
    assert batch.edge_index[:, 10:].min() >= 6  # second graph's edges are offset
    disp, dist = edge_features(batch.pos, batch.edge_index, box=[1.0, 1.0], normalize_by=0.5)
    assert torch.equal(torch.cat([disp, dist], 1), batch.edge_attr)
    assert batch.box.shape == (2, 2)


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((torch.rand(3), torch.zeros(2, 1, dtype=torch.long)), {}, InvalidArgumentError, "pos_src"),
        (
            (torch.rand(3, 2), torch.zeros(3, 1, dtype=torch.long)),
            {},
            InvalidArgumentError,
            "edge_index",
        ),
        ((torch.rand(3, 2), torch.zeros(2, 1)), {}, InvalidArgumentError, "dtype"),
        ((torch.rand(3, 2), torch.tensor([[0], [3]])), {}, InvalidArgumentError, "target index 3"),
        ((torch.rand(3, 2), torch.tensor([[5], [0]])), {}, InvalidArgumentError, "source index 5"),
        ((torch.rand(3, 2), torch.tensor([[-1], [0]])), {}, InvalidArgumentError, "negative"),
        (
            (torch.rand(3, 2), torch.tensor([[0], [0]]), torch.rand(2, 3)),
            {},
            InvalidArgumentError,
            "pos_dst",
        ),
        (
            (torch.rand(3, 2), torch.tensor([[0], [1]])),
            {"box": [1.0, 0.0]},
            InvalidArgumentError,
            "box",
        ),
        (
            (torch.rand(3, 2), torch.tensor([[0], [1]])),
            {"box": [1.0, 1.0, 1.0]},
            InvalidArgumentError,
            "box",
        ),
        (
            (torch.rand(3, 2), torch.tensor([[0], [1]])),
            {"normalize_by": 0.0},
            InvalidArgumentError,
            "normalize_by",
        ),
        (
            (torch.tensor([[0.0, float("inf")]]), torch.tensor([[0], [0]])),
            {},
            InvalidMeshError,
            "Inf",
        ),
    ],
)
def test_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match) as info:
        edge_features(*args, **kwargs)
    assert isinstance(info.value, GeonopError)


def test_bad_input_packing():
    with pytest.raises(InvalidArgumentError, match="x"):
        to_data(torch.rand(3, 2), torch.tensor([[0], [1]]), x=torch.ones(2, 1))
    with pytest.raises(InvalidArgumentError, match="at least one"):
        to_batch([])
    with pytest.raises(InvalidArgumentError, match="element 1"):
        to_batch([to_data(torch.rand(2, 2), torch.tensor([[0], [1]])), {"pos": 1}])
