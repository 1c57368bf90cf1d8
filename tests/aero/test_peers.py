"""Peers of the airfoil benchmark: they train, predict both field sets at any resolution,
batch like single calls, survive a checkpoint, and the nearest-case baseline is exact on
training cases. Uses the shipped dataset (a few cases) on one torch thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch_geometric.data import Batch

import geonop
import geonop.optional
from geonop.aero.metrics import evaluate_surrogate
from geonop.aero.peers import (
    GINOPeer,
    GraphSAGEPeer,
    PointwiseMLP,
    nearest_case_predictor,
    neuralop_available,
    shape_descriptor,
    wall_arc_parameter,
    wall_signed_distance,
)
from geonop.aero.training import airfoil_datasets, model_predictor, train_for_budget
from geonop.data.airfoil.dataset import AirfoilRANSDataset, default_root
from geonop.data.airfoil.features import wall_faces, wall_features
from geonop.data.airfoil.naca import naca4
from geonop.errors import MissingDependencyError

ROOT = Path(__file__).resolve().parents[2]
needs_data = pytest.mark.skipif(not (default_root() / "manifest.json").is_file(),
                                reason="shipped airfoil dataset not present")
needs_neuralop = pytest.mark.skipif(not neuralop_available(),
                                    reason="neuraloperator not installed (extra 'bench')")

SMALL = {
    "pointwise_mlp": lambda: PointwiseMLP(hidden_channels=32, num_layers=2),
    "graph_sage": lambda: GraphSAGEPeer(hidden_channels=24, num_layers=2, k=6),
    "gino": lambda: GINOPeer(grid_size=16, fno_modes=4, fno_hidden_channels=16, fno_layers=1,
                             gno_embed_channels=8, in_gno_mlp=[16], out_gno_mlp=[32],
                             projection_channel_ratio=2, in_gno_radius=0.4, out_gno_radius=0.4),
}
LR = {"pointwise_mlp": 3e-3, "graph_sage": 3e-3, "gino": 1e-2}
PEERS = [pytest.param("pointwise_mlp"), pytest.param("graph_sage"),
         pytest.param("gino", marks=needs_neuralop)]


@pytest.fixture(scope="module")
def data():
    """A tiny dataset: 3 training and 2 test cases of the shipped data, 150 points per view."""
    train, test = airfoil_datasets(None, 150)
    stats = train.statistics([0, 1, 2])
    return train, test, stats


def _build(name: str, stats):
    torch.manual_seed(0)
    model = SMALL[name]()
    model.set_normalization(stats)
    return model


def _batch(samples):
    return Batch.from_data_list(samples, follow_batch=["surface_pos"])


@needs_data
@pytest.mark.parametrize("name", PEERS)
def test_peer_learns_and_predicts_full_resolution(name, data, one_thread):
    train, test, stats = data
    model = _build(name, stats)
    batch = _batch([train[(0, 1)], train[(1, 2)]])
    opt = torch.optim.Adam(model.parameters(), lr=LR[name])
    losses = []
    for _ in range(20):
        opt.zero_grad()
        out = model.training_step(batch)
        out.loss.backward()
        opt.step()
        losses.append(float(out.loss.detach()))
    assert out.weight == 2.0 and {"loss_volume", "loss_surface"} <= set(out.metrics)
    assert losses[-1] < 0.7 * losses[0]
    case = test[0]
    vol, surf = model.predict_all(case)
    assert vol.shape == case.y.shape and surf.shape == case.surface_y.shape
    assert torch.isfinite(vol).all() and torch.isfinite(surf).all()
    sums = model.validation_step(batch)
    assert {"loss", "nmse/y", "rel_l2/y", "nmse/surface/surface_y"} <= set(sums)


@needs_data
@pytest.mark.parametrize("name", PEERS)
def test_batch_equals_single_calls(name, data, one_thread):
    train, _, stats = data
    model = _build(name, stats).eval()
    a, b = train[(0, 3)], train[(2, 4)]
    with torch.no_grad():
        vol, surf = model.forward_all(_batch([a, b]))
        va, sa = model.forward_all(_batch([a]))
        vb, sb = model.forward_all(_batch([b]))
    torch.testing.assert_close(vol, torch.cat([va, vb]), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(surf, torch.cat([sa, sb]), rtol=1e-4, atol=1e-5)


@needs_data
@pytest.mark.parametrize("name", PEERS)
def test_trains_through_trainer_and_reloads(name, data, tmp_path, one_thread):
    train, test, stats = data
    model = _build(name, stats)
    trainer = train_for_budget(model, train, 120.0, tmp_path / name, batch_size=2, stats=stats,
                               training={"max_steps": 2, "warmup_steps": 0})
    assert trainer.step == 2
    loaded = geonop.load(trainer.last_checkpoint)
    assert type(loaded) is type(model)
    case = test[1]
    v0, s0 = model.predict_all(case)
    v1, s1 = loaded.predict_all(case)
    torch.testing.assert_close(v0, v1)
    torch.testing.assert_close(s0, s1)
    report = evaluate_surrogate(model_predictor(loaded), test, stats, [1])
    assert np.isfinite(report.summary()["nmse/volume"])


def test_gino_missing_dependency(monkeypatch):
    monkeypatch.setattr(geonop.optional, "WITH_NEURALOP", False, raising=False)
    with pytest.raises(MissingDependencyError, match="neuraloperator"):
        GINOPeer()


@needs_neuralop
def test_gino_fast_paths_equal_the_package():
    from neuralop.layers.neighbor_search import native_neighbor_search
    from neuralop.layers.segment_csr import segment_csr as neuralop_segment_csr

    from geonop.aero.peers.gino import _radius_search, _segment_csr

    gen = torch.Generator().manual_seed(0)
    data_pts, queries = torch.rand(300, 2, generator=gen), torch.rand(120, 2, generator=gen)
    ref = native_neighbor_search(data_pts, queries, 0.1, return_norm=True)
    got = _radius_search(data_pts, queries, 0.1, return_norm=True)
    assert torch.equal(ref["neighbors_row_splits"], got["neighbors_row_splits"])
    assert torch.equal(ref["neighbors_index"], got["neighbors_index"])
    torch.testing.assert_close(ref["weights"], got["weights"])
    splits = ref["neighbors_row_splits"]
    src = torch.randn(int(splits[-1]), 5, generator=gen)
    for reduction in ("sum", "mean"):
        torch.testing.assert_close(_segment_csr(src, splits, reduction),
                                   neuralop_segment_csr(src, splits, reduction, use_scatter=False))
        batched = src.unsqueeze(0)
        torch.testing.assert_close(
            _segment_csr(batched, splits.unsqueeze(0), reduction),
            neuralop_segment_csr(batched, splits.unsqueeze(0), reduction, use_scatter=False))


@needs_data
@needs_neuralop
def test_gino_fast_paths_give_the_shipped_model(data, one_thread):
    train, _, stats = data
    sample = _batch([train[(0, 5)]])
    outs = []
    for fast in (True, False):
        torch.manual_seed(0)
        model = GINOPeer(grid_size=16, fno_modes=4, fno_hidden_channels=8, fno_layers=1,
                         gno_embed_channels=8, in_gno_mlp=[16], out_gno_mlp=[16],
                         in_gno_radius=0.4, out_gno_radius=0.4, fast_reduction=fast,
                         fast_neighbors=fast)
        model.set_normalization(stats)
        with torch.no_grad():
            outs.append(model.eval().forward_all(sample))
    torch.testing.assert_close(outs[0][0], outs[1][0], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(outs[0][1], outs[1][1], rtol=1e-4, atol=1e-5)


def _naca_faces(m: float, p: float, t: float):
    foil = naca4(m, p, t)
    outline = np.concatenate([foil.upper[::-1], foil.lower[1:-1]])
    return outline, wall_faces(outline)


def test_wall_signed_distance_matches_the_outline():
    outline, faces = _naca_faces(4, 4, 12)
    rng = np.random.default_rng(0)
    q = np.stack([rng.uniform(-0.3, 1.3, 2000), rng.uniform(-0.3, 0.3, 2000)], 1)
    ref = wall_features(outline, q)[:, 0]
    got = wall_signed_distance(torch.from_numpy(q).float(),
                               *(torch.from_numpy(faces[k]) for k in
                                 ("surface_pos", "surface_normal", "surface_length"))).numpy()
    far = np.abs(ref) > 2e-3   # faces are chords of the outline: a few 1e-4 apart at most
    assert np.array_equal(np.sign(got[far]), np.sign(ref[far]))
    assert np.abs(got - ref).max() < 1e-3


def test_shape_descriptor_and_arc_parameter():
    _, faces = _naca_faces(2, 4, 12)
    sp, sn, sl = faces["surface_pos"], faces["surface_normal"], faces["surface_length"]
    s = wall_arc_parameter(sp, sn, sl)
    assert s.min() >= 0 and s.max() < 2
    assert abs(s[np.argmin(sp[:, 0])] - 1.0) < 1e-12          # leading edge
    upper = s < 1
    assert (sp[upper, 1] > sp[~upper, 1].min()).all() and sn[upper & (sp[:, 0] > 0.1), 1].min() > 0
    d = shape_descriptor(sp, sn, sl, stations=40)
    thickness, camber = d[:40], d[40:]
    assert abs(thickness.max() - 0.12) < 0.005
    assert abs(camber.max() - 0.02) < 0.002
    _, sym = _naca_faces(0, 0, 15)
    d_sym = shape_descriptor(sym["surface_pos"], sym["surface_normal"], sym["surface_length"], 40)
    assert np.abs(d_sym[40:]).max() < 1e-3


@pytest.mark.parametrize("native", [False, True])
def test_linear_interpolation_matches_scipy(native, monkeypatch):
    from scipy.interpolate import LinearNDInterpolator

    from geonop.aero.peers.nearest import _linear, _TriangleLocator

    if native:  # scipy's point location instead of matplotlib's
        monkeypatch.setattr(geonop.optional, "WITH_MATPLOTLIB", False)
    rng = np.random.default_rng(0)
    pos, values = rng.normal(size=(300, 2)), rng.normal(size=(300, 3))
    q = 1.3 * rng.normal(size=(400, 2))
    tri = _TriangleLocator(pos)
    assert (tri._finder is None) == (native or not geonop.optional.WITH_MATPLOTLIB)
    got, outside = _linear(tri, pos, values, q)
    ref = LinearNDInterpolator(tri.delaunay, values)(q)
    assert np.array_equal(outside, np.isnan(ref).any(axis=1)) and outside.any()
    np.testing.assert_allclose(got[~outside], ref[~outside], atol=1e-12)


@needs_data
def test_nearest_case_is_exact_on_training_cases(data):
    train, test, stats = data
    predict = nearest_case_predictor(train)
    for i in (0, 7):
        case = train[i]
        assert predict.nearest(case) == i
        vol, surf = predict(case)
        assert np.array_equal(vol, case.y.double().numpy())
        assert np.array_equal(surf, case.surface_y.double().numpy())
    case = test[0]
    j = predict.nearest(case)
    assert train.globals()["shape_id"][j] != case.case_id.split("_")[0]
    vol, surf = predict(case)
    assert vol.shape == tuple(case.y.shape) and surf.shape == tuple(case.surface_y.shape)
    assert np.isfinite(vol).all() and np.isfinite(surf).all()
    report = evaluate_surrogate(predict, test, stats, [0]).summary()
    assert report["nmse/volume"] < 0.5       # a neighbour's flow, not noise (true: ~0.02-0.1)


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory):
    """A dataset folder with 3 training and 2 test cases (links to the shipped files)."""
    src = default_root()
    root = tmp_path_factory.mktemp("airfoil_tiny")
    split = json.loads((src / "split.json").read_text())
    split["train"], split["test"] = split["train"][:3], split["test"][:2]
    (root / "split.json").write_text(json.dumps(split))
    (root / "manifest.json").symlink_to(src / "manifest.json")
    (root / "meshes").symlink_to(src / "meshes")
    (root / "cases").symlink_to(src / "cases")
    assert len(AirfoilRANSDataset(root, "train")) == 3
    return root


def _bench(args: list[str]) -> dict:
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_aero.py"), *args],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert "| model |" in res.stderr
    if "--quick" in args:
        assert len(res.stdout.strip().splitlines()) == 1, res.stdout
    return json.loads(res.stdout)


@needs_data
def test_bench_in_process_on_a_tiny_dataset(tiny_root, tmp_path, monkeypatch, capsys, one_thread):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import bench_aero

    out = tmp_path / "r.json"
    bench_aero.main(["--root", str(tiny_root), "--budget", "1", "--test-cases", "1",
                     "--query-points", "100", "--models", "pointwise_mlp,nearest_case",
                     "--no-decode", "--quick", "--out", str(out)])
    captured = capsys.readouterr()
    res = json.loads(captured.out)
    assert json.loads(out.read_text()) == res
    assert set(res["models"]) == {"pointwise_mlp", "nearest_case"} and res["test_cases"] == 1
    assert res["models"]["pointwise_mlp"]["train_steps"] >= 1
    assert "| pointwise_mlp |" in captured.err and "| nearest_case |" in captured.err


@needs_data
@pytest.mark.slow
def test_bench_runs_every_model_on_a_tiny_dataset(tiny_root, tmp_path):
    out = tmp_path / "results.json"
    res = _bench(["--root", str(tiny_root), "--budget", "1.5", "--test-cases", "2",
                  "--query-points", "150", "--decode-points", "3000", "--out", str(out)])
    assert json.loads(out.read_text()) == res
    models = res["models"]
    assert set(models) == {"neural_field", "pointwise_mlp", "graph_sage", "gino", "nearest_case"}
    for name, r in models.items():
        if "skipped" in r:
            assert name == "gino" and not neuralop_available()
            continue
        for key in ("nmse/volume", "nmse/surface", "rel_l2/volume/U", "rel_l2/surface/p",
                    "cl_rel_error", "cd_rel_error", "cl_spearman", "train_seconds",
                    "train_steps", "seconds_per_case"):
            assert key in r, (name, key)
        if name != "nearest_case":
            assert r["train_steps"] >= 1
            assert r["resolution"]["nmse_ratio_full_over_subset"] > 0
    decode = res["neural_field_decode"]
    assert [d["points"] for d in decode] == [1000, 3000]
    assert all(d["finite"] and d["decode_s"] > 0 for d in decode)


@needs_data
@pytest.mark.slow
def test_bench_quick():
    res = _bench(["--quick"])
    assert res["quick"] and res["test_cases"] == 6
    assert res["neural_field_decode"][-1]["points"] == 10_000
