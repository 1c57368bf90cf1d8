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
    interpolation_error,
    jittered_delaunay_mesh,
    mesh_data,
    random_front_field,
    structured_triangle_mesh,
    tangled_cells,
)
from geonop.train import Trainer

pytestmark = pytest.mark.usefixtures("one_thread")


def _wild_mover(seed: int = 0) -> DataFreeMeshMover:
    """Steps 100x too long and a random monitor network: its raw map folds."""
    torch.manual_seed(seed)
    model = DataFreeMeshMover(num_modes=8, monitor_modes=8, resolution=16, iterations=2,
                              hidden_channels=8)
    with torch.no_grad():
        model.log_steps.fill_(float(np.log(50.0)))
        for p in model.monitor_net.parameters():
            p.normal_(0.0, 3.0)
    return model


@pytest.mark.parametrize("mesh", [(structured_triangle_mesh, 17), (jittered_delaunay_mesh, 29)])
def test_moves_meshes_of_two_sizes_towards_the_front_keeping_the_boundary(mesh):
    """Untrained weights are the physics prior (curvature monitor, classical relaxation steps):
    on meshes of two sizes it already lowers the interpolation error of a sharp front."""
    make, n = mesh
    pts, tri = make(n)
    field = random_front_field(5)
    res = DataFreeMeshMover().move(pts, field.value(pts), tri)
    assert res.points.shape == pts.shape and res.scale == 1.0
    assert tangled_cells(res.points, tri) == 0
    before = interpolation_error(pts, tri, field.value, resolution=200)["l2"]
    after = interpolation_error(res.points, tri, field.value, resolution=200)["l2"]
    assert after < 0.8 * before
    sides = boundary_sides(pts, (0, 0, 1, 1))
    for k, (axis, value) in enumerate([(0, 0.0), (0, 1.0), (1, 0.0), (1, 1.0)]):
        np.testing.assert_allclose(res.points[sides[k], axis], value, atol=1e-6)
    corners = sides[0:2].any(0) & sides[2:4].any(0)
    np.testing.assert_allclose(res.points[corners], pts[corners], atol=1e-6)


def test_rectangles_are_mapped_through_the_unit_square():
    pts, tri = structured_triangle_mesh(9, 5, bounds=(-1.0, 2.0, 3.0, 4.0))
    u = np.tanh((pts[:, 0] - pts[:, 1]) / 0.3)
    res = DataFreeMeshMover().move(pts, u, tri)
    assert tangled_cells(res.points, tri) == 0 and np.abs(res.points - pts).max() > 1e-3
    np.testing.assert_allclose(res.points.min(0), [-1.0, 2.0], atol=1e-6)
    np.testing.assert_allclose(res.points.max(0), [3.0, 4.0], atol=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_never_tangles_even_with_wild_weights(seed):
    """Adversarial: steps 100x too long, a random monitor network, a front through a corner."""
    pts, tri = structured_triangle_mesh(13)
    u = np.tanh((pts[:, 0] + pts[:, 1] - 0.05) / 0.01)
    model = _wild_mover(seed).eval()
    disp = model(Batch.from_data_list([mesh_data(pts, tri, u)])).double().numpy()
    assert tangled_cells(pts + disp, tri) > 0  # the raw map folds
    res = model.move(pts, u, tri)
    assert res.scale < 1.0 and tangled_cells(res.points, tri) == 0
    cloud = model.move(pts, u)  # point cloud: Delaunay cells
    assert cloud.points.shape == pts.shape and np.isfinite(cloud.points).all()


def test_batch_of_two_meshes_equals_two_single_moves():
    model = DataFreeMeshMover(iterations=3)
    a = structured_triangle_mesh(9)
    b = jittered_delaunay_mesh(11, seed=2)
    fa, fb = random_front_field(1), random_front_field(2)
    batch = Batch.from_data_list([mesh_data(*a, fa.value(a[0])), mesh_data(*b, fb.value(b[0]))])
    moved = model.predict(batch).double().numpy()
    np.testing.assert_allclose(moved[: len(a[0])], model.move(*a[:1], fa.value(a[0]), a[1]).points,
                               atol=1e-5)
    np.testing.assert_allclose(moved[len(a[0]):], model.move(*b[:1], fb.value(b[0]), b[1]).points,
                               atol=1e-5)


def test_mesh_operators_are_cached_per_mesh():
    model = DataFreeMeshMover()
    pts, tri = structured_triangle_mesh(9)
    first = model.move(pts, random_front_field(0).value(pts), tri)
    model.move(pts, random_front_field(1).value(pts), tri)
    assert len(model._meshes) == 1
    again = model.move(pts.copy(), random_front_field(0).value(pts), tri.copy())
    np.testing.assert_array_equal(first.points, again.points)
    model.move(pts + 1.0, random_front_field(0).value(pts), tri)  # same unit-square mesh
    assert len(model._meshes) == 1
    other, other_tri = structured_triangle_mesh(9, 7)
    model.move(other, random_front_field(0).value(other), other_tri)
    assert len(model._meshes) == 2


def test_data_free_training_lowers_the_monge_ampere_loss():
    ds = FrontFieldDataset(1, nodes_per_side=(9, 9), collocation_points=128, seed=0)
    torch.manual_seed(0)
    model = DataFreeMeshMover(iterations=2, hidden_channels=8)
    opt = torch.optim.Adam(model.parameters(), lr=2e-2)
    batch = Batch.from_data_list([ds[0]])
    first = float(model.monge_ampere_loss(batch)["residual"].detach())
    for _ in range(30):
        loss = model.monge_ampere_loss(batch)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(model.monge_ampere_loss(batch)["residual"].detach()) < 0.8 * first


def test_trains_with_the_trainer_and_reloads(tmp_path):
    ds = FrontFieldDataset(4, nodes_per_side=(7, 9), collocation_points=32, seed=1,
                           statistics_resolution=51, cache=False)
    model = DataFreeMeshMover(num_modes=8, monitor_modes=8, resolution=16, iterations=2)
    result = Trainer(model, ds, config={"max_steps": 2, "eval_every": 0, "progress": "off"},
                     output_dir=tmp_path, batch_size=2, val_indices=[3], verbose=False).fit()
    assert "residual" in result.metrics
    loaded = geonop.load(tmp_path / "checkpoints" / "last.pt")
    assert isinstance(loaded, DataFreeMeshMover) and loaded.iterations == 2
    pts, tri = structured_triangle_mesh(9)
    u = random_front_field(0).value(pts)
    np.testing.assert_allclose(loaded.move(pts, u, tri).points, model.move(pts, u, tri).points,
                               atol=1e-6)


def test_bad_inputs():
    with pytest.raises(InvalidArgumentError, match="num_modes"):
        DataFreeMeshMover(num_modes=1)
    with pytest.raises(InvalidArgumentError, match="resolution"):
        DataFreeMeshMover(num_modes=16, resolution=8)
    model = DataFreeMeshMover()
    pts, tri = structured_triangle_mesh(5)
    with pytest.raises(InvalidArgumentError, match="values"):
        model.move(pts, np.ones(3), tri)
    with pytest.raises(InvalidArgumentError, match="degenerate"):
        model.move(np.c_[np.arange(5.0), np.zeros(5)], np.ones(5))
    with pytest.raises(InvalidArgumentError, match="needs data.fronts"):
        model.monge_ampere_loss(mesh_data(pts, tri, np.ones(25)))


@pytest.mark.parametrize("hole", [(0.5, 0.5, 1.0, 1.0), (0.25, 0.25, 0.625, 0.625)])
def test_polygons_keep_nodes_on_their_sides_and_never_tangle(hole):
    """L-shape and square with a hole: the cosine potential lives on the bounding box, so the
    inner sides are enforced at inference (normal component removed, corners fixed)."""
    from geonop.movers.grids import boundary_segments, punched_mesh

    pts, tri = punched_mesh(17, hole=hole)
    field = random_front_field(4)
    res = DataFreeMeshMover().move(pts, field.value(pts), tri)
    assert tangled_cells(res.points, tri) == 0 and np.abs(res.points - pts).max() > 1e-3
    b = boundary_segments(pts, tri)
    np.testing.assert_array_equal(res.points[b.corner], pts[b.corner])
    rel = res.points[b.sliding] - b.start[b.sliding]
    t = b.tangent[b.sliding]
    assert np.abs(rel[:, 0] * t[:, 1] - rel[:, 1] * t[:, 0]).max() < 1e-12
    along = (rel * t).sum(1)
    assert (along >= -1e-12).all() and (along <= b.length[b.sliding] + 1e-12).all()
