"""The main job: train an airfoil surrogate on the shipped RANS data, test it on unseen
shapes, and show the results.

Steps (what ``geonop demo`` runs):

1. read the shipped dataset (``datasets/airfoil_rans``: 105 training cases of 28 shapes,
   28 test cases of 7 other shapes), in non-dimensional units;
2. train a :class:`~geonop.models.NeuralFieldOperator` for a wall-clock budget on random
   subsets of the mesh points (the shared Trainer, checkpoints in ``<out>/run``);
3. evaluate it on every test case at the full mesh resolution (AirfRANS metrics) and write
   ``metrics.json`` and ``metrics.md``;
4. write pictures (predicted vs OpenFOAM pressure and velocity, Cp curves, C_L/C_D over the
   test set) and ParaView files (VTU volume, VTP surface) of test cases;
5. predict a new airfoil from its ``.dat`` file alone (no mesh, no CFD) and write its fields
   and coefficients.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Union

import numpy as np
import torch

from geonop.aero.metrics import evaluate_surrogate, force_coefficients
from geonop.aero.plots import plot_coefficients, plot_cp, plot_fields, speed_and_pressure
from geonop.aero.surrogate import AirfoilSurrogate
from geonop.aero.training import airfoil_datasets, model_predictor, train_for_budget
from geonop.data.airfoil.features import to_si
from geonop.io import Mesh, atomic_write_text, write
from geonop.models.neural_field import NeuralFieldOperator

PathLike = Union[str, "os.PathLike[str]"]

#: model of the demo (small enough to train on a laptop CPU in minutes)
DEMO_MODEL: dict[str, Any] = {"hidden_channels": 64, "heads": 4, "encoder_layers": 1,
                              "processor_layers": 2, "decoder_layers": 1, "anchor_sources": 32,
                              # the panel method's inviscid flow: read at every point, and the
                              # base that velocity, pressure and wall Cp are corrections to
                              "prior_channels": 3, "residual": [[0, 0], [1, 1], [2, 2]],
                              "surface_residual": [[0, 2]],
                              # a loss on C_L and C_D integrated from the wall outputs
                              "force_weight": 1.0}
#: training settings of the demo
DEMO_TRAINING: dict[str, Any] = {"lr": 2e-3, "batch_size": 4, "query_points": 1000}


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_demo(out: PathLike = "out/demo", budget_s: float = 420.0, root: PathLike | None = None,
             seed: int = 0, threads: int | None = None, test_cases: int | None = None,
             new_airfoil: PathLike | None = None) -> dict[str, Any]:
    """Train, evaluate and picture an airfoil surrogate; returns the metrics summary.

    Parameters
    ----------
    out : path
        Output folder.
    budget_s : float
        Training wall-clock budget in seconds.
    root : path, optional
        Dataset folder (default: the shipped ``datasets/airfoil_rans``).
    seed : int
    threads : int, optional
        Torch threads (default: torch's choice).
    test_cases : int, optional
        Evaluate on the first ``test_cases`` test cases only (default: all).
    new_airfoil : path, optional
        ``.dat`` file predicted from geometry alone (default: ``meshes/naca0012.dat`` of the
        checkout, when present).
    """
    t_start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if threads:
        torch.set_num_threads(int(threads))
    train, test = airfoil_datasets(root, DEMO_TRAINING["query_points"])
    _say(f"data: {len(train)} training cases, {len(test)} test cases (unseen shapes) from {train.root}")
    t0 = time.perf_counter()
    stats = train.statistics()
    _say(f"normalisation statistics from the training split ({time.perf_counter() - t0:.1f} s)")
    torch.manual_seed(seed)
    model = NeuralFieldOperator(4, 3, 2, 2, **DEMO_MODEL)
    run_dir = out / "run"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    t0 = time.perf_counter()
    trainer = train_for_budget(model, train, budget_s, run_dir, lr=DEMO_TRAINING["lr"],
                               batch_size=DEMO_TRAINING["batch_size"], seed=seed, stats=stats,
                               verbose=True, training={"progress": "on"})
    train_s = time.perf_counter() - t0
    ckpt = trainer.last_checkpoint
    model_path = out / "model.pt"
    shutil.copyfile(ckpt, model_path.with_suffix(".tmp"))
    os.replace(model_path.with_suffix(".tmp"), model_path)
    _say(f"trained {trainer.step} steps in {train_s:.0f} s; model: {model_path}")

    model.eval()
    predict = model_predictor(model)
    indices = list(range(len(test) if test_cases is None else min(test_cases, len(test))))
    report = evaluate_surrogate(predict, test, stats, indices, progress=True)
    summary = report.summary()
    summary.update({"train_seconds": train_s, "train_steps": trainer.step,
                    "parameters": model.num_parameters()})
    coeffs = report.coefficients()
    per_case = [{"case_id": str(c), "cl_true": float(a), "cl_pred": float(b), "cd_true": float(d),
                 "cd_pred": float(e)} for c, a, b, d, e in zip(coeffs["case_id"], coeffs["cl_true"],
                                                              coeffs["cl_pred"], coeffs["cd_true"],
                                                              coeffs["cd_pred"])]
    atomic_write_text(out / "metrics.json", json.dumps({"summary": summary, "cases": per_case},
                                                       indent=2) + "\n")
    atomic_write_text(out / "metrics.md", metrics_markdown(summary))
    _say(metrics_markdown(summary))

    pictures = _pictures(model, test, indices, coeffs, out)
    surrogate = AirfoilSurrogate(model, train.spec())
    new = Path(new_airfoil) if new_airfoil else Path(__file__).resolve().parents[2] / "meshes" / "naca0012.dat"
    if new.is_file():
        pred = surrogate.predict(new, aoa_deg=4.0, reynolds=3e6)
        files = pred.write(out / f"predict_{new.stem}")
        pictures.append(plot_cp(pred.surface["pos"], None, pred.surface["Cp"],
                                out / f"predict_{new.stem}_cp.png",
                                f"{new.stem}, AoA 4 deg, Re 3e6 (geometry only): "
                                f"C_L {pred.cl:.3f}, C_D {pred.cd:.4f}"))
        _say(f"{new.name} at AoA 4 deg, Re 3e6, from its coordinates alone: C_L {pred.cl:.3f}, "
             f"C_D {pred.cd:.4f} -> {files['volume']}")
    total = time.perf_counter() - t_start
    _say(f"done in {total:.0f} s: {out}/metrics.md, {len(pictures)} pictures, VTU/VTP files")
    return summary


def metrics_markdown(s: dict[str, float]) -> str:
    """A markdown table of a summary from :meth:`~geonop.aero.metrics.AeroReport.summary`."""
    rows = [("volume U_x", "nmse/volume/U_x", "rel_l2/volume/U"),
            ("volume U_y", "nmse/volume/U_y", None),
            ("volume p", "nmse/volume/p", "rel_l2/volume/p"),
            ("volume nut", "nmse/volume/nut", "rel_l2/volume/nut"),
            ("surface p", "nmse/surface/p", "rel_l2/surface/p"),
            ("surface shear x", "nmse/surface/wall_shear_x", "rel_l2/surface/wall_shear"),
            ("surface shear y", "nmse/surface/wall_shear_y", None)]
    lines = ["| field | normalised MSE | relative L2 |", "|---|---|---|"]
    for label, a, b in rows:
        rel = f"{s[b]:.4f}" if b and b in s else ""
        lines.append(f"| {label} | {s.get(a, math.nan):.4f} | {rel} |")
    lines += ["", "| coefficient | mean relative error | mean absolute error | Spearman |",
              "|---|---|---|---|",
              f"| C_L | {s['cl_rel_error']:.3f} | {s['cl_abs_error']:.4f} | {s['cl_spearman']:.3f} |",
              f"| C_D | {s['cd_rel_error']:.3f} | {s['cd_abs_error']:.5f} | {s['cd_spearman']:.3f} |",
              "", (f"{int(s['cases'])} test cases (shapes not seen in training), full mesh "
              f"resolution; inference {s['seconds_per_case'] * 1e3:.0f} ms per case (median).")]
    return "\n".join(lines) + "\n"


def _pictures(model: NeuralFieldOperator, test: Any, indices: list[int],
              coeffs: dict[str, np.ndarray], out: Path) -> list[Path]:
    """Field and Cp pictures and ParaView files of the median and the worst C_L case."""
    err = np.abs(coeffs["cl_pred"] - coeffs["cl_true"])
    picks = {"median": indices[int(np.argsort(err)[len(err) // 2])],
             "worst": indices[int(np.argmax(err))]}
    predict = model_predictor(model)
    paths = [plot_coefficients({"cl": coeffs["cl_true"], "cd": coeffs["cd_true"]},
                               {"cl": coeffs["cl_pred"], "cd": coeffs["cd_pred"]},
                               out / "coefficients.png",
                               "test airfoils (unseen shapes): integrated from predicted wall fields")]
    for tag, i in picks.items():
        data = test[i]
        raw = test.case(i)
        vol, surf = predict(data)
        true = data.y.double().numpy()
        st = data.surface_y.double().numpy()
        name = str(data.case_id)
        geo = (data.surface_pos.double().numpy(), data.surface_normal.double().numpy(),
               data.surface_length.double().numpy())
        c_t = force_coefficients(*geo, st, float(data.aoa_deg))
        c_p = force_coefficients(*geo, surf, float(data.aoa_deg))
        title = (f"{name}: AoA {float(data.aoa_deg):.1f} deg, Re {float(data.reynolds) / 1e6:.1f}e6; "
                 f"C_L {c_t['cl']:.3f} (OpenFOAM) vs {c_p['cl']:.3f}")
        pos = data.pos.double().numpy()
        paths.append(plot_fields(pos, raw["outline"], speed_and_pressure(true),
                                 speed_and_pressure(vol), out / f"fields_{tag}_{name}.png", title))
        paths.append(plot_cp(geo[0], st[:, 0], surf[:, 0], out / f"cp_{tag}_{name}.png", title))
        u, nu = float(data.u_inf), float(data.nu)
        vol_si, _ = to_si(vol, None, u, nu)
        true_si, _ = to_si(true, None, u, nu)
        pts = np.column_stack([pos, np.zeros(len(pos))])
        point_data = {"U_pred": np.column_stack([vol_si[:, :2], np.zeros(len(pos))]),
                      "p_pred": vol_si[:, 2], "nut_pred": vol_si[:, 3],
                      "U_true": np.column_stack([true_si[:, :2], np.zeros(len(pos))]),
                      "p_true": true_si[:, 2], "nut_true": true_si[:, 3],
                      "Cp_pred": vol[:, 2], "Cp_true": true[:, 2]}
        write(Mesh(points=pts, cells={"vertex": np.arange(len(pos))[:, None]},
                   point_data={k: v.astype(np.float32) for k, v in point_data.items()}),
              out / f"fields_{tag}_{name}.vtu")
        spts = np.column_stack([geo[0], np.zeros(len(geo[0]))])
        write(Mesh(points=spts, cells={"vertex": np.arange(len(spts))[:, None]},
                   point_data={"Cp_pred": surf[:, 0].astype(np.float32),
                               "Cp_true": st[:, 0].astype(np.float32)}),
              out / f"surface_{tag}_{name}.vtp")
    return paths
