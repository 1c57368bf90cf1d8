"""Fixtures of the dataset tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from geonop.data import write_potential_flow_dataset


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    yield


@pytest.fixture(scope="session")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six potential-flow cases of 20-40 points as .npz files."""
    root = tmp_path_factory.mktemp("cases")
    write_potential_flow_dataset(root, num_cases=6, min_points=20, max_points=40, seed=1)
    return root
