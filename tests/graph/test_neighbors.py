"""Tests for geonop.graph.neighbors: every backend against brute force, and bad input.

The brute-force references use ``torch.cdist`` (no matrix-product shortcut) in float64;
periodic boxes take the minimum over the 3^d image shifts. Coordinates are drawn either
on a dyadic grid (exact arithmetic, many exact ties: the tie-break and the inclusive
bound are tested for real) or continuous (generic positions).
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import types

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from geonop import optional
from geonop.errors import GeonopError, InvalidArgumentError, MissingDependencyError
from geonop.graph import _search_cluster, _search_scipy, _search_torch, neighbors
from geonop.graph.neighbors import knn, knn_graph, radius, radius_graph

BACKENDS = ["scipy", "torch"]


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    """These tensors are tiny: threads only add OpenMP barriers, which crawl on a busy
    shared machine. Results do not depend on the thread count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@contextlib.contextmanager
def small_chunks():
    """Tiny chunks so small inputs still exercise chunking, slabs and query splits."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_search_torch, "CHUNK_CPU", 64)
        mp.setattr(_search_scipy, "_MIN_SLAB_POINTS", 16)
        mp.setattr(_search_scipy, "_QUERY_CHUNK", 16)
        yield


# ---------------------------------------------------------------- references


def _ref_dist(x: torch.Tensor, y: torch.Tensor, box: torch.Tensor | None) -> torch.Tensor:
    """[M, N] distances from each query to each source."""
    x, y = x.double(), y.double()
    mode = "donot_use_mm_for_euclid_dist"
    if box is None:
        return torch.cdist(y, x, compute_mode=mode)
    best = None
    for shift in itertools.product((-1.0, 0.0, 1.0), repeat=x.shape[1]):
        dist = torch.cdist(y, x + torch.tensor(shift, dtype=torch.float64) * box, compute_mode=mode)
        best = dist if best is None else torch.minimum(best, dist)
    return best


def _mask(dist, bx, by, exclude_self):
    dist = dist.clone()
    if bx is not None:
        dist[by[:, None] != bx[None, :]] = float("inf")
    if exclude_self:
        dist.fill_diagonal_(float("inf"))
    return dist


def _edges(rows: list[int], cols: list[int]) -> torch.Tensor:
    return torch.tensor([rows, cols], dtype=torch.long).view(2, -1)


def ref_radius(x, y, r, bx=None, by=None, box=None, cap=None, exclude_self=False):
    dist = _mask(_ref_dist(x, y, box), bx, by, exclude_self)
    rows, cols = [], []
    for i in range(dist.shape[0]):
        js = torch.nonzero(dist[i] <= r).flatten()
        if cap is not None and js.numel() > cap:
            nearest = torch.sort(dist[i, js], stable=True).indices[:cap]  # ties: lower index
            js = torch.sort(js[nearest]).values
        rows += [i] * js.numel()
        cols += js.tolist()
    return _edges(rows, cols)


def ref_knn(x, y, k, bx=None, by=None, box=None, exclude_self=False):
    dist = _mask(_ref_dist(x, y, box), bx, by, exclude_self)
    rows, cols = [], []
    for i in range(dist.shape[0]):
        order = torch.sort(dist[i], stable=True).indices[:k]
        js = torch.sort(order[torch.isfinite(dist[i, order])]).values
        rows += [i] * js.numel()
        cols += js.tolist()
    return _edges(rows, cols)


def _flip(e: torch.Tensor, flow: str) -> torch.Tensor:
    return e.flip(0) if flow == "source_to_target" else e


# ---------------------------------------------------------------- strategies


@st.composite
def clouds(draw, min_x=0, max_x=40, max_y=30, bipartite=True):
    """Sources, queries, batch vectors, box and dtype for one search."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    d = draw(st.integers(1, 4))
    n = draw(st.integers(min_x, max_x))
    m = draw(st.integers(0, max_y)) if bipartite else n
    dyadic = draw(st.booleans())
    periodic = draw(st.booleans())
    graphs = draw(st.integers(1, 3))
    if periodic:
        box = torch.tensor(rng.integers(2, 9, d) / 4.0, dtype=torch.float64)
    else:
        box = None
    lengths = box.numpy() if box is not None else np.full(d, 2.0)

    def points(count):
        if dyadic:
            p = np.floor(rng.random((count, d)) * lengths * 4) / 4
        else:
            p = np.minimum(rng.random((count, d)) * lengths, np.nextafter(lengths, 0))
        return torch.tensor(p, dtype=torch.float64)

    x = points(n)
    y = points(m) if bipartite else x
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    if dtype == torch.float32 and box is not None:
        x = torch.minimum(x.float(), torch.nextafter(box.float(), torch.zeros(d)))
        y = torch.minimum(y.float(), torch.nextafter(box.float(), torch.zeros(d)))
    else:
        x, y = x.to(dtype), y.to(dtype)
    bx = torch.sort(torch.as_tensor(rng.integers(0, graphs, n))).values if graphs > 1 else None
    by = torch.sort(torch.as_tensor(rng.integers(0, graphs, m))).values if graphs > 1 else None
    if dyadic:
        r = draw(st.integers(1, 8)) / 4.0
    else:
        r = draw(st.floats(0.05, 1.5))
    workers = draw(st.sampled_from([1, 2, 3]))
    return {"x": x, "y": y, "bx": bx, "by": by, "box": box, "r": r, "workers": workers}


# ---------------------------------------------------------------- properties


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=40, deadline=None)
@given(c=clouds(), cap=st.one_of(st.none(), st.integers(1, 5)))
def test_radius_matches_brute_force(backend, c, cap):
    with small_chunks():
        got = radius(
            c["x"], c["y"], c["r"], c["bx"], c["by"], max_num_neighbors=cap,
            num_workers=c["workers"], box=c["box"], backend=backend,
        )  # fmt: skip
    want = ref_radius(c["x"], c["y"], c["r"], c["bx"], c["by"], c["box"], cap)
    assert got.dtype == torch.long
    assert torch.equal(got, want)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=40, deadline=None)
@given(
    c=clouds(bipartite=False),
    loop=st.booleans(),
    flow=st.sampled_from(["source_to_target", "target_to_source"]),
    cap=st.one_of(st.none(), st.integers(1, 5)),
)
def test_radius_graph_matches_brute_force(backend, c, loop, flow, cap):
    with small_chunks():
        got = radius_graph(
            c["x"], c["r"], c["bx"], loop, cap, flow, c["workers"], box=c["box"], backend=backend
        )
    want = ref_radius(c["x"], c["x"], c["r"], c["bx"], c["bx"], c["box"], cap, not loop)
    assert torch.equal(got, _flip(want, flow))


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=40, deadline=None)
@given(c=clouds(min_x=1), data=st.data())
def test_knn_matches_brute_force(backend, c, data):
    k = data.draw(st.integers(1, c["x"].shape[0]))
    with small_chunks():
        got = knn(
            c["x"], c["y"], k, c["bx"], c["by"], num_workers=c["workers"], box=c["box"],
            backend=backend,
        )  # fmt: skip
    want = ref_knn(c["x"], c["y"], k, c["bx"], c["by"], c["box"])
    assert torch.equal(got, want)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=40, deadline=None)
@given(
    c=clouds(min_x=2, bipartite=False),
    loop=st.booleans(),
    flow=st.sampled_from(["source_to_target", "target_to_source"]),
    data=st.data(),
)
def test_knn_graph_matches_brute_force(backend, c, loop, flow, data):
    n = c["x"].shape[0]
    k = data.draw(st.integers(1, n if loop else n - 1))
    with small_chunks():
        got = knn_graph(
            c["x"], k, c["bx"], loop, flow, num_workers=c["workers"], box=c["box"],
            backend=backend,
        )  # fmt: skip
    want = ref_knn(c["x"], c["x"], k, c["bx"], c["bx"], c["box"], exclude_self=not loop)
    assert torch.equal(got, _flip(want, flow))


# ---------------------------------------------------------------- backends agree


def _medium(n=20_000, d=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, d, generator=g)


def test_backends_identical_on_medium_set():
    x = _medium()
    y = _medium(5_000, seed=1)
    batch = torch.div(torch.arange(x.shape[0]), 7_000, rounding_mode="floor")
    box = torch.ones(3)
    r = 0.05  # about 10 neighbours per point
    cases = [
        lambda b: radius_graph(x, r, num_workers=2, backend=b),
        lambda b: radius_graph(
            x, r, batch, loop=True, max_num_neighbors=6, num_workers=2, backend=b
        ),
        lambda b: radius_graph(x, r, box=box, num_workers=2, backend=b),
        lambda b: radius(x, y, r, num_workers=2, backend=b),
        lambda b: knn(x, y, 8, num_workers=2, backend=b),
        lambda b: knn_graph(x, 8, batch, box=box, num_workers=2, backend=b),
    ]
    for case in cases:
        a, b = case("scipy"), case("torch")
        assert a.shape[1] > 0
        assert torch.equal(a, b)


def test_radius_graph_slabs_match_single_thread(monkeypatch):
    monkeypatch.setattr(_search_scipy, "_MIN_SLAB_POINTS", 16)
    x = _medium(6_000)
    one = radius_graph(x, 0.04, num_workers=1, backend="scipy")
    for w in (2, 3, 5):
        assert torch.equal(radius_graph(x, 0.04, num_workers=w, backend="scipy"), one)
    box = torch.ones(3)
    one = radius_graph(x, 0.04, loop=True, box=box, backend="scipy")
    assert torch.equal(
        radius_graph(x, 0.04, loop=True, box=box, num_workers=2, backend="scipy"), one
    )


def test_torch_backend_is_memory_bounded(monkeypatch):
    """One cell holding every point, chunks of 5 pairs: still the exact answer."""
    monkeypatch.setattr(_search_torch, "CHUNK_CPU", 5)
    x = _medium(60, d=2)
    want = radius_graph(x, 3.0, backend="scipy")
    assert want.shape[1] == 60 * 59
    assert torch.equal(radius_graph(x, 3.0, backend="torch"), want)
    assert torch.equal(knn_graph(x, 7, backend="torch"), knn_graph(x, 7, backend="scipy"))


# ---------------------------------------------------------------- conventions


@pytest.mark.parametrize("backend", BACKENDS)
def test_pyg_conventions(backend):
    x = torch.tensor([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    y = torch.tensor([[-1.0, 0.0], [1.0, 0.0]])
    assert radius(x, y, 1.5, backend=backend).tolist() == [[0, 0, 1, 1], [0, 1, 2, 3]]
    assert knn(x, y, 2, backend=backend).tolist() == [[0, 0, 1, 1], [0, 1, 2, 3]]
    e = radius_graph(x, 2.0, backend=backend)  # row 0 source, row 1 target
    assert e.tolist() == [[1, 2, 0, 3, 0, 3, 1, 2], [0, 0, 1, 1, 2, 2, 3, 3]]
    e = radius_graph(x, 2.0, flow="target_to_source", backend=backend)
    assert e.tolist() == [[0, 0, 1, 1, 2, 2, 3, 3], [1, 2, 0, 3, 0, 3, 1, 2]]
    assert radius_graph(x, 2.0, loop=True, backend=backend).shape[1] == 12
    assert knn_graph(x, 3, backend=backend).shape[1] == 12


@pytest.mark.parametrize("backend", BACKENDS)
def test_radius_is_inclusive_and_cap_keeps_nearest(backend):
    x = torch.tensor([[0.0], [1.0], [-1.0], [2.0], [-2.0], [0.5]])
    y = torch.tensor([[0.0]])
    assert radius(x, y, 1.0, backend=backend)[1].tolist() == [0, 1, 2, 5]  # |dx| = 1 counts
    # nearest two: 0 (d=0), 5 (d=0.5); then 1 and 2 tie at d=1: the lower index wins
    assert radius(x, y, 2.0, max_num_neighbors=3, backend=backend)[1].tolist() == [0, 1, 5]
    assert knn(x, y, 3, backend=backend)[1].tolist() == [0, 1, 5]


@pytest.mark.parametrize("backend", BACKENDS)
def test_periodic_minimum_image(backend):
    x = torch.tensor([[0.125, 0.5], [0.875, 0.5], [0.5, 0.5]])
    e = radius_graph(x, 0.25, box=[1.0, 1.0], backend=backend)  # 0.25 across the seam
    assert e.tolist() == [[1, 0], [0, 1]]
    assert radius_graph(x, 0.25, backend=backend).shape[1] == 0
    assert knn(x, x[:1], 1, box=1.0, backend=backend).tolist() == [[0], [0]]
    assert knn_graph(x, 1, box=1.0, backend=backend).tolist() == [[1, 0, 0], [0, 1, 2]]


@pytest.mark.parametrize("backend", BACKENDS)
def test_small_graphs_get_all_their_points(backend):
    x = torch.rand(7, 3, generator=torch.Generator().manual_seed(3))
    batch = torch.tensor([0, 0, 1, 1, 1, 1, 1])
    e = knn_graph(x, 3, batch, backend=backend)
    assert (e[1] < 2).sum() == 2  # graph 0: one neighbour each
    assert (e[1] >= 2).sum() == 15
    assert bool((batch[e[0]] == batch[e[1]]).all())
    e = knn(x, x[:3], 4, batch, torch.tensor([0, 1, 1]), backend=backend)
    assert e[0].tolist() == [0, 0, 1, 1, 1, 1, 2, 2, 2, 2]


@pytest.mark.parametrize("backend", BACKENDS)
def test_dtypes_and_grad(backend):
    x64 = torch.randint(0, 8, (50, 3), generator=torch.Generator().manual_seed(4)).double() / 4
    want = radius_graph(x64, 0.5, backend=backend)
    for dt in (torch.float16, torch.bfloat16, torch.float32):
        assert torch.equal(radius_graph(x64.to(dt), 0.5, backend=backend), want)
    xg = x64.clone().requires_grad_(True)
    assert torch.equal(radius_graph(xg, 0.5, backend=backend), want)
    assert torch.equal(
        knn_graph(x64[:, 0], 2, backend=backend), knn_graph(x64[:, :1], 2, backend=backend)
    )


def test_cosine_knn_ranks_by_angle():
    x = torch.tensor([[1.0, 0.0], [10.0, 1.0], [0.0, 3.0], [-1.0, -1.0]])
    y = torch.tensor([[2.0, 0.1]])
    for backend in BACKENDS:
        assert knn(x, y, 2, cosine=True, backend=backend).tolist() == [[0, 0], [0, 1]]
        e = knn_graph(x, 1, cosine=True, backend=backend)
        assert e.tolist() == [[1, 0, 1, 0], [0, 1, 2, 3]]  # 3 ties between 0 and 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_inputs(backend):
    x = torch.rand(5, 3)
    none = torch.empty(0, 3)
    assert radius(x, none, 0.5, backend=backend).shape == (2, 0)
    assert radius(none, x, 0.5, backend=backend).shape == (2, 0)
    assert radius_graph(none, 0.5, backend=backend).shape == (2, 0)
    assert knn(x, none, 2, backend=backend).shape == (2, 0)
    assert radius_graph(x[:1], 0.5, backend=backend).shape == (2, 0)
    assert knn_graph(x[:1], 1, loop=True, backend=backend).tolist() == [[0], [0]]


# ---------------------------------------------------------------- dispatch


def test_auto_uses_scipy_on_cpu(monkeypatch):
    calls = []
    real = _search_scipy.radius_graph
    monkeypatch.setattr(_search_scipy, "radius_graph", lambda *a: calls.append(1) or real(*a))
    radius_graph(torch.rand(10, 3), 0.3)
    assert calls == [1]


def test_auto_on_accelerator_without_optional_packages(no_optional):
    assert not _search_cluster.available()
    assert neighbors._backend("auto", torch.device("cuda")) == "torch"
    assert neighbors._backend("auto", torch.device("cpu")) == "scipy"
    with pytest.raises(MissingDependencyError, match="torch_cluster"):
        radius_graph(torch.rand(10, 3), 0.3, backend="cluster")


def _fake_torch_cluster() -> types.ModuleType:
    """Brute force with the real library's liberties: own rounding, arbitrary order, caps."""
    gen = torch.Generator().manual_seed(5)

    def dist(x, y, bx, by):
        d = torch.cdist(y.flip(1), x.flip(1), compute_mode="donot_use_mm_for_euclid_dist")
        if bx is not None:
            d[by[:, None] != bx[None, :]] = float("inf")
        return d

    def shuffled(row, col):
        p = torch.randperm(row.numel(), generator=gen)
        return torch.stack([row[p], col[p]])

    def radius_fn(x, y, r, batch_x=None, batch_y=None, max_num_neighbors=32, num_workers=1):
        ok = dist(x, y, batch_x, batch_y) <= r
        rows, cols = [], []
        for i in range(y.shape[0]):
            js = torch.nonzero(ok[i]).flatten()
            js = js[torch.randperm(js.numel(), generator=gen)][:max_num_neighbors]
            rows.append(torch.full_like(js, i))
            cols.append(js)
        return shuffled(torch.cat(rows), torch.cat(cols))

    def knn_fn(x, y, k, batch_x=None, batch_y=None, cosine=False, num_workers=1):
        d = dist(x, y, batch_x, batch_y)
        val, idx = torch.topk(d, min(k, x.shape[0]), dim=1, largest=False, sorted=False)
        ok = torch.isfinite(val)
        rows = torch.arange(y.shape[0])[:, None].expand_as(idx)
        return shuffled(rows[ok], idx[ok])

    mod = types.ModuleType("torch_cluster")
    mod.radius, mod.knn = radius_fn, knn_fn
    return mod


def _cluster_cases(x: torch.Tensor, r: float) -> list:
    y = x[::3] + 0.01
    batch = torch.div(torch.arange(x.shape[0]), 120, rounding_mode="floor")
    box = [3.0] * x.shape[1]
    return [
        (radius_graph, (x, r, batch), {"max_num_neighbors": 4}),
        (radius_graph, (x, r), {"loop": True}),
        (radius, (x, y, r), {}),
        (knn, (x, y, 5), {}),
        (knn_graph, (x, 5, batch), {}),
        (knn_graph, (x, 4), {"box": box}),
    ]


def test_cluster_backend_glue_gives_identical_results(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch_cluster", _fake_torch_cluster())
    monkeypatch.setattr(optional, "WITH_TORCH_CLUSTER", True)
    monkeypatch.setattr(_search_cluster, "CANDIDATES", 12)  # some queries fill the list
    assert neighbors._backend("auto", torch.device("cuda")) == "cluster"
    g = torch.Generator().manual_seed(6)
    generic = torch.rand(300, 3, generator=g)
    ties = torch.randint(0, 6, (300, 2), generator=g) / 2.0  # duplicates and equal distances
    for x, r in ((generic, 0.12), (ties, 0.25)):
        for fn, args, kwargs in _cluster_cases(x, r):
            assert torch.equal(
                fn(*args, **kwargs, backend="cluster"), fn(*args, **kwargs, backend="scipy")
            )


# ---------------------------------------------------------------- bad input


X = torch.rand(6, 3)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: radius_graph(X, 0.0), "^r: .*> 0"),
        (lambda: radius_graph(X, -1.0), "^r: "),
        (lambda: radius_graph(X, float("nan")), "^r: "),
        (lambda: radius_graph(X, float("inf")), "^r: "),
        (lambda: radius_graph(X, "1"), "^r: "),
        (lambda: radius(X, X, torch.tensor([1.0, 2.0])), "^r: "),
        (lambda: knn(X, X, 0), "^k: "),
        (lambda: knn(X, X, 7), "^k: 7 is larger than the point count"),
        (lambda: knn(torch.empty(0, 3), X, 1), "^k: 1 is larger than the point count"),
        (lambda: knn_graph(X, 6), "^k: 6 is larger than the point count"),
        (lambda: knn_graph(torch.empty(0, 3), 1, loop=True), "^k: "),
        (lambda: knn(X, X, 2.5), "^k: "),
        (lambda: radius_graph(X, 0.5, torch.zeros(5, dtype=torch.long)), "^batch: .*shape"),
        (lambda: radius_graph(X, 0.5, torch.tensor([0, 1, 0, 1, 1, 1])), "^batch: .*sorted"),
        (lambda: radius_graph(X, 0.5, torch.zeros(6)), "^batch: .*integers"),
        (lambda: radius_graph(X, 0.5, torch.full((6,), -1)), "^batch: .*>= 0"),
        (lambda: radius(X, X, 0.5, None, torch.zeros(2, dtype=torch.long)), "^batch_y: "),
        (lambda: knn(X, X, 1, torch.zeros(3, dtype=torch.long)), "^batch_x: "),
        (lambda: radius(X, torch.rand(4, 2), 0.5), "^y: mixed dimensions"),
        (lambda: knn(X, torch.rand(4, 2), 1), "^y: mixed dimensions"),
        (lambda: radius_graph(torch.tensor([[0.0, 1.0], [float("nan"), 0.0]]), 0.5), "^x: .*NaN"),
        (lambda: radius(X, torch.tensor([[0.0, 0.0, float("inf")]]), 0.5), "^y: .*NaN or Inf"),
        (lambda: knn_graph(torch.tensor([[1.0], [float("-inf")]]), 1), "^x: .*Inf"),
        (lambda: radius_graph(X, 0.5, box=[1.0, 0.0, 1.0]), "^box: .*> 0"),
        (lambda: radius_graph(X, 0.5, box=[1.0, 1.0]), "^box: expected 3"),
        (lambda: radius_graph(X, 0.5, box=[1.0, float("nan"), 1.0]), "^box: "),
        (lambda: radius_graph(X + 1.0, 0.5, box=1.0), "^x: .*periodic box"),
        (lambda: radius_graph(X - 1.0, 0.5, box=1.0), "^x: .*periodic box"),
        (lambda: knn(X, X + 1.0, 1, box=[1.0, 1.0, 1.0]), "^y: .*periodic box"),
        (lambda: radius_graph(X, 0.5, backend="faiss"), "^backend: "),
        (lambda: radius_graph(X, 0.5, flow="both"), "^flow: "),
        (lambda: radius_graph(X, 0.5, loop="yes"), "^loop: "),
        (lambda: radius_graph(X, 0.5, max_num_neighbors=0), "^max_num_neighbors: "),
        (lambda: radius_graph(X, 0.5, num_workers=0), "^num_workers: "),
        (
            lambda: radius_graph(X, 0.5, torch.tensor([0, 0, 0, 1, 1, 2]), batch_size=2),
            "^batch_size: ",
        ),
        (lambda: radius_graph(X.numpy(), 0.5), "^x: .*torch.Tensor"),
        (lambda: radius_graph(torch.ones(4, 3, dtype=torch.long), 0.5), "^x: .*floating point"),
        (lambda: radius_graph(torch.rand(2, 3, 3), 0.5), "^x: .*shape"),
        (lambda: knn(X, X, 1, cosine=True, box=1.0), "^box: .*cosine"),
        (lambda: knn_graph(torch.zeros(3, 2), 1, cosine=True), "^x: .*zero vector"),
    ],
)
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(InvalidArgumentError, match=match) as info:
        call()
    assert isinstance(info.value, GeonopError)
    assert isinstance(info.value, ValueError)


def test_bad_input_raises_for_every_backend():
    for backend in BACKENDS:
        with pytest.raises(InvalidArgumentError, match="^k: "):
            knn_graph(X, 6, backend=backend)
        with pytest.raises(InvalidArgumentError, match="^r: "):
            radius(X, X, 0.0, backend=backend)
