"""Fixtures of the dataset tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from geonop.data import write_potential_flow_dataset


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six potential-flow cases of 20-40 points as .npz files."""
    root = tmp_path_factory.mktemp("cases")
    write_potential_flow_dataset(root, num_cases=6, min_points=20, max_points=40, seed=1)
    return root
