"""Tests for geonop.graph._search_numba: the numba backend equals brute force and scipy.

Reuses the brute-force references and point-cloud strategies of test_neighbors. The
first run compiles the kernels (tens of seconds); later runs load them from numba's cache.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("numba")

from geonop import optional
from geonop.errors import MissingDependencyError
from geonop.graph import _search_numba, neighbors
from geonop.graph.neighbors import knn, radius, radius_graph
from tests.graph.test_neighbors import _flip, clouds, ref_radius


@pytest.fixture(autouse=True)
def _numba_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """numba is installed here: keep it on even in the suite's no-optional pass."""
    monkeypatch.setattr(optional, "WITH_NUMBA", True)


@settings(max_examples=40, deadline=None)
@given(c=clouds(), cap=st.one_of(st.none(), st.integers(1, 5)))
def test_radius_matches_brute_force(c, cap):
    got = radius(
        c["x"], c["y"], c["r"], c["bx"], c["by"], max_num_neighbors=cap,
        num_workers=c["workers"], box=c["box"], backend="numba",
    )  # fmt: skip
    want = ref_radius(c["x"], c["y"], c["r"], c["bx"], c["by"], c["box"], cap)
    assert torch.equal(got, want)


@settings(max_examples=40, deadline=None)
@given(
    c=clouds(bipartite=False),
    loop=st.booleans(),
    flow=st.sampled_from(["source_to_target", "target_to_source"]),
    cap=st.one_of(st.none(), st.integers(1, 5)),
)
def test_radius_graph_matches_brute_force(c, loop, flow, cap):
    got = radius_graph(
        c["x"], c["r"], c["bx"], loop, cap, flow, c["workers"], box=c["box"], backend="numba"
    )
    want = ref_radius(c["x"], c["x"], c["r"], c["bx"], c["bx"], c["box"], cap, not loop)
    assert torch.equal(got, _flip(want, flow))


@pytest.mark.parametrize("d", [2, 3])
def test_identical_to_scipy_on_20k_points(d, monkeypatch):
    """Bit-identical to scipy: batched, loops or not, caps, bipartite, both flows."""
    calls = []
    real = _search_numba._search
    monkeypatch.setattr(_search_numba, "_search", lambda *a: calls.append(1) or real(*a))
    g = torch.Generator().manual_seed(d)
    x = torch.rand(20_000, d, generator=g)
    y = torch.rand(3_000, d, generator=g).double()
    batch = torch.div(torch.arange(20_000), 6_000, rounding_mode="floor")
    by = torch.div(torch.arange(3_000), 1_000, rounding_mode="floor")
    r = 0.012 if d == 2 else 0.06  # about 9 neighbours (2D) / 18 (3D) per point
    cases = [
        lambda b: radius_graph(x, r, num_workers=2, backend=b),
        lambda b: radius_graph(x, r, batch, loop=True, backend=b),
        lambda b: radius_graph(x, r, batch, flow="target_to_source", num_workers=2, backend=b),
        lambda b: radius_graph(x, r, batch, max_num_neighbors=5, backend=b),
        lambda b: radius(x, y, r, num_workers=2, backend=b),
        lambda b: radius(x, y, r, batch, by, max_num_neighbors=4, backend=b),
    ]
    for case in cases:
        want = case("scipy")
        got = case("numba")
        assert want.shape[1] > 0
        assert torch.equal(got, want)
    assert len(calls) == len(cases)


def test_unsupported_calls_fall_back_to_scipy():
    g = torch.Generator().manual_seed(7)
    x = torch.rand(500, 4, generator=g)
    assert torch.equal(radius_graph(x, 0.3, backend="numba"), radius_graph(x, 0.3, backend="scipy"))
    x3 = x[:, :3].contiguous()
    box = torch.ones(3)
    assert torch.equal(
        radius_graph(x3, 0.2, box=box, backend="numba"),
        radius_graph(x3, 0.2, box=box, backend="scipy"),
    )
    assert torch.equal(knn(x3, x3[:50], 5, backend="numba"), knn(x3, x3[:50], 5, backend="scipy"))
    assert not _search_numba.supported(3, box)
    assert _search_numba.supported(1, None)


def test_clustered_cloud_goes_to_scipy(monkeypatch):
    """All points in one cell but a far outlier: the grid scan would be quadratic."""
    monkeypatch.setattr(_search_numba, "_MAX_PAIRS_PER_POINT", 1)
    g = torch.Generator().manual_seed(8)
    x = torch.cat([torch.rand(3_000, 3, generator=g) * 1e-3, torch.tensor([[1e3, 0.0, 0.0]])])
    assert _search_numba.radius_graph(x.double().numpy(), 1e-4, None, False, None, 1, True) is None
    want = radius_graph(x, 1e-4, backend="scipy")
    assert torch.equal(radius_graph(x, 1e-4, backend="numba"), want)


def test_auto_picks_numba_for_large_searches(monkeypatch):
    calls = []
    real = _search_numba.radius_graph
    monkeypatch.setattr(_search_numba, "radius_graph", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(neighbors, "NUMBA_AUTO_MIN_POINTS", 100)
    x = torch.rand(200, 3, generator=torch.Generator().manual_seed(9))
    radius_graph(x, 0.2)
    assert calls == [1]
    radius_graph(x[:50], 0.2)  # small: scipy
    assert calls == [1]


def test_without_numba(monkeypatch):
    monkeypatch.setattr(optional, "WITH_NUMBA", False)
    x = torch.rand(10, 3)
    with pytest.raises(MissingDependencyError, match="numba"):
        radius_graph(x, 0.3, backend="numba")
    monkeypatch.setattr(neighbors, "NUMBA_AUTO_MIN_POINTS", 1)
    assert torch.equal(radius_graph(x, 0.3), radius_graph(x, 0.3, backend="scipy"))


def test_out_of_grid_queries_and_one_dimension():
    """Queries far outside the sources' box are clamped to border cells: still exact."""
    g = torch.Generator().manual_seed(10)
    x = torch.rand(400, 1, generator=g).double()
    y = torch.cat([torch.rand(50, 1, generator=g) * 3 - 1, torch.tensor([[1e6], [-1e6]])])
    y = y.double()
    assert torch.equal(radius(x, y, 0.05, backend="numba"), ref_radius(x, y, 0.05))


def test_forked_child_of_an_openmp_process_uses_scipy(monkeypatch):
    """GNU OpenMP aborts a forked child that opens a parallel region: scipy there."""
    monkeypatch.setattr(_search_numba, "_LAUNCHED_IN", -1)  # "another process"
    monkeypatch.setattr(_search_numba.numba, "threading_layer", lambda: "omp")
    x = torch.rand(300, 3, generator=torch.Generator().manual_seed(11)).double()
    assert _search_numba.radius_graph(x.numpy(), 0.2, None, False, None, 1, True) is None
    assert torch.equal(radius_graph(x, 0.2, backend="numba"), radius_graph(x, 0.2))
