"""Fixtures of the training-engine tests: a tiny dataset and a tiny run config."""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from geonop.data import write_potential_flow_dataset

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("_run_training.py")


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    yield


@pytest.fixture(scope="session")
def flow_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight small potential-flow cases (30-60 points each) as .npz files."""
    root = tmp_path_factory.mktemp("flow")
    write_potential_flow_dataset(root, num_cases=8, min_points=30, max_points=60, seed=3)
    return root


def make_config(flow_dir: Path, output_dir: Path, **training: Any) -> dict[str, Any]:
    """A run config small enough for a step to take milliseconds."""
    cfg = {
        "seed": 7,
        "output_dir": str(output_dir),
        "data": {
            "dataset": "MeshDataset",
            "root": str(flow_dir),
            "val_fraction": 0.25,
            "batch_size": 2,
            "args": {
                "targets": ["pressure", "velocity"],
                "inputs": ["wall_distance"],
                "global_inputs": ["speed", "angle"],
                "query_points": 20,
                "cache_size": 16,
            },
        },
        "model": {"name": "FieldMLP",
                  "args": {"hidden_channels": 16, "num_layers": 2, "num_frequencies": 4}},
        "training": {
            "max_steps": 12,
            "lr": 1e-2,
            "scheduler": "cosine",
            "warmup_steps": 2,
            "eval_every": 6,
            "checkpoint_every": 6,
            "log_every": 3,
            "progress": "off",
            **training,
        },
    }
    return copy.deepcopy(cfg)


@pytest.fixture
def config(flow_dir: Path, tmp_path: Path) -> dict[str, Any]:
    """The tiny run config, writing to ``tmp_path / "run"``."""
    return make_config(flow_dir, tmp_path / "run")


@pytest.fixture
def config_factory(flow_dir: Path):
    """``config_factory(output_dir, **training_overrides)`` -> run config dict."""
    return lambda output_dir, **training: make_config(flow_dir, output_dir, **training)


def subprocess_env() -> dict[str, str]:
    """Environment for child Python processes: the repo importable, one thread each."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["OMP_NUM_THREADS"] = "1"
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


@pytest.fixture
def child_env() -> dict[str, str]:
    return subprocess_env()


@pytest.fixture
def train_script() -> list[str]:
    """Command prefix that runs tests/train/_run_training.py."""
    return [sys.executable, str(SCRIPT)]
