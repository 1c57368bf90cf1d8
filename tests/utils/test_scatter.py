"""scatter / scatter_softmax / segment_csr against a Python-loop reference."""

from __future__ import annotations

import sys
import types

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from geonop import optional
from geonop.errors import GeonopError, InvalidArgumentError
from geonop.utils import scatter, scatter_softmax, segment_csr

REDUCES = ["sum", "mean", "max", "min", "mul"]


def reference(src: torch.Tensor, index: torch.Tensor, dim_size: int, reduce: str) -> torch.Tensor:
    """Group by group along dim 0, with explicit Python loops."""
    out = torch.zeros((dim_size,) + src.shape[1:], dtype=src.dtype)
    for g in range(dim_size):
        rows = [src[j] for j in range(len(index)) if int(index[j]) == g]
        if not rows:
            out[g] = 1 if reduce == "mul" else 0
            continue
        stack = torch.stack(rows)
        out[g] = {
            "sum": lambda s: s.sum(0),
            "mean": lambda s: s.mean(0),
            "max": lambda s: s.max(0).values,
            "min": lambda s: s.min(0).values,
            "mul": lambda s: s.prod(0),
        }[reduce](stack)
    return out


@st.composite
def scatter_case(draw):
    e = draw(st.integers(0, 40))
    dim_size = draw(st.integers(1, 12))  # groups above max(index) stay empty
    index = torch.tensor(
        draw(st.lists(st.integers(0, dim_size - 1), min_size=e, max_size=e)), dtype=torch.long
    )
    width = draw(st.sampled_from([None, 1, 4]))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    seed = draw(st.integers(0, 2**16))
    gen = torch.Generator().manual_seed(seed)
    shape = (e,) if width is None else (e, width)
    src = torch.randn(shape, generator=gen, dtype=dtype)
    return src, index, dim_size


@settings(max_examples=60, deadline=None)
@given(scatter_case(), st.sampled_from(REDUCES), st.booleans())
def test_matches_reference(case, reduce, sort_first):
    src, index, dim_size = case
    if sort_first:  # exercises the segment kernel
        index, perm = index.sort(stable=True)
        src = src[perm]
    out = scatter(src, index, 0, dim_size, reduce, sorted=bool(sort_first))
    ref = reference(src, index, dim_size, reduce)
    tol = 1e-5 if src.dtype == torch.float32 else 1e-12
    assert out.shape == ref.shape and out.dtype == src.dtype
    torch.testing.assert_close(out, ref, rtol=tol, atol=tol)
    # the default (auto-detected) path agrees
    torch.testing.assert_close(scatter(src, index, 0, dim_size, reduce), ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("reduce", REDUCES)
def test_large_sorted_index_is_detected_and_agrees(reduce):
    gen = torch.Generator().manual_seed(0)
    index = torch.randint(0, 300, (6000,), generator=gen).sort().values
    src = torch.randn(6000, 4, generator=gen, dtype=torch.float64)
    got = scatter(src, index, dim_size=320, reduce=reduce)  # sorted auto-detected
    want = scatter(src, index, dim_size=320, reduce=reduce, sorted=False)
    torch.testing.assert_close(got, want)
    assert not got[300:].any() if reduce != "mul" else bool((got[300:] == 1).all())


def test_sorted_wide_rows_use_the_segment_kernel(monkeypatch):
    module = sys.modules["geonop.utils.scatter"]  # geonop.utils.scatter is the function
    calls = []
    real = module._segment_by_index
    monkeypatch.setattr(module, "_segment_by_index", lambda *a: calls.append(a[-1]) or real(*a))
    index = torch.tensor([0, 0, 1, 3])
    for reduce in REDUCES:
        scatter(torch.randn(4, 4), index, reduce=reduce, sorted=True)
        scatter(torch.randn(4, 4), index, reduce=reduce, sorted=False)
    # one value per row, or two summed: the scatter kernels are as fast
    scatter(torch.randn(4), index, reduce="max", sorted=True)
    scatter(torch.randn(4, 2), index, reduce="sum", sorted=True)
    scatter(torch.randn(4, 2), index, reduce="max", sorted=True)
    assert calls == [*REDUCES, "max"]
    # the device-side offsets used on CUDA agree with a CPU count
    offsets = module._offsets_from_sorted(index, 5)
    assert offsets.tolist() == [0, 2, 3, 3, 4, 4]


def test_default_dim_size_and_other_dims():
    src = torch.arange(12.0).view(3, 4)
    index = torch.tensor([0, 2, 2, 0])
    out = scatter(src, index, dim=1, reduce="sum")
    assert torch.equal(
        out, torch.stack([src[:, 0] + src[:, 3], torch.zeros(3), src[:, 1] + src[:, 2]], 1)
    )
    torch.testing.assert_close(
        scatter(src, index, dim=-1, reduce="max"),
        out.new_tensor([[3, 0, 2], [7, 0, 6], [11, 0, 10]]),
    )
    # sorted segment kernel along a later dimension
    sidx = torch.tensor([0, 0, 2, 2])
    torch.testing.assert_close(
        scatter(src, sidx, dim=1, reduce="mean", sorted=True),
        scatter(src, sidx, dim=1, reduce="mean", sorted=False),
    )
    assert scatter(torch.ones(0, 2), torch.zeros(0, dtype=torch.long)).shape == (0, 2)


def test_full_shape_index_and_int32_index():
    src = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    index = torch.tensor([[0, 1], [1, 1], [0, 0]])
    assert torch.equal(scatter(src, index, reduce="sum"), torch.tensor([[6.0, 6.0], [3.0, 6.0]]))
    assert torch.equal(scatter(src, index, reduce="mean"), torch.tensor([[3.0, 6.0], [3.0, 3.0]]))
    assert torch.equal(scatter(src, index, reduce="max"), torch.tensor([[5.0, 6.0], [3.0, 4.0]]))
    i32 = torch.tensor([1, 0, 1], dtype=torch.int32)
    assert torch.equal(scatter(src, i32), scatter(src, i32.long()))


def test_integer_src():
    src = torch.tensor([3, 1, 4, 1, 5])
    index = torch.tensor([0, 0, 1, 1, 3])
    assert scatter(src, index, reduce="sum").tolist() == [4, 5, 0, 5]
    assert scatter(src, index, reduce="max").tolist() == [3, 4, 0, 5]
    assert segment_csr(src, torch.tensor([0, 2, 4, 4, 5]), "min").tolist() == [1, 1, 0, 5]


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min", "mul"])
@pytest.mark.parametrize("sorted_", [False, True])
def test_gradcheck(reduce, sorted_):
    gen = torch.Generator().manual_seed(1)
    index = torch.tensor([0, 0, 1, 3, 3, 3])  # group 2 empty
    src = torch.randn(6, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda s: scatter(s, index, 0, 5, reduce, sorted=sorted_), (src,)
    )


def test_softmax_sums_to_one_and_matches_dense_softmax():
    gen = torch.Generator().manual_seed(2)
    index = torch.randint(0, 7, (50,), generator=gen)
    src = torch.randn(50, 3, generator=gen, dtype=torch.float64) * 30 + 1000  # overflow-prone
    out = scatter_softmax(src, index, dim_size=9)
    assert torch.isfinite(out).all()
    sums = scatter(out, index, dim_size=9)
    present = torch.bincount(index, minlength=9) > 0
    torch.testing.assert_close(sums[present], torch.ones_like(sums[present]))
    for g in index.unique():
        torch.testing.assert_close(out[index == g], torch.softmax(src[index == g], dim=0))
    # along dim 1 with a full-shape index
    full = scatter_softmax(src.t(), index.expand(3, 50), dim=1)
    torch.testing.assert_close(full, out.t())


def test_softmax_gradcheck():
    gen = torch.Generator().manual_seed(3)
    index = torch.tensor([0, 0, 0, 2, 2, 1])
    src = torch.randn(6, 2, generator=gen, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda s: scatter_softmax(s, index), (src,))


def test_segment_csr_matches_scatter():
    gen = torch.Generator().manual_seed(4)
    ptr = torch.tensor([0, 3, 3, 7, 10])
    src = torch.randn(10, 2, generator=gen)
    index = torch.repeat_interleave(torch.arange(4), ptr[1:] - ptr[:-1])
    for reduce in REDUCES:
        torch.testing.assert_close(
            segment_csr(src, ptr, reduce), scatter(src, index, 0, 4, reduce, sorted=False)
        )


def test_torch_scatter_is_not_used_on_cpu(monkeypatch):
    """The benchmark found torch-scatter slower on CPU: even when installed it stays unused."""
    fake = types.ModuleType("torch_scatter")

    def boom(*args, **kwargs):
        raise AssertionError("torch_scatter must not run on CPU")

    fake.scatter = boom
    monkeypatch.setitem(sys.modules, "torch_scatter", fake)
    monkeypatch.setattr(optional, "WITH_TORCH_SCATTER", True)
    src = torch.randn(5, 2, requires_grad=True)
    for reduce in REDUCES:
        scatter(src, torch.tensor([0, 1, 1, 0, 2]), reduce=reduce)


def test_native_path_without_optional_packages(no_optional):
    src = torch.tensor([1.0, 5.0, 2.0])
    assert scatter(src, torch.tensor([1, 1, 0]), reduce="max").tolist() == [2.0, 5.0]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"index": torch.tensor([0, 5, 1]), "dim_size": 3}, "out of range"),
        ({"index": torch.tensor([0, -1, 1])}, "negative"),
        ({"index": torch.tensor([0, -1, 1]), "dim_size": 3}, "negative"),
        ({"index": torch.tensor([0, 1])}, "entries"),
        ({"index": torch.zeros(3, 2, dtype=torch.long)}, "shape"),
        ({"index": torch.tensor([0.0, 1.0, 1.0])}, "integer"),
        ({"index": torch.tensor([0, 1, 1]), "reduce": "median"}, "reduce"),
        ({"index": torch.tensor([0, 1, 1]), "dim": 2}, "dim"),
        ({"index": torch.tensor([0, 1, 1]), "dim_size": -1}, "dim_size"),
        ({"index": torch.tensor([1, 0, 1]), "sorted": True}, "sorted"),
    ],
)
def test_bad_input(kwargs, match):
    src = torch.randn(3)
    with pytest.raises(InvalidArgumentError, match=match) as info:
        scatter(src, **kwargs)
    assert isinstance(info.value, GeonopError) and isinstance(info.value, ValueError)


def test_bad_input_other_entry_points():
    with pytest.raises(InvalidArgumentError, match="mean"):
        scatter(torch.tensor([1, 2]), torch.tensor([0, 0]), reduce="mean")
    with pytest.raises(InvalidArgumentError, match="src"):
        scatter([1.0, 2.0], torch.tensor([0, 0]))
    with pytest.raises(InvalidArgumentError, match="floating"):
        scatter_softmax(torch.tensor([1, 2]), torch.tensor([0, 0]))
    with pytest.raises(InvalidArgumentError, match="out of range"):
        scatter_softmax(torch.randn(2), torch.tensor([0, 4]), dim_size=2)
    with pytest.raises(InvalidArgumentError, match="ptr"):
        segment_csr(torch.randn(4), torch.tensor([0, 3]))
    with pytest.raises(InvalidArgumentError, match="non-decreasing"):
        segment_csr(torch.randn(4), torch.tensor([0, 3, 1, 4]))
    with pytest.raises(InvalidArgumentError, match="reduce"):
        segment_csr(torch.randn(4), torch.tensor([0, 4]), "std")


def test_validate_false_skips_value_checks_but_not_shape_checks():
    src = torch.randn(3)
    out = scatter(src, torch.tensor([0, 1, 1]), dim_size=2, validate=False)
    assert out.shape == (2,)
    with pytest.raises(InvalidArgumentError):
        scatter(src, torch.tensor([0, 1]), dim_size=2, validate=False)
    with pytest.raises(InvalidArgumentError):  # the CPU default validates
        scatter(src, torch.tensor([0, 1, 2]), dim_size=2)
