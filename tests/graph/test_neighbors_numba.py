"""Tests for the two layouts and the sort of geonop.graph._search_numba.

test_search_numba checks the backend against brute force and scipy through its default
path (one pass into a scratch array reserved by candidate count). These tests force the
other layout (a counting pass first, for inputs whose bound is too large to reserve),
many parallel tasks on small inputs, and hit lists long enough to take the
comparison-sort branch instead of the rank sort.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("numba")

from geonop import optional
from geonop.graph import _search_numba
from geonop.graph.neighbors import radius, radius_graph
from tests.graph.test_neighbors import ref_radius


@pytest.fixture(autouse=True)
def _numba_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(optional, "WITH_NUMBA", True)


def _cases(x: torch.Tensor, y: torch.Tensor, r: float, cap: int) -> list:
    n, m = x.shape[0], y.shape[0]
    bx = torch.div(torch.arange(n), (n + 2) // 3, rounding_mode="floor")
    by = torch.div(torch.arange(m), (m + 2) // 3, rounding_mode="floor")
    return [
        lambda b: radius_graph(x, r, num_workers=2, backend=b),
        lambda b: radius_graph(x, r, bx, loop=True, flow="target_to_source", backend=b),
        lambda b: radius_graph(x, r, bx, max_num_neighbors=cap, num_workers=2, backend=b),
        lambda b: radius(x, y, r, bx, by, num_workers=2, backend=b),
        lambda b: radius(x, y, r, max_num_neighbors=cap, backend=b),
    ]


@pytest.mark.parametrize("d", [1, 2, 3])
def test_counting_layout_equals_scipy(d, monkeypatch):
    """No room to reserve: counts first, then fills exact regions; same edges."""
    monkeypatch.setattr(_search_numba, "_RESERVE_BYTES", 0)
    monkeypatch.setattr(_search_numba, "_TASKS_PER_THREAD", 7)
    g = torch.Generator().manual_seed(20 + d)
    x = torch.rand(3_000, d, generator=g).double()
    y = torch.rand(700, d, generator=g).double()
    r = {1: 0.003, 2: 0.04, 3: 0.1}[d]  # about 9 to 18 neighbours
    for case in _cases(x, y, r, cap=4):
        want = case("scipy")
        assert want.shape[1] > 0
        assert torch.equal(case("numba"), want)


def test_both_layouts_give_the_same_edges(monkeypatch):
    g = torch.Generator().manual_seed(30)
    x = torch.rand(5_000, 3, generator=g).double().numpy()
    one_pass = _search_numba.radius_graph(x, 0.08, None, False, None, 2, True)
    monkeypatch.setattr(_search_numba, "_RESERVE_BYTES", 0)
    counted = _search_numba.radius_graph(x, 0.08, None, False, None, 2, True)
    assert np.array_equal(one_pass, counted)
    assert one_pass.dtype == np.int64 and one_pass.shape[0] == 2


def test_reserve_refuses_large_or_failing_allocations(monkeypatch):
    assert _search_numba._reserve(10, np.int32).shape == (10,)
    monkeypatch.setattr(_search_numba, "_RESERVE_BYTES", 39)
    assert _search_numba._reserve(10, np.int32) is None  # 40 bytes > 39
    monkeypatch.setattr(_search_numba, "_RESERVE_BYTES", 1 << 40)

    def refuse(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(_search_numba.np, "empty", refuse)
    assert _search_numba._reserve(10, np.int32) is None


def test_long_hit_lists_use_the_comparison_sort():
    """A dense cloud: about 200 neighbours per point, past the rank-sort limit."""
    g = torch.Generator().manual_seed(31)
    x = torch.rand(1_500, 3, generator=g).double()
    r = 0.33
    got = radius_graph(x, r, backend="numba")
    degree = torch.bincount(got[1], minlength=x.shape[0])
    assert int(degree.max()) > _search_numba._RANK_SORT_MAX
    assert int(degree.min()) <= _search_numba._RANK_SORT_MAX  # both branches ran
    assert torch.equal(got, radius_graph(x, r, backend="scipy"))


def test_duplicates_ties_and_caps_match_brute_force():
    """Points on a dyadic lattice, each one twice: exact ties at the cap and at r."""
    g = torch.Generator().manual_seed(32)
    base = torch.randint(0, 16, (300, 3), generator=g).double() / 16
    x = torch.cat([base, base])[torch.randperm(600, generator=g)]
    r = 2 / 16  # exactly representable: neighbours at distance r are kept
    for cap in (None, 1, 7):
        got = radius_graph(x, r, max_num_neighbors=cap, flow="target_to_source", backend="numba")
        assert torch.equal(got, ref_radius(x, x, r, cap=cap, exclude_self=True))


def test_every_query_in_one_cell_and_empty_results():
    """A single grid cell (radius larger than the cloud) and a radius with no pairs."""
    g = torch.Generator().manual_seed(33)
    x = torch.rand(200, 3, generator=g).double()
    got = radius_graph(x, 5.0, flow="target_to_source", backend="numba")
    assert torch.equal(got, ref_radius(x, x, 5.0, exclude_self=True))
    none = radius_graph(x, 1e-9, backend="numba")
    assert none.shape == (2, 0) and none.dtype == torch.long
