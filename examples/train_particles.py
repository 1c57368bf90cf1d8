"""Train a learned particle simulator on the shipped MPM data and compare its rollouts with
the constant-velocity floor on the held-out test trajectories.

    python examples/train_particles.py                       # graph interaction operator, 5 min
    python examples/train_particles.py --model gns --budget 10m
    python examples/train_particles.py --checkpoint runs/gio_particles/checkpoints/last.pt

Prints, per model and for the floors (constant velocity, and constant velocity plus gravity
estimated from the first frames of the training trajectories), rollout MSE over 5, 20 and
all steps in both conventions (``mse_mean_dims``: GNS; ``mse_sum_dims``: LagrangeBench),
Chamfer distance and Sinkhorn divergence of the final frame, and kinetic-energy errors.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

import geonop
from geonop.data.particles import read_dataset
from geonop.models.particles import estimate_gravity, evaluate_rollouts
from geonop.train import train

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["gio", "gns"], default="gio")
    parser.add_argument("--budget", default="5m", help="training wall-clock budget (e.g. 300, 5m)")
    parser.add_argument("--checkpoint", help="evaluate this checkpoint instead of training")
    parser.add_argument("--steps", type=int, default=None, help="rollout length (default: all)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", default=None, help="run folder (default runs/<model>_particles)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    if args.checkpoint:
        ckpt = Path(args.checkpoint)
    else:
        out = args.output or f"runs/{args.model}_particles"
        t0 = time.time()
        result = train(HERE / "configs" / f"{args.model}_particles.yaml", overwrite=True,
                       overrides=[f"output_dir={out}", f"training.max_time={args.budget}"])
        print(f"trained {result.step} steps in {time.time() - t0:.0f} s ({result.status})")
        ckpt = Path(out) / "checkpoints" / "last.pt"
    model = geonop.load(ckpt)

    splits, _ = read_dataset(HERE.parent / "datasets" / "particles_small")
    gravity = estimate_gravity(t.positions for t in splits["train"])
    rows = {}
    t0 = time.time()
    rows[type(model).__name__] = evaluate_rollouts(model, splits["test"], model.history, args.steps)
    seconds = time.time() - t0
    rows["constant_velocity"] = evaluate_rollouts(None, splits["test"], model.history, args.steps)
    rows["constant_velocity+gravity"] = evaluate_rollouts(None, splits["test"], model.history,
                                                          args.steps, gravity=gravity)
    keys = list(next(iter(rows.values())))
    print(f"{'metric':<20}" + "".join(f"{name:>28}" for name in rows))
    for k in keys:
        print(f"{k:<20}" + "".join(f"{r[k]:>28.4g}" for r in rows.values()))
    print(f"rollouts of {len(splits['test'])} test trajectories: {seconds:.1f} s")
    print(json.dumps({"model": type(model).__name__, "metrics": rows}))


if __name__ == "__main__":
    main()
