import numpy as np
import pytest
import torch
from torch_geometric.data import Batch

from geonop.errors import InvalidArgumentError
from geonop.movers.dataset import FrontFieldDataset


def test_samples_are_deterministic_and_complete():
    ds = FrontFieldDataset(4, nodes_per_side=(7, 11), collocation_points=64, seed=3)
    a, b = ds[1], FrontFieldDataset(4, nodes_per_side=(7, 11), collocation_points=64, seed=3)[1]
    assert torch.equal(a.pos, b.pos) and torch.equal(a.colloc, b.colloc)
    n = a.pos.shape[0]
    assert a.x.shape == (n, 1) and a.face.shape[0] == 3 and a.edge_index.shape[0] == 2
    assert a.fronts.shape == (1, 2, 6) and a.monitor.shape == (1, 4) and a.colloc.shape == (1, 64, 2)
    assert ((a.colloc >= 0) & (a.colloc <= 1)).all()
    # theta is the monitor's mean: between 1 and 1 + alpha
    assert 1.0 < float(a.monitor[0, 3]) < 1.0 + 5.0
    # training views draw other collocation points, same mesh
    c = ds[(1, 7)]
    assert torch.equal(c.pos, a.pos) and not torch.equal(c.colloc, a.colloc)
    batch = Batch.from_data_list([ds[0], ds[1]])
    assert batch.colloc.shape == (2, 64, 2) and int(batch.face.max()) == batch.num_nodes - 1


def test_collocation_points_concentrate_where_the_monitor_is_large():
    ds = FrontFieldDataset(1, collocation_points=2000, seed=0)
    d = ds[0]
    _, _, field = ds.sample(0)
    mfield = ds.monitor_field(field)
    weighted = d.colloc[0, 1000:].double().numpy()  # the second half follows the monitor
    rng = np.random.default_rng(0)
    assert mfield.hessian_norm(weighted).mean() > 1.5 * mfield.hessian_norm(rng.random((2000, 2))).mean()


def test_bad_arguments():
    with pytest.raises(InvalidArgumentError, match="nodes_per_side"):
        FrontFieldDataset(2, nodes_per_side=(9, 5))
    with pytest.raises(InvalidArgumentError, match="monitor"):
        FrontFieldDataset(2, monitor="laplacian")


def test_uncached_samples_equal_cached_ones():
    kw = {"nodes_per_side": (7, 9), "collocation_points": 16, "seed": 5,
          "statistics_resolution": 51}
    cached, fresh = FrontFieldDataset(3, **kw), FrontFieldDataset(3, cache=False, **kw)
    a, b = cached[2], fresh[2]
    assert torch.equal(a.pos, b.pos) and torch.equal(a.monitor, b.monitor)
    assert len(cached._base) == 1 and len(fresh._base) == 0
    with pytest.raises(InvalidArgumentError, match="statistics_resolution"):
        FrontFieldDataset(2, statistics_resolution=2)
