"""Benchmark geonop's CUDA path against its CPU path, on the same machine, in one process.

Needs a CUDA device (exits with a message otherwise). Figures, each a ratio CPU time / GPU
time with every CPU core given to torch (``--threads``, default all) and medians of
``--repeats`` runs after a warm-up:

- ``neighbors``: a radius graph of ``--points`` uniform 3D points (about 16 neighbours
  each): scipy's cKDTree on all cores vs geonop's torch cell-list backend on the GPU, and
  whether the edge sets are equal;
- ``fps``: farthest-point sampling of 2 % of 100k points;
- ``airfoil_step``: one training step (forward, backward, AdamW) of the ``geonop demo``
  neural-field operator on batches of 4 shipped airfoil cases: CPU float32, GPU float32 and
  GPU bfloat16 autocast;
- ``airfoil_decode``: decoding ``--decode-points`` query points around a test airfoil
  (chunked), time and peak GPU memory;
- ``particles_step``: one rollout step of the graph interaction operator with a 1k-node
  state and 100k query points (CPU: the fused numba decoder; GPU: the torch edge list).

    python benchmarks/bench_gpu.py --quick      # one JSON line (1M-point decode skipped)
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _common import arguments, emit, environment, set_threads
from torch_geometric.data import Batch

ROOT = Path(__file__).resolve().parents[1]


def _timed(fn: Callable[[], Any], device: torch.device, repeats: int) -> float:
    """Median wall seconds of ``fn`` after one warm-up, synchronising the GPU."""
    def once() -> float:
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        t0 = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        return time.perf_counter() - t0

    once()
    return float(np.median([once() for _ in range(repeats)]))


def neighbors_figure(points: int, repeats: int, gpu: torch.device) -> dict:
    from geonop.graph.neighbors import radius_graph

    x = torch.rand(points, 3, generator=torch.Generator().manual_seed(0))
    r = (16 / (4 / 3 * math.pi * points)) ** (1 / 3)
    cpu_edges: list[torch.Tensor] = []
    t_cpu = _timed(lambda: cpu_edges.append(radius_graph(x, r, num_workers=-1, backend="scipy")),
                   torch.device("cpu"), max(1, repeats // 2))
    xg = x.to(gpu)
    gpu_edges: list[torch.Tensor] = []
    t_gpu = _timed(lambda: gpu_edges.append(radius_graph(xg, r)), gpu, repeats)
    a, b = cpu_edges[-1], gpu_edges[-1].cpu()
    same = a.shape == b.shape and bool(torch.equal(torch.sort(a[0] * points + a[1]).values,
                                                   torch.sort(b[0] * points + b[1]).values))
    return {"points": points, "edges": int(a.shape[1]), "cpu_scipy_s": round(t_cpu, 4),
            "gpu_torch_s": round(t_gpu, 4), "speedup": round(t_cpu / t_gpu, 1),
            "same_edges": same}


def fps_figure(repeats: int, gpu: torch.device) -> dict:
    from geonop.graph.sampling import farthest_point_sample

    pos = torch.rand(100_000, 3, generator=torch.Generator().manual_seed(1))
    t_cpu = _timed(lambda: farthest_point_sample(pos, 2000), torch.device("cpu"), repeats)
    pg = pos.to(gpu)
    t_gpu = _timed(lambda: farthest_point_sample(pg, 2000), gpu, repeats)
    same = bool(torch.equal(farthest_point_sample(pos, 2000),
                            farthest_point_sample(pg, 2000).cpu()))
    return {"points": 100_000, "samples": 2000, "cpu_s": round(t_cpu, 4),
            "gpu_s": round(t_gpu, 4), "speedup": round(t_cpu / t_gpu, 1), "same_samples": same}


def _airfoil_model(stats: dict) -> torch.nn.Module:
    from geonop.aero.demo import DEMO_MODEL
    from geonop.models import NeuralFieldOperator

    torch.manual_seed(0)
    model = NeuralFieldOperator(4, 3, 2, 2, **DEMO_MODEL)
    model.set_normalization(stats)
    return model


def airfoil_step_figure(repeats: int, gpu: torch.device) -> dict:
    from geonop.aero.training import airfoil_datasets

    train, _ = airfoil_datasets(None, 1000)
    stats = train.statistics()
    batches = [Batch.from_data_list([train[(4 * k + i, k)] for i in range(4)],
                                    follow_batch=["surface_pos"]) for k in range(4)]
    out: dict[str, Any] = {"batch": 4, "query_points_per_case": 1000}
    for name, device, amp in (("cpu_fp32", torch.device("cpu"), None), ("gpu_fp32", gpu, None),
                              ("gpu_bf16", gpu, torch.bfloat16)):
        model = _airfoil_model(stats).to(device).train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        data = [b.to(device) for b in batches]
        k = [0]

        def step(model=model, opt=opt, data=data, device=device, amp=amp, k=k) -> None:
            with torch.autocast(device.type, dtype=amp or torch.float32, enabled=amp is not None):
                loss = model.training_step(data[k[0] % len(data)]).loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            k[0] += 1

        out[f"{name}_s"] = round(_timed(step, device, repeats), 4)
    out["speedup_fp32"] = round(out["cpu_fp32_s"] / out["gpu_fp32_s"], 1)
    out["speedup_bf16"] = round(out["cpu_fp32_s"] / out["gpu_bf16_s"], 1)
    return out


def airfoil_decode_figure(points: int, gpu: torch.device) -> dict:
    from geonop.aero.training import airfoil_datasets
    from geonop.data.airfoil.dataset import potential_features
    from geonop.data.airfoil.features import default_query_points, wall_features

    train, test = airfoil_datasets(None, 1000)
    model = _airfoil_model(train.statistics()).eval()
    data = test[0]
    outline = test.case(0)["outline"]
    n_far = points // 5
    pos = default_query_points(outline, n_near=points - n_far, n_far=n_far, seed=0)
    x = wall_features(outline, pos)
    prior, _ = potential_features(outline, float(data.aoa_deg), pos, data.surface_pos.numpy(), x)
    data.pos, data.x = torch.from_numpy(pos.astype(np.float32)), torch.from_numpy(x)
    data.prior = torch.from_numpy(prior)
    del data.y
    batch = Batch.from_data_list([data], follow_batch=["surface_pos"])
    out: dict[str, Any] = {"points": len(pos)}
    with torch.no_grad():
        t0 = time.perf_counter()
        v_cpu, _ = model.predict_all(batch)
        out["cpu_s"] = round(time.perf_counter() - t0, 3)
        model.to(gpu)
        model.predict_all(batch)      # warm-up
        torch.cuda.reset_peak_memory_stats(gpu)
        base = torch.cuda.memory_allocated(gpu)
        torch.cuda.synchronize(gpu)
        t0 = time.perf_counter()
        v_gpu, _ = model.predict_all(batch)
        torch.cuda.synchronize(gpu)
        out["gpu_s"] = round(time.perf_counter() - t0, 3)
    out["gpu_peak_extra_mb"] = round((torch.cuda.max_memory_allocated(gpu) - base) / 2**20, 1)
    out["speedup"] = round(out["cpu_s"] / out["gpu_s"], 1)
    out["max_abs_diff_cpu_gpu"] = float((v_gpu.cpu() - v_cpu).abs().max())
    return out


def particles_step_figure(repeats: int, gpu: torch.device) -> dict:
    from geonop.models.particles import GraphInteractionOperator

    side, spacing = 32, math.sqrt(8) / 128
    lattice = torch.stack(torch.meshgrid(torch.arange(side), torch.arange(side), indexing="ij"),
                          -1).reshape(-1, 2).double() * spacing + 0.15
    vel = torch.tensor([0.0, -2e-3], dtype=torch.float64)
    hist = (lattice[:, None] + torch.arange(-5, 1, dtype=torch.float64)[None, :, None] * vel).float()
    ptype = torch.full((len(lattice),), 5)
    q = 0.15 + spacing * (side - 1) * torch.rand(100_000, 2, generator=torch.Generator().manual_seed(2))
    qh = torch.stack([q - vel.float(), q], dim=1)
    torch.manual_seed(0)
    model = GraphInteractionOperator(connectivity_radius=0.015, bounds=[[0.1, 0.9], [0.1, 0.9]],
                                     latent_dim=64, num_steps=4, sparse_ratio=1.0,
                                     gravity_prior=False).eval()
    out: dict[str, Any] = {"state_particles": len(lattice), "query_points": len(q)}
    with torch.no_grad():
        out["cpu_s"] = round(_timed(lambda: model.step(hist, ptype, query_history=qh),
                                    torch.device("cpu"), repeats), 4)
        _, q_cpu = model.step(hist, ptype, query_history=qh)
        model.to(gpu)
        hg, pg, qg = hist.to(gpu), ptype.to(gpu), qh.to(gpu)
        out["gpu_s"] = round(_timed(lambda: model.step(hg, pg, query_history=qg), gpu, repeats), 4)
        _, q_gpu = model.step(hg, pg, query_history=qg)
    out["speedup"] = round(out["cpu_s"] / out["gpu_s"], 1)
    out["max_abs_diff_cpu_gpu"] = float((q_gpu.cpu() - q_cpu).abs().max())
    return out


def main(argv: list[str] | None = None) -> None:
    p = arguments(__doc__, repeats=5, threads=os.cpu_count())
    p.add_argument("--points", type=int, default=None, help="radius-graph points (default 1M)")
    p.add_argument("--decode-points", type=int, default=None,
                   help="query points decoded (default 1M; --quick 100k)")
    args = p.parse_args(argv)
    if not torch.cuda.is_available():
        sys.exit("bench_gpu: no CUDA device here; run it on a GPU machine")
    set_threads(args.threads)
    gpu = torch.device("cuda")
    repeats = 3 if args.quick else args.repeats
    record: dict[str, Any] = {"benchmark": "gpu", "quick": args.quick, **environment(),
                              "gpu": torch.cuda.get_device_name(gpu)}
    figures = {
        "neighbors": lambda: neighbors_figure(args.points or 1_000_000, repeats, gpu),
        "fps": lambda: fps_figure(repeats, gpu),
        "airfoil_step": lambda: airfoil_step_figure(repeats, gpu),
        "airfoil_decode": lambda: airfoil_decode_figure(
            args.decode_points or (100_000 if args.quick else 1_000_000), gpu),
        "particles_step": lambda: particles_step_figure(repeats, gpu),
    }
    for name, fn in figures.items():
        t0 = time.perf_counter()
        try:
            record[name] = fn()
        except Exception as exc:  # noqa: BLE001  (one broken figure must not hide the others)
            record[name] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"{name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    emit(record)


if __name__ == "__main__":
    main()
