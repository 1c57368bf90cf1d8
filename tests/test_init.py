"""``import geonop``: what importing the package sets up."""

from __future__ import annotations

import os
import subprocess
import sys


def _wait_policy(env: dict[str, str]) -> str:
    code = "import geonop, os; print(os.environ['OMP_WAIT_POLICY'])"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_openmp_threads_wait_passively_unless_the_user_says_otherwise() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    assert _wait_policy(env) == "PASSIVE"
    assert _wait_policy({**env, "OMP_WAIT_POLICY": "ACTIVE"}) == "ACTIVE"
