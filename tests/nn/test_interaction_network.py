import pytest
import torch

from geonop.errors import InvalidArgumentError
from geonop.graph import radius_graph
from geonop.nn import InteractionNetwork, InteractionProcessor


def _graph(n=30, c=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    pos = torch.rand(n, 2, generator=g)
    ei = radius_graph(pos, 0.3, loop=True)
    x = torch.randn(n, c, generator=g)
    e = torch.randn(ei.shape[1], c, generator=g)
    return x, ei, e


def test_shapes_and_repr(one_thread):
    torch.manual_seed(0)
    x, ei, e = _graph()
    layer = InteractionNetwork(8, hidden_channels=16)
    x2, e2 = layer(x, ei, e)
    assert x2.shape == x.shape and e2.shape == e.shape
    assert repr(layer) == ("InteractionNetwork(node_channels=8, edge_channels=8, hidden_channels=16, "
                           "aggr='sum')")
    proc = InteractionProcessor(8, num_steps=3, hidden_channels=16)
    assert len(proc.layers) == 3
    assert proc(x, ei, e)[0].shape == x.shape


def test_permutation_equivariance(one_thread):
    torch.manual_seed(0)
    x, ei, e = _graph()
    proc = InteractionProcessor(8, num_steps=2, hidden_channels=16)
    x_out, e_out = proc(x, ei, e)
    g = torch.Generator().manual_seed(1)
    perm = torch.randperm(x.shape[0], generator=g)          # new node k is old node perm[k]
    inv = torch.argsort(perm)
    eperm = torch.randperm(ei.shape[1], generator=g)
    ei_p = inv[ei][:, eperm]
    xp, ep = proc(x[perm], ei_p, e[eperm])
    assert torch.allclose(xp, x_out[perm], atol=1e-5)
    assert torch.allclose(ep, e_out[eperm], atol=1e-5)


def test_messages_reach_only_targets(one_thread):
    torch.manual_seed(0)
    layer = InteractionNetwork(4, hidden_channels=32)
    x = torch.randn(3, 4)
    ei = torch.tensor([[0], [1]])                              # 0 -> 1 only
    e = torch.randn(1, 4)
    out1, _ = layer(x, ei, e)
    x2 = x.clone()
    x2[0] = torch.randn(4)                                            # changes the message to node 1
    out2, _ = layer(x2, ei, e)
    assert torch.allclose(out1[2], out2[2])                    # node 2 untouched
    assert not torch.allclose(out1[1], out2[1])


def test_bad_edges():
    layer = InteractionNetwork(4)
    with pytest.raises(InvalidArgumentError, match="edge_attr"):
        layer(torch.randn(3, 4), torch.tensor([[0], [1]]), torch.randn(2, 4))
