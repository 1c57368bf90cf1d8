"""Train a learned particle simulator on the shipped MPM data, compare its rollouts with the
constant-velocity floors per material, and animate a held-out trajectory.

    python examples/train_particles.py                    # operator, 10 min on one CPU thread
    python examples/train_particles.py --budget 2m        # a shorter run
    python examples/train_particles.py --model gns        # the GNS baseline
    python examples/train_particles.py --set model.args.decoder=kernel   # config overrides
    python examples/train_particles.py --checkpoint runs/gio_particles/checkpoints/last.pt
    python examples/train_particles.py --config examples/configs/gio_particles_long.yaml
                                                          # the config's own steps and cap

Writes to ``--output`` (default ``runs/<model>_particles``):

* ``checkpoints/last.pt``: the trained model (``geonop.load``);
* ``rollout_metrics.json``: per held-out trajectory of the validation and the test split
  (one per material in each: water, sand, jelly, multi-material), the model's and both
  floors' full-rollout metrics: rollout MSE
  over 5, 20 and all steps in both conventions (``mse_mean_dims``: GNS; ``mse_sum_dims``:
  LagrangeBench), Chamfer distance and Sinkhorn divergence of the final frame,
  kinetic-energy errors; the floors are constant velocity and constant velocity plus
  gravity (estimated from the first frames of the training trajectories);
* ``rollout.gif``: ground truth and prediction side by side for ``--trajectory``;
* ``vtp/truth.pvd`` and ``vtp/prediction.pvd``: the same as ParaView time series (one
  ``.vtp`` per frame; the prediction carries its per-particle ``error``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

import geonop
from geonop.data.particles import read_dataset, write_vtp_series
from geonop.io import atomic_write, atomic_write_text
from geonop.models.particles import (
    DECIDING_METRICS,
    compare_with_floors,
    estimate_gravity,
    floor_failures,
    rollout,
)
from geonop.train import train

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "datasets" / "particles_small"
COLOURS = {3: "#555555", 5: "#1f77b4", 6: "#d4a017", 7: "#2ca02c", 8: "#d62728"}


def print_table(rows: dict[str, dict[str, dict[str, float]]], split: str = "test") -> None:
    """The deciding metrics per material: model, both floors, and whether the model wins."""
    print(f"{split:<8} {'metric':<18} {'model':>10} {'const.vel':>10} {'+gravity':>10}  beats both")
    for name, row in rows.items():
        for k in DECIDING_METRICS:
            m, f0, fg = (row[c][k] for c in ("model", "constant_velocity", "constant_velocity+gravity"))
            print(f"{name:<8} {k:<18} {m:>10.3g} {f0:>10.3g} {fg:>10.3g}  {'yes' if m < min(f0, fg) else 'NO'}")


def write_gif(truth: np.ndarray, pred: np.ndarray, ptype: np.ndarray, bounds: np.ndarray,
              path: Path, every: int = 2, fps: int = 20) -> Path:
    """Ground truth and prediction [T, N, 2] side by side as an animated GIF (atomic)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation, PillowWriter

    colours = [COLOURS.get(int(t), "k") for t in ptype]
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.6), dpi=80)
    dots = []
    for ax, title, frames in zip(axes, ("ground truth (MPM)", "prediction"), (truth, pred)):
        ax.set_xlim(*bounds[0])
        ax.set_ylim(*bounds[1])
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=10)
        dots.append(ax.scatter(frames[0, :, 0], frames[0, :, 1], s=4, c=colours))
    label = fig.text(0.5, 0.02, "", ha="center", fontsize=9)
    index = list(range(0, len(truth), every))

    def draw(k: int):
        for dot, frames in zip(dots, (truth, pred)):
            dot.set_offsets(frames[k])
        label.set_text(f"frame {k}")
        return [*dots, label]

    anim = FuncAnimation(fig, draw, frames=index, blit=False)
    atomic_write(path, lambda tmp: anim.save(tmp, writer=PillowWriter(fps=fps)), ".gif")
    plt.close(fig)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--model", choices=["gio", "gns"], default="gio")
    parser.add_argument("--config", type=Path, default=None,
                        help="training config (default examples/configs/<model>_particles.yaml)")
    parser.add_argument("--budget", default=None,
                        help="training wall-clock budget, e.g. 600, 10m (default: 10m, or the "
                             "max_time of --config)")
    parser.add_argument("--data", type=Path, default=DATA,
                        help="dataset folder to train on and evaluate (default: the shipped data)")
    parser.add_argument("--checkpoint", help="evaluate this checkpoint instead of training")
    parser.add_argument("--trajectory", default="multi_000", help="test trajectory to animate")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config override, e.g. --set model.args.decoder=kernel (repeatable)")
    parser.add_argument("--output", default=None,
                        help="run folder (default runs/<model>_particles, or runs/<config name>)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.output or (f"runs/{args.config.stem}" if args.config
                               else f"runs/{args.model}_particles"))

    if args.checkpoint:
        ckpt = Path(args.checkpoint)
    else:
        t0 = time.time()
        config = args.config or HERE / "configs" / f"{args.model}_particles.yaml"
        budget = args.budget or (None if args.config else "10m")
        overrides = [f"output_dir={out}", f"data.root={args.data.resolve()}"]
        if budget is not None:
            overrides.append(f"training.max_time={budget}")
        result = train(config, overwrite=True, overrides=[*overrides, *args.set])
        print(f"trained {result.step} steps in {time.time() - t0:.0f} s ({result.status})")
        ckpt = out / "checkpoints" / "last.pt"
    model = geonop.load(ckpt)

    splits, _ = read_dataset(args.data)
    gravity = estimate_gravity(splits["train"])
    t0 = time.time()
    metrics, missed = {}, {}
    for split in ("valid", "test"):
        metrics[split] = compare_with_floors(model, splits[split], gravity)
        missed[split] = floor_failures(metrics[split])
    n = len(splits["valid"]) + len(splits["test"])
    print(f"rollouts of {n} held-out trajectories: {time.time() - t0:.1f} s")
    for split, rows in metrics.items():
        print_table(rows, split)
    print("beats both floors on every deciding metric: "
          + ", ".join(f"{k}: {'yes' if not v else 'NO (' + ' '.join(v) + ')'}"
                      for k, v in missed.items()))
    atomic_write_text(out / "rollout_metrics.json",
                      json.dumps({"model": type(model).__name__, "checkpoint": str(ckpt),
                                  "metrics": metrics, "missed": missed}, indent=1))

    names = {t.name: t for t in splits["test"]}
    if args.trajectory not in names:
        raise SystemExit(f"--trajectory: no test trajectory {args.trajectory!r}; "
                         f"have {sorted(names)}")
    traj = names[args.trajectory]
    h = model.history
    pos = torch.as_tensor(traj.positions)
    pred = rollout(model, pos[: h + 1], torch.as_tensor(traj.particle_type),
                   traj.num_frames - h - 1).numpy()
    truth = traj.positions[h + 1:]
    bounds = traj.bounds if traj.bounds is not None else np.array([[0.0, 1.0], [0.0, 1.0]])
    gif = write_gif(truth, pred, traj.particle_type, bounds, out / "rollout.gif")
    vtp = out / "vtp"
    write_vtp_series(truth, vtp, "truth", traj.particle_type, traj.dt)
    error = np.linalg.norm(pred - truth, axis=-1)
    write_vtp_series(pred, vtp, "prediction", traj.particle_type, traj.dt,
                     point_data={"error": error})
    print(f"wrote {gif}, {vtp / 'truth.pvd'} and {vtp / 'prediction.pvd'} ({len(truth)} frames)")


if __name__ == "__main__":
    main()
