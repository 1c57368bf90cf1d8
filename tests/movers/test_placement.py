import numpy as np
import pytest
import torch

from geonop.errors import InvalidArgumentError
from geonop.movers import (
    DataFreeMeshMover,
    MongeAmpereMover,
    MoverPlacement,
    tangled_cells,
)

pytestmark = pytest.mark.usefixtures("one_thread")


def _samples(n: int = 40, seed: int = 0):
    s = np.linspace(0.0, 1.0, n)
    pts = np.stack(np.meshgrid(s, s), -1).reshape(-1, 2)
    return pts, np.tanh((pts[:, 0] - 0.5) / 0.03)


@pytest.mark.parametrize("mover", [DataFreeMeshMover(), MongeAmpereMover(max_iterations=60)])
def test_places_nodes_near_the_front_without_tangling(mover):
    pts, u = _samples()
    place = MoverPlacement(mover, nodes_per_side=12)
    nodes = place(pts, u)
    ref, tri = place.reference(pts)
    assert nodes.shape == (place.num_nodes, 2) == ref.shape
    assert tangled_cells(nodes, tri) == 0
    near = lambda p: int((np.abs(p[:, 0] - 0.5) < 0.1).sum())
    assert near(nodes) > 1.5 * near(ref)
    assert nodes.min() >= 0.0 and nodes.max() <= 1.0


def test_tensors_in_tensors_out_and_bounds():
    pts, u = _samples(30)
    place = MoverPlacement(nodes_per_side=8, bounds=(0.0, 0.0, 2.0, 1.0))
    out = place(torch.as_tensor(pts * [2.0, 1.0], dtype=torch.float32), torch.as_tensor(u))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32 and out.shape == (64, 2)
    assert float(out[:, 0].max()) == pytest.approx(2.0) and float(out[:, 1].max()) == pytest.approx(1.0)


def test_a_flat_field_leaves_the_grid_almost_uniform():
    pts, _ = _samples(20)
    place = MoverPlacement(nodes_per_side=8)
    ref, _ = place.reference(pts)
    np.testing.assert_allclose(place(pts, np.zeros(len(pts))), ref, atol=1e-6)


def test_bad_arguments():
    with pytest.raises(InvalidArgumentError, match="mover"):
        MoverPlacement(mover="classical")
    with pytest.raises(InvalidArgumentError, match="nodes_per_side"):
        MoverPlacement(nodes_per_side=2)
    with pytest.raises(InvalidArgumentError, match="bounds"):
        MoverPlacement(bounds=(0, 0, 0, 1))
    place = MoverPlacement(nodes_per_side=4)
    with pytest.raises(InvalidArgumentError, match="values"):
        place(np.random.default_rng(0).random((10, 2)), np.ones(3))


def test_computational_coordinates_invert_the_move():
    pts, u = _samples(30)
    place = MoverPlacement(nodes_per_side=10)
    nodes = place(pts, u)
    ref, _ = place.reference(pts)
    # the moved nodes map back onto the uniform grid, and the corners stay
    np.testing.assert_allclose(place.to_computational(nodes, nodes), ref, atol=1e-9)
    q = np.random.default_rng(0).random((200, 2))
    back = place.to_computational(nodes, q)
    assert back.shape == q.shape and ((back >= 0) & (back <= 1)).all()
    # points near the front spread out in computational coordinates
    near = np.abs(q[:, 0] - 0.5) < 0.05
    assert np.ptp(back[near, 0]) > 1.5 * np.ptp(q[near, 0])
    out = place.to_computational(torch.as_tensor(nodes), torch.as_tensor(q, dtype=torch.float32))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    with pytest.raises(InvalidArgumentError, match="to_computational"):
        place.to_computational(nodes[:5], q)
