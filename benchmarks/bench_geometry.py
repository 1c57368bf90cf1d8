"""Benchmark geonop.geometry: exact signed distance and surface sampling.

Prints ONE JSON line. Measured on a bumpy sphere of 20,480 triangles (non-convex):

* ``sdf``: signed distance of 100,000 queries uniform in the bounding box padded by
  10 %, with geonop's BVH search, against a brute-force chunked torch baseline
  (every query against every triangle, float64) run in the same process on a
  subset of the queries and extrapolated to all of them (running it on all 100k
  takes minutes). The subset's distances are compared.
* ``sdf_2d``: signed distance of 100,000 queries to a 2,000-segment airfoil curve.
* ``sampling``: 1,000,000 area-weighted points (with normals) from the same surface.

Wall and CPU seconds are both reported (CPU time sums geonop's query threads), with
the 1-minute load average: on a shared machine the wall times depend on it.

Usage: ``python benchmarks/bench_geometry.py [--quick]``.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
import trimesh
from _common import emit, environment, median_time

from geonop.geometry import DistanceIndex, sample_surface


def bumpy_sphere(subdivisions: int = 5) -> tuple[np.ndarray, np.ndarray]:
    mesh = trimesh.creation.icosphere(subdivisions=subdivisions)
    v = np.asarray(mesh.vertices, dtype=np.float64)
    theta = np.arctan2(v[:, 1], v[:, 0])
    phi = np.arccos(np.clip(v[:, 2], -1, 1))
    r = 1 + 0.1 * np.sin(5 * theta) * np.sin(4 * phi)
    return v * r[:, None], np.asarray(mesh.faces, dtype=np.int64)


def airfoil(n: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    beta = np.linspace(0.0, np.pi, n + 1)
    x = 0.5 * (1 - np.cos(beta))
    yt = 0.6 * (0.2969 * np.sqrt(x) - 0.126 * x - 0.3516 * x**2 + 0.2843 * x**3 - 0.1036 * x**4)
    pts = np.concatenate([np.stack([x, yt], 1)[::-1], np.stack([x, -yt], 1)[1:-1]])
    k = len(pts)
    return pts, np.stack([np.arange(k), (np.arange(k) + 1) % k], 1)


def torch_brute_distance(
    q: np.ndarray, v: np.ndarray, f: np.ndarray, chunk: int = 64
) -> np.ndarray:
    """Unsigned distance, every query against every triangle (Ericson's closest point)."""
    qt = torch.as_tensor(q)
    a = torch.as_tensor(v[f[:, 0]])
    b = torch.as_tensor(v[f[:, 1]])
    c = torch.as_tensor(v[f[:, 2]])
    ab, ac = b - a, c - a
    out = []
    for s in range(0, len(qt), chunk):
        p = qt[s : s + chunk, None, :]
        ap, bp, cp = p - a, p - b, p - c
        d1, d2 = (ab * ap).sum(-1), (ac * ap).sum(-1)
        d3, d4 = (ab * bp).sum(-1), (ac * bp).sum(-1)
        d5, d6 = (ab * cp).sum(-1), (ac * cp).sum(-1)
        va, vb, vc = d3 * d6 - d5 * d4, d5 * d2 - d1 * d6, d1 * d4 - d3 * d2
        denom = (va + vb + vc).clamp_min(1e-300)
        v_ = vb / denom
        w_ = vc / denom
        x = a + v_[..., None] * ab + w_[..., None] * ac  # interior
        t_bc = ((d4 - d3) / ((d4 - d3) + (d5 - d6)).clamp_min(1e-300))[..., None]
        x = torch.where(
            ((va <= 0) & (d4 - d3 >= 0) & (d5 - d6 >= 0))[..., None], b + t_bc * (c - b), x
        )
        t_ac = (d2 / (d2 - d6).clamp_min(1e-300))[..., None]
        x = torch.where(((vb <= 0) & (d2 >= 0) & (d6 <= 0))[..., None], a + t_ac * ac, x)
        x = torch.where(((d6 >= 0) & (d5 <= d6))[..., None], c, x)
        t_ab = (d1 / (d1 - d3).clamp_min(1e-300))[..., None]
        x = torch.where(((vc <= 0) & (d1 >= 0) & (d3 <= 0))[..., None], a + t_ab * ab, x)
        x = torch.where(((d3 >= 0) & (d4 <= d3))[..., None], b, x)
        x = torch.where(((d1 <= 0) & (d2 <= 0))[..., None], a, x)
        out.append(torch.linalg.vector_norm(p - x, dim=-1).min(dim=1).values)
    return torch.cat(out).numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller brute-force subset")
    args = parser.parse_args()
    n_query, n_brute = 100_000, (200 if args.quick else 2000)
    rng = np.random.default_rng(0)

    v, f = bumpy_sphere(5)
    lo, hi = v.min(0), v.max(0)
    q = rng.uniform(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo), size=(n_query, 3))
    build = median_time(lambda: DistanceIndex(v, f), 1)
    index = build.out
    index.signed_distance(q[:2000])  # first call also checks the topology
    query = median_time(lambda: index.signed_distance(q), 1)
    sd = query.out
    brute = median_time(lambda: torch_brute_distance(q[:n_brute], v, f), 1)
    brute_100k = brute.wall * n_query / n_brute
    geonop_total = build.wall + query.wall

    v2, s2 = airfoil(1000)
    q2 = rng.uniform([-0.5, -0.5], [1.5, 0.5], size=(n_query, 2))
    build2 = median_time(lambda: DistanceIndex(v2, s2), 1)
    query2 = median_time(lambda: build2.out.signed_distance(q2), 1)

    sample = median_time(lambda: sample_surface(v, f, 1_000_000, seed=0), 1)
    env = environment()
    emit(
        {
            "benchmark": "geometry",
            "quick": args.quick,
            "machine": f"{env['machine']} torch-threads={env['torch_threads']}",
            "load_avg_1min": env["load_average_1min"],
            "sdf": {
                "faces": len(f),
                "queries": n_query,
                "geonop_build_s": round(build.wall, 3),
                "geonop_query_s": round(query.wall, 3),
                "geonop_query_cpu_s": round(query.cpu, 3),
                "geonop_total_s": round(geonop_total, 3),
                "brute_torch_queries_measured": n_brute,
                "brute_torch_measured_s": round(brute.wall, 3),
                "brute_torch_measured_cpu_s": round(brute.cpu, 3),
                "brute_torch_extrapolated_s": round(brute_100k, 1),
                "speedup": round(brute_100k / geonop_total, 1),
                "max_abs_diff_vs_brute": float(np.abs(np.abs(sd[:n_brute]) - brute.out).max()),
                "inside_fraction": float(np.mean(sd < 0)),
            },
            "sdf_2d": {
                "segments": len(s2),
                "queries": n_query,
                "geonop_build_s": round(build2.wall, 3),
                "geonop_query_s": round(query2.wall, 3),
                "geonop_query_cpu_s": round(query2.cpu, 3),
            },
            "sampling": {
                "faces": len(f),
                "points": 1_000_000,
                "seconds": round(sample.wall, 3),
                "cpu_s": round(sample.cpu, 3),
            },
        }
    )


if __name__ == "__main__":
    main()
