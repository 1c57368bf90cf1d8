import pytest
from torch_geometric.data import Data

from tests.models.particles.particle_clouds import smooth_cloud


@pytest.fixture
def cloud() -> Data:
    return smooth_cloud(120)
