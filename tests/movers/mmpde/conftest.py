from pathlib import Path

import pytest

from geonop.movers.mmpde.dataset import generate_burgers_data, save_burgers_data


@pytest.fixture(scope="session")
def tiny_burgers(tmp_path_factory) -> Path:
    """Four short Burgers trajectories on a 16 x 16 grid (solved on 32 x 32)."""
    data = generate_burgers_data(num_trajectories=4, fine=32, coarse=16, nu=0.03, t_end=0.3,
                                 frames=5, seed=1)
    return save_burgers_data(data, tmp_path_factory.mktemp("burgers") / "tiny.npz")
