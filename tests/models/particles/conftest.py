import pytest
from particle_clouds import smooth_cloud
from torch_geometric.data import Data


@pytest.fixture
def cloud() -> Data:
    return smooth_cloud(120)
