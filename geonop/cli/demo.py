"""``geonop demo``: the main job, an airfoil flow surrogate trained and tested on the
shipped RANS data (see :mod:`geonop.aero.demo`)."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo",
        help="train and test an airfoil flow surrogate on the shipped OpenFOAM data",
        description=textwrap.fill(
            "Train a NeuralFieldOperator on the shipped RANS airfoil cases (datasets/airfoil_rans, "
            "OpenFOAM simpleFoam + Spalart-Allmaras) for a wall-clock budget on the CPU, evaluate "
            "it at full mesh resolution on the held-out airfoil shapes, and write metrics "
            "(metrics.json, metrics.md), pictures (predicted vs OpenFOAM pressure and velocity, "
            "Cp curves, C_L/C_D), ParaView files and the model; then predict a new airfoil from "
            "its .dat file alone.", 88, break_on_hyphens=False),
        epilog="examples:\n  geonop demo --out out/demo\n  geonop demo --budget 60 --out out/quick",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", type=Path, default=Path("out/demo"), help="output folder (default: out/demo)")
    p.add_argument("--budget", type=float, default=420.0,
                   help="training time in seconds (default 420)")
    p.add_argument("--data", type=Path, default=None,
                   help="dataset folder (default: the shipped datasets/airfoil_rans)")
    p.add_argument("--airfoil", type=Path, default=None,
                   help=".dat file to predict from geometry alone (default: meshes/naca0012.dat)")
    p.add_argument("--test-cases", type=int, default=None,
                   help="evaluate on the first N test cases only (default: all)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geonop.aero.demo import run_demo

    if args.budget <= 0:
        from geonop.errors import InvalidArgumentError

        raise InvalidArgumentError(f"--budget must be positive, got {args.budget}")
    run_demo(args.out, args.budget, args.data, args.seed, args.threads, args.test_cases,
             args.airfoil)
    return 0
