"""Mesh <-> torch_geometric Data: layout, round trip, batching offsets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_geometric.data import Batch, Data

from geonop.errors import InvalidArgumentError
from geonop.io import Mesh
from tests.io.iosamples import assert_same_mesh, cube_tets, mixed_surface, random_surface


def test_layout_of_a_surface():
    m = mixed_surface()
    d = m.to_data()
    assert d.pos.dtype == torch.float32 and d.pos.shape == (7, 2)
    assert d.face.dtype == torch.long and d.face.shape == (3, 4)  # 2 triangles + split quad
    assert d.quad_index.shape == (4, 1)
    assert "x" not in d
    assert set(d.point_data) == {"p", "v"} and set(d.cell_data) == {"id", "w"}


def test_x_stacks_requested_fields():
    m = mixed_surface()
    d = m.to_data(x=["v", "p"])
    assert d.x.shape == (7, 3)
    torch.testing.assert_close(d.x[:, 2], torch.from_numpy(m.point_data["p"]).float())
    assert m.to_data(x=True).x.shape == (7, 3)
    with pytest.raises(InvalidArgumentError, match="'nope'"):
        m.to_data(x=["nope"])


@pytest.mark.parametrize("make", [cube_tets, mixed_surface, random_surface])
def test_round_trip(make):
    m = make()
    back = Mesh.from_data(m.to_data(dtype=torch.float64))
    assert_same_mesh(m, back)


def test_batching_offsets_every_index_tensor():
    a, b = cube_tets(), cube_tets()
    batch = Batch.from_data_list([a.to_data(), b.to_data()])
    assert batch.tetra_index.shape == (4, 12)
    assert int(batch.tetra_index[:, 6:].min()) == 8  # second mesh offset by 8 points
    assert int(batch.boundary_triangle_index[:, 2:].min()) == 8
    assert batch.point_data["T"].shape == (16,)
    second = Mesh.from_data(batch.get_example(1))
    assert_same_mesh(b, second, atol=1e-6)


def test_from_hand_made_data():
    d = Data(pos=torch.rand(5, 3), face=torch.tensor([[0], [1], [2]]), x=torch.rand(5, 2),
             edge_index=torch.tensor([[0, 1], [1, 0]]))
    m = Mesh.from_data(d)
    assert m.cell_counts() == {"triangle": 1}
    assert set(m.point_data) == {"x"} and m.point_data["x"].shape == (5, 2)
    with pytest.raises(InvalidArgumentError, match="pos"):
        Mesh.from_data(Data(x=torch.rand(3, 1)))


def test_polyhedra_and_polygons_are_not_stored():
    m = Mesh(np.array([[0, 0], [1, 0], [1, 1], [0, 1], [2, 0]], float),
             {"triangle": [[1, 4, 2]], "polygon": [[0, 1, 2, 3]]},
             cell_data={"c": np.array([1.0, 2.0])})
    d = m.to_data()
    assert d.face.shape == (3, 1) and d.cell_data["c"].tolist() == [1.0]
    np.testing.assert_array_equal(Mesh.from_data(d).cells["triangle"], [[1, 4, 2]])
