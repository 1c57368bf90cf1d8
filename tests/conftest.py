"""Shared fixtures.

``no_optional`` switches every optional-dependency flag in :mod:`geonop.optional` off,
so the native fallbacks run. Set ``GEONOP_TEST_NO_OPTIONAL=1`` to apply it to the whole
suite (CI does one such pass for the graph and reduction tests).
"""

from __future__ import annotations

import os

import pytest
import torch

from geonop import optional


@pytest.fixture
def no_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    for flag in optional.FLAGS:
        monkeypatch.setattr(optional, flag, False)


@pytest.fixture(autouse=True)
def _suite_without_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    if os.environ.get("GEONOP_TEST_NO_OPTIONAL") == "1":
        for flag in optional.FLAGS:
            monkeypatch.setattr(optional, flag, False)


@pytest.fixture
def one_thread():
    """Run a test on one torch thread: tiny models are faster so, and the machine is shared."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
