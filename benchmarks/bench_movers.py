"""Benchmark mesh movers on held-out sharp-front fields: uniform vs classical vs learned.

For each held-out field (random tanh fronts, seeds never used in training) on a 33 x 33-node
unit-square mesh (a structured grid and a jittered Delaunay mesh, same node count):

* ``uniform``: the mesh as it is;
* ``classical``: :class:`geonop.movers.MongeAmpereMover` (relaxation, up to 300 iterations)
  with the exact curvature monitor ``1 + 5 ||H(u)|| / max ||H(u)||`` of the fronts widened
  to 0.05 (what a 1/32 mesh resolves);
* ``learned``: :class:`geonop.movers.DataFreeMeshMover` from the shipped checkpoint
  ``datasets/movers/dmm_fronts.pt`` (trained data-free on the same monitor; retrain with
  ``--train``), given only the field values at the nodes.

Figures: interpolation error (RMS over a 400 x 400 sample of the P1 interpolant of the exact
field) reduction ``e_uniform / e_moved`` and fractional reduction
``(e_uniform - e_moved) / e_uniform``, the learned share of the classical fractional reduction
(target >= 0.9), median time per mesh (target: learned >= 100x faster), tangled cells (target
0), equidistribution and minimum angle. Both movers run in this process on one thread.

``--integration``: does placing an operator's latent nodes with the mover help?
:class:`geonop.models.latent_grid.LatentGridOperator` (GINO-style, 256 latent nodes) with
``placement`` uniform, ``mover`` (placed by :class:`geonop.movers.MoverPlacement`, operator in
physical coordinates) and ``computational`` (operator in the mover's computational
coordinates), same budget and seed, held-out fields.

    python benchmarks/bench_movers.py --quick      # 6 fields x 2 meshes, one JSON line
    python benchmarks/bench_movers.py              # 20 fields x 2 meshes
    python benchmarks/bench_movers.py --integration [--quick]
    python benchmarks/bench_movers.py --train --train-steps 1500 --train-time 900  # retrain (15 min)

Measured (shared 2-core CPU, load about 4, one thread; full table in docs/movers.md): full
run, learned 3.41x lower interpolation error vs classical 2.81x (110 % of the classical
reduction), 0 tangled cells for both, 1.03 s vs 7.96 ms per mesh (130x); ``--quick`` 125x.
``--integration`` (load 3.8-2.5, 635 s): moved latent nodes alone do not help the
LatentGridOperator (0.99x); with the operator in the mover's computational coordinates its
held-out error is 1.56x lower (``--quick``: 0.98x and 1.79x).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

# one thread for every library, set before numpy and torch load their thread pools (setting it
# in main() came too late for BLAS): both movers are timed on one core, in this process
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINT = ROOT / "datasets" / "movers" / "dmm_fronts.pt"
ALPHA, MIN_WIDTH, MONITOR = 5.0, 0.05, "hessian"


def train_checkpoint(path: Path, steps: int, max_time: float | None, seed: int = 0,
                     run_dir: Path | None = None) -> dict:
    """Train a DataFreeMeshMover data-free and write a slim checkpoint (weights only);
    the Trainer's own checkpoints and logs go to ``run_dir`` (default: a temporary folder)."""
    from geonop.movers import DataFreeMeshMover, FrontFieldDataset
    from geonop.train import Trainer
    from geonop.train.checkpoint import save_checkpoint

    # fields are generated on the fly and seen about once each (100,000 of them, not cached):
    # the first checkpoint, trained on 256 fields, memorised them
    ds = FrontFieldDataset(100_000, monitor=MONITOR, alpha=ALPHA, min_width=MIN_WIDTH,
                           seed=seed, statistics_resolution=101, cache=False)
    torch.manual_seed(seed)
    model = DataFreeMeshMover()
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(
            model,
            ds,
            config={
                "max_steps": steps,
                "lr": 3e-3,
                "warmup_steps": 20,
                "min_lr": 1e-4,
                "grad_clip": 1.0,
                "eval_every": 0,
                "checkpoint_every": 200,
                "log_every": 20,
                "progress": "auto",
                "max_time": max_time,
            },
            output_dir=run_dir or tmp,
            batch_size=8,
            seed=seed,
            verbose=False,
        )
        result = trainer.fit()
    save_checkpoint(
        path, model, data=trainer.data_description(), metrics={"train_steps": float(result.step)}
    )
    return {"steps": result.step, "seconds": round(result.elapsed_s, 1)}


def _median_time(fn, repeats: int, number: int = 1) -> tuple[float, object]:
    """Median over ``repeats`` of the mean time of ``number`` consecutive calls. A call of a
    few ms is often cut by the scheduler on a shared machine (time slices of ~4 ms), which a
    1-2 s classical move only suffers in proportion; timing ``number`` calls in a row gives
    both movers the same share of the CPU."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            out = fn()
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times), out


def run(num_fields: int, checkpoint: Path, seed: int = 12345) -> dict:
    import geonop
    from geonop.movers import (
        MongeAmpereMover,
        analytic_hessian_monitor,
        equidistribution,
        interpolation_error,
        jittered_delaunay_mesh,
        minimum_angle,
        random_front_field,
        structured_triangle_mesh,
        tangled_cells,
    )

    model = geonop.load(checkpoint)
    classical = MongeAmpereMover()
    meshes = {
        "structured": structured_triangle_mesh(33),
        "unstructured": jittered_delaunay_mesh(33, seed=seed),
    }
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(num_fields):
        field = random_front_field(rng)
        mfield = field.widened(MIN_WIDTH)
        monitor = analytic_hessian_monitor(mfield.hessian_norm, ALPHA, mfield.max_hessian_norm())
        for kind, (pts, tri) in meshes.items():
            values = field.value(pts)
            e0 = interpolation_error(pts, tri, field.value)["l2"]
            t_c, res_c = _median_time(partial(classical.move, pts, tri, monitor), 1)
            model.move(pts, values, tri)  # warm-up
            t_l, res_l = _median_time(partial(model.move, pts, values, tri), 5, 10)
            row = {"field": i, "mesh": kind, "e_uniform": e0}
            for name, res, t in (("classical", res_c, t_c), ("learned", res_l, t_l)):
                e = interpolation_error(res.points, tri, field.value)["l2"]
                row.update(
                    {
                        f"e_{name}": e,
                        f"time_{name}": t,
                        f"scale_{name}": res.scale,
                        f"tangled_{name}": tangled_cells(res.points, tri),
                        f"cv_{name}": equidistribution(res.points, tri, monitor)["cv"],
                        f"min_angle_{name}": minimum_angle(res.points, tri),
                    }
                )
            row["cv_uniform"] = equidistribution(pts, tri, monitor)["cv"]
            rows.append(row)

    def med(key: str) -> float:
        return float(np.median([r[key] for r in rows]))

    def mean(key: str) -> float:
        return float(np.mean([r[key] for r in rows]))

    ratio_c = [r["e_uniform"] / r["e_classical"] for r in rows]
    ratio_l = [r["e_uniform"] / r["e_learned"] for r in rows]
    frac_c = [1 - r["e_classical"] / r["e_uniform"] for r in rows]
    frac_l = [1 - r["e_learned"] / r["e_uniform"] for r in rows]
    out = {
        "cases": len(rows),
        "fields": num_fields,
        "nodes": len(meshes["structured"][0]),
        "monitor": f"1 + {ALPHA} ||H(u)||/max, fronts widened to {MIN_WIDTH}",
        "error_ratio_classical_mean": round(float(np.mean(ratio_c)), 3),
        "error_ratio_learned_mean": round(float(np.mean(ratio_l)), 3),
        "error_ratio_classical_min": round(float(np.min(ratio_c)), 3),
        "error_ratio_learned_min": round(float(np.min(ratio_l)), 3),
        "reduction_classical_mean": round(float(np.mean(frac_c)), 3),
        "reduction_learned_mean": round(float(np.mean(frac_l)), 3),
        "learned_share_of_classical_reduction": round(float(np.mean(frac_l) / np.mean(frac_c)), 3),
        "time_classical_median_s": round(med("time_classical"), 4),
        "time_learned_median_s": round(med("time_learned"), 5),
        "speedup_learned_vs_classical": round(med("time_classical") / med("time_learned"), 1),
        "tangled_classical_total": int(sum(r["tangled_classical"] for r in rows)),
        "tangled_learned_total": int(sum(r["tangled_learned"] for r in rows)),
        "learned_scaled_back_cases": int(sum(r["scale_learned"] < 1 for r in rows)),
        "cv_uniform_mean": round(mean("cv_uniform"), 3),
        "cv_classical_mean": round(mean("cv_classical"), 3),
        "cv_learned_mean": round(mean("cv_learned"), 3),
        "min_angle_classical": round(min(r["min_angle_classical"] for r in rows), 2),
        "min_angle_learned": round(min(r["min_angle_learned"] for r in rows), 2),
    }
    for kind in meshes:
        sel = [r for r in rows if r["mesh"] == kind]
        out[f"error_ratio_learned_mean_{kind}"] = round(
            float(np.mean([r["e_uniform"] / r["e_learned"] for r in sel])), 3
        )
        out[f"error_ratio_classical_mean_{kind}"] = round(
            float(np.mean([r["e_uniform"] / r["e_classical"] for r in sel])), 3
        )
    out["targets_met"] = {
        "learned_ge_90pct_of_classical": out["learned_share_of_classical_reduction"] >= 0.9,
        "reduction_ge_2x_learned": out["error_ratio_learned_mean"] >= 2.0,
        "reduction_ge_2x_classical": out["error_ratio_classical_mean"] >= 2.0,
        "speedup_ge_100x": out["speedup_learned_vs_classical"] >= 100,
        "zero_tangled": out["tangled_learned_total"] == 0 and out["tangled_classical_total"] == 0,
    }
    return out


def integration(quick: bool, checkpoint: Path, seed: int = 0) -> dict:
    """Does placing an operator's latent nodes with a mover help? The same
    :class:`geonop.models.latent_grid.LatentGridOperator` (256 latent nodes, kernel integrals
    of radii 0.05 and 0.1, two message-passing steps on the grid), the same training budget
    and seed, three ways (its ``placement`` argument):

    * ``uniform``: latent nodes on a uniform 16 x 16 grid;
    * ``mover``: that grid moved by the learned mover from the input samples
      (:class:`geonop.movers.MoverPlacement`), everything else in physical coordinates;
    * ``computational``: the same move, but the operator works in the mover's computational
      coordinates (inputs and queries mapped back through the moved grid, where the latent
      nodes are the uniform grid), so its fixed kernel radii cover less physical space where
      the nodes gathered.

    Task (:class:`geonop.movers.FrontReconstructionDataset`): reconstruct a sharp-front field
    at random query points from its values on a 32 x 32 grid through the 256 latent nodes.
    Trained with :class:`geonop.train.Trainer` (Adam 2e-3, cosine, 4 fields per step, 256
    random queries each); error on held-out fields at a 64 x 64 grid of queries: relative L2,
    and near the fronts (``|grad u|`` in its top 10 %).
    """
    from geonop.models.latent_grid import LatentGridOperator
    from geonop.movers import FrontReconstructionDataset
    from geonop.train import Trainer

    n_train, n_test, steps = (64, 16, 150) if quick else (256, 64, 1000)
    data = FrontReconstructionDataset(num_samples=n_train + n_test, input_resolution=32,
                                      query_points=256, eval_resolution=64, seed=seed + 777)
    train_idx, test_idx = list(range(n_train)), list(range(n_train, n_train + n_test))
    fields = {i: data.field(i) for i in test_idx}
    out: dict = {"integration_task": "reconstruct sharp fronts through 256 latent nodes",
                 "model": "LatentGridOperator", "train_fields": n_train, "test_fields": n_test,
                 "steps": steps, "load_average_start": round(os.getloadavg()[0], 2)}
    for placement in ("uniform", "mover", "computational"):
        torch.manual_seed(seed)
        model = LatentGridOperator(nodes_per_side=16, placement=placement,
                                   mover_checkpoint=str(checkpoint))
        if placement == "mover":  # what placing the nodes costs per field (first use, no cache)
            t0 = time.perf_counter()
            for i in test_idx[:8]:
                s = data[i]
                model.latent_positions(s.input_pos.double().numpy(), s.input_x[:, 0].double().numpy())
            out["placement_s_per_field"] = round((time.perf_counter() - t0) / 8, 4)
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            Trainer(model, data, train_indices=train_idx,
                    config={"max_steps": steps, "optimizer": "adam", "lr": 2e-3,
                            "scheduler": "cosine", "eval_every": 0, "checkpoint_every": 0,
                            "log_every": 50, "progress": "auto"},
                    output_dir=tmp, batch_size=4, seed=seed, verbose=False).fit()
        errs, front = [], []
        for i in test_idx:
            sample = data[i]
            pred = model.predict(sample)[:, 0].double().numpy()
            target = sample.y[:, 0].double().numpy()
            err = pred - target
            errs.append(np.linalg.norm(err) / np.linalg.norm(target))
            gn = np.linalg.norm(fields[i].gradient(sample.pos.double().numpy()), axis=1)
            sel = gn >= np.quantile(gn, 0.9)
            front.append(np.linalg.norm(err[sel]) / np.linalg.norm(target[sel]))
        out[f"rel_l2_{placement}"] = round(float(np.mean(errs)), 4)
        out[f"rel_l2_near_fronts_{placement}"] = round(float(np.mean(front)), 4)
        out[f"train_s_{placement}"] = round(time.perf_counter() - t0, 1)
    for name in ("mover", "computational"):
        out[f"error_ratio_uniform_over_{name}"] = round(
            out["rel_l2_uniform"] / out[f"rel_l2_{name}"], 3)
        out[f"near_fronts_ratio_uniform_over_{name}"] = round(
            out["rel_l2_near_fronts_uniform"] / out[f"rel_l2_near_fronts_{name}"], 3)
    out["helps"] = min(out["rel_l2_mover"], out["rel_l2_computational"]) < out["rel_l2_uniform"]
    out["load_average_end"] = round(os.getloadavg()[0], 2)
    return out


def _mmpde(quick: bool) -> dict:
    """The MM-PDE benchmark's JSON record (run as its own script, one thread)."""
    import subprocess

    cmd = [sys.executable, str(Path(__file__).with_name("bench_mmpde.py"))]
    res = subprocess.run(cmd + (["--quick"] if quick else []), capture_output=True, text=True,
                         check=False)
    lines = res.stdout.strip().splitlines()
    if res.returncode != 0 or not lines:
        return {"error": (res.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="6 held-out fields (< 2 minutes)")
    p.add_argument("--fields", type=int, default=None, help="number of held-out fields")
    p.add_argument("--checkpoint", type=Path, default=CHECKPOINT)
    p.add_argument("--train", action="store_true", help="retrain the checkpoint first")
    p.add_argument("--train-steps", type=int, default=5000)
    p.add_argument("--train-time", type=float, default=None, help="training budget, seconds")
    p.add_argument("--train-dir", type=Path, default=None, help="keep the training run here")
    p.add_argument("--integration", action="store_true",
                   help="operator with latent nodes uniform vs placed by the mover")
    p.add_argument("--all", action="store_true",
                   help="every figure of the mover docs in one run: learned vs classical, the "
                        "operator integration and MM-PDE (benchmarks/bench_mmpde.py)")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    t0 = time.perf_counter()
    trained = None
    if args.train or not args.checkpoint.exists():
        steps, budget = (args.train_steps, args.train_time) if args.train else (60, 45.0)
        trained = train_checkpoint(args.checkpoint, steps, budget, run_dir=args.train_dir)
        print(f"trained {trained}", file=sys.stderr)
    if args.all:
        out = {"movers": run(args.fields or (6 if args.quick else 20), args.checkpoint),
               "integration": integration(args.quick, args.checkpoint),
               "mmpde": _mmpde(args.quick)}
    elif args.integration:
        out = integration(args.quick, args.checkpoint)
    else:
        out = run(args.fields or (6 if args.quick else 20), args.checkpoint)
    out["trained_in_this_run"] = trained
    out["checkpoint"] = os.path.relpath(args.checkpoint, ROOT)
    out["torch_threads"] = torch.get_num_threads()
    out["total_s"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
