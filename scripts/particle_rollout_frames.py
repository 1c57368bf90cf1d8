"""Compare rollouts of particle simulators frame by frame: one row per model under the truth.

    .venv/bin/python scripts/particle_rollout_frames.py \
        --checkpoint old=runs/old/checkpoints/last.pt --checkpoint new=runs/gio_particles/checkpoints/last.pt \
        --split valid --trajectory water_000 --frames 0 30 50 60 80 150 --out frames.png

Every model rolls out the held-out trajectory from its first ``H + 1`` frames (as
``examples/train_particles.py`` does); the figure shows the ground truth and each rollout at
the chosen frames, coloured by particle type. Written atomically (PNG, matplotlib).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

import geonop
from geonop.data.particles import read_dataset
from geonop.io import atomic_write
from geonop.models.particles import rollout

ROOT = Path(__file__).resolve().parents[1]
COLOURS = {3: "#555555", 5: "#1f77b4", 6: "#d4a017", 7: "#2ca02c", 8: "#d62728"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", action="append", required=True, metavar="NAME=PATH",
                        help="a model to roll out (repeatable)")
    parser.add_argument("--data", type=Path, default=ROOT / "datasets" / "particles_small")
    parser.add_argument("--split", default="valid")
    parser.add_argument("--trajectory", action="append", required=True,
                        help="trajectory name, e.g. water_000 (repeatable)")
    parser.add_argument("--frames", type=int, nargs="+", default=[0, 30, 50, 60, 80, 150])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = []
    for item in args.checkpoint:
        name, _, path = item.partition("=")
        models.append((name, geonop.load(path or name)))
    splits, _ = read_dataset(args.data)
    by_name = {t.name: t for t in splits[args.split]}
    rows = []
    for tname in args.trajectory:
        if tname not in by_name:
            raise SystemExit(f"--trajectory: no {args.split} trajectory {tname!r}; have {sorted(by_name)}")
        traj = by_name[tname]
        pos = torch.as_tensor(traj.positions)
        rows.append((f"{tname.split('_')[0]}: truth", traj, traj.positions))
        for name, model in models:
            h = model.history
            pred = rollout(model, pos[: h + 1], torch.as_tensor(traj.particle_type),
                           traj.num_frames - h - 1).numpy()
            full = np.concatenate([traj.positions[: h + 1], pred])
            rows.append((f"{tname.split('_')[0]}: {name}", traj, full))
    frames = [f for f in args.frames if f < min(r[2].shape[0] for r in rows)]
    fig, axes = plt.subplots(len(rows), len(frames), figsize=(1.6 * len(frames), 1.7 * len(rows)),
                             dpi=80, squeeze=False)
    for r, (label, traj, positions) in enumerate(rows):
        colours = [COLOURS.get(int(t), "k") for t in traj.particle_type]
        bounds = traj.bounds if traj.bounds is not None else np.array([[0.0, 1.0], [0.0, 1.0]])
        for c, f in enumerate(frames):
            ax = axes[r, c]
            ax.scatter(positions[f, :, 0], positions[f, :, 1], s=0.6, c=colours)
            ax.set_xlim(*bounds[0])
            ax.set_ylim(*bounds[1])
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"frame {f}", fontsize=8)
            if c == 0:
                ax.set_ylabel(label, fontsize=7)
    fig.tight_layout()
    atomic_write(args.out, lambda tmp: fig.savefig(tmp, format="png"), suffix=".png")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
