import numpy as np
import pytest
import torch
from torch_geometric.data import Batch

import geonop
from geonop.errors import InvalidArgumentError
from geonop.movers import (
    DataFreeMeshMover,
    FrontFieldDataset,
    boundary_sides,
    jittered_delaunay_mesh,
    random_front_field,
    structured_triangle_mesh,
    tangled_cells,
)
from geonop.train import Trainer

pytestmark = pytest.mark.usefixtures("one_thread")


def _random_mover(scale: float = 1.0, seed: int = 0) -> DataFreeMeshMover:
    torch.manual_seed(seed)
    model = DataFreeMeshMover(hidden_channels=16, spectral_channels=4, num_modes=6,
                              mixing_channels=16, output_scale=scale)
    with torch.no_grad():  # the spectral weights start at zero (identity map): perturb them
        model.mode_weight.normal_(0.0, 1.0)
        model.mixing[-1].weight.normal_(0.0, 0.1)
    return model


@pytest.mark.parametrize("mesh", [(structured_triangle_mesh, 9), (jittered_delaunay_mesh, 23)])
def test_moves_meshes_of_any_size_keeping_boundary_nodes_on_their_side(mesh):
    make, n = mesh
    pts, tri = make(n)
    u = random_front_field(1).value(pts)
    res = _random_mover().move(pts, u, tri)
    assert res.points.shape == pts.shape
    assert np.abs(res.points - pts).max() > 1e-3  # it does move
    assert tangled_cells(res.points, tri) == 0
    sides = boundary_sides(pts, (0, 0, 1, 1))
    for k, (axis, value) in enumerate([(0, 0.0), (0, 1.0), (1, 0.0), (1, 1.0)]):
        np.testing.assert_allclose(res.points[sides[k], axis], value, atol=1e-6)


def test_rectangles_are_mapped_through_the_unit_square():
    pts, tri = structured_triangle_mesh(9, 5, bounds=(-1.0, 2.0, 3.0, 4.0))
    u = np.tanh((pts[:, 0] - pts[:, 1]) / 0.3)
    res = _random_mover().move(pts, u, tri)
    assert tangled_cells(res.points, tri) == 0
    np.testing.assert_allclose(res.points.min(0), [-1.0, 2.0], atol=1e-6)
    np.testing.assert_allclose(res.points.max(0), [3.0, 4.0], atol=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_never_tangles_even_with_wild_weights(seed):
    """Adversarial: a potential 200x too strong and a front through a corner."""
    pts, tri = structured_triangle_mesh(13)
    u = np.tanh((pts[:, 0] + pts[:, 1] - 0.05) / 0.01)
    model = _random_mover(scale=200.0, seed=seed).eval()
    disp = model(Batch.from_data_list([geonop.movers.mesh_data(pts, tri, u)])).double().numpy()
    assert tangled_cells(pts + disp, tri) > 0  # the raw map folds
    res = model.move(pts, u, tri)
    assert res.scale < 1.0 and tangled_cells(res.points, tri) == 0
    cloud = model.move(pts, u)  # point cloud: kNN edges, Delaunay check
    assert cloud.points.shape == pts.shape and np.isfinite(cloud.points).all()


def test_normal_derivative_of_the_potential_vanishes_on_the_sides():
    model = _random_mover().double()
    t = torch.linspace(0, 1, 11, dtype=torch.float64)
    sides = torch.cat([torch.stack([0 * t, t], 1), torch.stack([0 * t + 1, t], 1)])
    q = sides.clone().requires_grad_(True)
    coeff = torch.randn(1, model.kx.numel(), dtype=torch.float64).expand(len(q), -1)
    (g,) = torch.autograd.grad(model.potential(q, coeff).sum(), q)
    # zero up to the float32 rounding of pi k in the stored wavenumbers
    assert g[:, 0].abs().max() < 1e-4 * g[:, 1].abs().max() and g[:, 1].abs().max() > 1e-3


def test_data_free_training_lowers_the_monge_ampere_loss():
    ds = FrontFieldDataset(1, nodes_per_side=(9, 9), collocation_points=128, seed=0)
    torch.manual_seed(0)
    model = DataFreeMeshMover(hidden_channels=16, spectral_channels=4, num_modes=8,
                              mixing_channels=32)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    batch = Batch.from_data_list([ds[0]])
    first = float(model.monge_ampere_loss(batch)["residual"].detach())
    for _ in range(40):
        loss = model.monge_ampere_loss(batch)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(model.monge_ampere_loss(batch)["residual"].detach()) < 0.7 * first


def test_trains_with_the_trainer_and_reloads(tmp_path):
    ds = FrontFieldDataset(4, nodes_per_side=(7, 9), collocation_points=32, seed=1)
    model = _random_mover(scale=0.1)
    result = Trainer(model, ds, config={"max_steps": 2, "eval_every": 0, "progress": "off"},
                     output_dir=tmp_path, batch_size=2, val_indices=[3], verbose=False).fit()
    assert "residual" in result.metrics
    loaded = geonop.load(tmp_path / "checkpoints" / "last.pt")
    assert isinstance(loaded, DataFreeMeshMover)
    pts, tri = structured_triangle_mesh(9)
    u = random_front_field(0).value(pts)
    np.testing.assert_allclose(loaded.move(pts, u, tri).points, model.move(pts, u, tri).points,
                               atol=1e-6)


def test_bad_inputs():
    with pytest.raises(InvalidArgumentError, match="num_modes"):
        DataFreeMeshMover(num_modes=1)
    model = _random_mover()
    pts, tri = structured_triangle_mesh(5)
    with pytest.raises(InvalidArgumentError, match="values"):
        model.move(pts, np.ones(3), tri)
    with pytest.raises(InvalidArgumentError, match="needs data.fronts"):
        model.monge_ampere_loss(geonop.movers.mesh_data(pts, tri, np.ones(25)))


def test_exact_derivatives_of_the_potential_match_autograd():
    model = DataFreeMeshMover(num_modes=6).double()
    q = torch.rand(20, 2, dtype=torch.float64, requires_grad=True)
    c = torch.randn(20, model.kx.numel(), dtype=torch.float64)
    (g,) = torch.autograd.grad(model.potential(q, c).sum(), q, create_graph=True)
    hx = torch.autograd.grad(g[:, 0].sum(), q, retain_graph=True)[0]
    hy = torch.autograd.grad(g[:, 1].sum(), q)[0]
    grad, hess = model.potential_derivatives(q.detach(), c, hessian=True)
    torch.testing.assert_close(grad, g.detach())
    torch.testing.assert_close(hess, torch.stack([hx, hy], 1))
