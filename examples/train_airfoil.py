"""Train an airfoil flow surrogate, test it on unseen shapes, predict a new airfoil.

The Python version of ``geonop demo`` (see docs/aero.md), step by step::

    python examples/train_airfoil.py --budget 420 --out out/airfoil

1. the shipped OpenFOAM RANS cases, non-dimensional (U/U_inf, Cp, nut/nu);
2. a NeuralFieldOperator trained for a wall-clock budget on random subsets of 1,000 cell
   centres per case, correcting the inviscid flow of a panel method;
3. AirfRANS metrics on the 28 test cases (7 shapes never seen), at full mesh resolution;
4. the NACA 0012 (not in the dataset) at 4 degrees and Re 3 million from its coordinates alone.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from geonop.aero import (
    AirfoilSurrogate,
    airfoil_datasets,
    evaluate_surrogate,
    model_predictor,
    train_for_budget,
)
from geonop.models import NeuralFieldOperator

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--budget", type=float, default=420.0, help="training seconds")
    p.add_argument("--out", type=Path, default=Path("out/airfoil"))
    p.add_argument("--test-cases", type=int, default=None)
    args = p.parse_args(argv)

    train, test = airfoil_datasets(query_points=1000)
    stats = train.statistics()                       # training split only
    torch.manual_seed(0)
    model = NeuralFieldOperator(
        out_channels=4, surface_channels=3, pos_dim=2, global_channels=2,
        hidden_channels=64, processor_layers=2, decoder_layers=1, anchor_sources=32,
        # the inviscid flow of a panel method (Data.prior: u, v, Cp) is an input, and U, Cp
        # and the wall Cp are predicted as corrections to it
        prior_channels=3, residual=[[0, 0], [1, 1], [2, 2]], surface_residual=[[0, 2]],
        force_weight=1.0)                            # a loss on the integrated C_L and C_D
    trainer = train_for_budget(model, train, args.budget, args.out / "run", stats=stats, lr=2e-3,
                               verbose=True)
    print(f"{trainer.step} steps; checkpoint {trainer.last_checkpoint}")

    n = len(test) if args.test_cases is None else args.test_cases
    report = evaluate_surrogate(model_predictor(model), test, stats, range(n), progress=True)
    summary = report.summary()
    print(json.dumps({k: round(v, 4) for k, v in summary.items()}, indent=1))

    sur = AirfoilSurrogate(model, train.spec())
    pred = sur.predict(HERE.parent / "meshes" / "naca0012.dat", aoa_deg=4.0, reynolds=3e6)
    files = pred.write(args.out / "naca0012")
    print(f"NACA 0012, AoA 4 deg, Re 3e6: C_L {pred.cl:.3f}, C_D {pred.cd:.4f}; "
          f"wrote {', '.join(str(f) for f in files.values())}")
    return {"summary": summary, "cl_naca0012": pred.cl, "files": files}


if __name__ == "__main__":
    main()
