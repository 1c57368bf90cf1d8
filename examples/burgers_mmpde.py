"""Train MM-PDE and its fixed-mesh twin briefly on 2D Burgers and draw their rollouts.

    python examples/burgers_mmpde.py --out out/burgers_mmpde               # ~5 minutes
    python examples/burgers_mmpde.py --out out/burgers_mmpde --steps 20    # a quick look

Reads the shipped ``datasets/burgers/burgers_32.npz`` (regenerated if missing), trains
:class:`geonop.movers.mmpde.MMPDE` with the classical Monge-Ampere mover and the same network
on the fixed grid (``mover="identity"``) for the same number of steps, rolls both out from
the first frame of a held-out trajectory, and writes to ``--out``:

- ``rollout.png``: truth, MM-PDE and fixed-mesh predictions at four times, and the moved
  mesh MM-PDE used at the last of them, drawn over its predicted state;
- ``summary.json``: the rollout errors of both models;
- ``mmpde.pt`` / ``fixed.pt``: the trained models (``geonop.load``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from geonop.io import atomic_write_text
from geonop.movers.mmpde import (
    MMPDE,
    BurgersTransitions,
    grid_mesh,
    load_burgers_data,
    split_trajectories,
)
from geonop.train import Trainer
from geonop.viz import save_figure


def _train(mover: str, trajectories: list[int], steps: int, run_dir: Path, seed: int,
           transitions: int | None) -> MMPDE:
    torch.manual_seed(seed)
    model = MMPDE(mover=mover)
    data = BurgersTransitions(trajectories=trajectories, max_steps=transitions, mover=mover,
                              progress=True)
    Trainer(model, data, config={"max_steps": steps, "lr": 2e-3, "grad_clip": 1.0,
                                 "warmup_steps": min(20, steps // 10), "eval_every": 0,
                                 "checkpoint_every": 0, "tensorboard": "off"},
            output_dir=run_dir / mover, batch_size=4, seed=seed, verbose=False).fit()
    return model


def _rel_l2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(((a - b) ** 2).sum((-1, -2)) / (b ** 2).sum((-1, -2)))


def draw(truth: np.ndarray, mm: np.ndarray, fixed: np.ndarray, mesh: np.ndarray,
         times: np.ndarray, shown: list[int], path: Path) -> Path:
    """Rows truth / MM-PDE / fixed at the frames ``shown``, plus the moved mesh."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    n = truth.shape[-1]
    # pixel centres on the nodes i / n
    extent = (-0.5 / n, 1 - 0.5 / n, -0.5 / n, 1 - 0.5 / n)
    vmax = float(np.abs(truth[shown]).max())
    fig, axes = plt.subplots(3, len(shown) + 1, figsize=(3.0 * (len(shown) + 1), 8.6))
    for row, (name, frames) in enumerate((("truth", truth), ("MM-PDE", mm), ("fixed mesh", fixed))):
        for col, k in enumerate(shown):
            ax = axes[row, col]
            ax.imshow(frames[k], origin="lower", extent=extent, cmap="RdBu_r", vmin=-vmax,
                      vmax=vmax, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            title = f"{name}, t = {times[k]:.2f}"
            if row:
                title += f"\nrel. L2 {_rel_l2(frames[k], truth[k]):.3f}"
            ax.set_title(title, fontsize=9)
    pts, tri = grid_mesh(n)
    ax = axes[0, -1]
    k = shown[-1]
    ax.imshow(mm[k - 1], origin="lower", extent=extent, cmap="RdBu_r", vmin=-vmax,
              vmax=vmax, interpolation="bilinear")
    ax.triplot(mesh[:, 0], mesh[:, 1], tri, color="k", linewidth=0.3)
    ax.set_title(f"moved mesh from MM-PDE's state\nat t = {times[k - 1]:.2f}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    ax = axes[1, -1]
    ax.triplot(pts[:, 0], pts[:, 1], tri, color="0.5", linewidth=0.3)
    ax.set_title("fixed mesh (baseline)", fontsize=9)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    axes[2, -1].axis("off")
    fig.tight_layout()
    return save_figure(fig, path)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/burgers_mmpde"))
    parser.add_argument("--steps", type=int, default=200, help="training steps per model")
    parser.add_argument("--train-trajectories", type=int, default=16)
    parser.add_argument("--transitions", type=int, default=None,
                        help="use only the first transitions of each training trajectory")
    parser.add_argument("--test-trajectory", type=int, default=0,
                        help="which held-out trajectory to roll out (0-7)")
    parser.add_argument("--rollout-steps", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    data = load_burgers_data(progress=True)
    train, test = split_trajectories(len(data["u"]))
    truth = data["u"][test[args.test_trajectory]][: args.rollout_steps + 1]
    models = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mover in ("monge_ampere", "identity"):
            models[mover] = _train(mover, train[: args.train_trajectories], args.steps, Path(tmp),
                                   args.seed, args.transitions)
            name = "mmpde.pt" if mover == "monge_ampere" else "fixed.pt"
            args.out.mkdir(parents=True, exist_ok=True)
            # the Trainer's final checkpoint is self-describing (config, normalisation)
            tmp_copy = args.out / f".{name}.tmp"
            shutil.copyfile(Path(tmp) / mover / "checkpoints" / "last.pt", tmp_copy)
            tmp_copy.replace(args.out / name)
    mm, meshes = models["monge_ampere"].rollout(truth[0], args.rollout_steps, return_meshes=True,
                                                progress=True)
    fixed = models["identity"].rollout(truth[0], args.rollout_steps)
    shown = sorted({1, args.rollout_steps // 3, 2 * args.rollout_steps // 3, args.rollout_steps})
    draw(truth, mm, fixed, meshes[shown[-1] - 1], data["times"], shown, args.out / "rollout.png")
    summary = {"steps": args.steps, "train_trajectories": args.train_trajectories,
               "test_trajectory": int(test[args.test_trajectory]),
               "mmpde_rel_l2": [round(float(e), 4) for e in _rel_l2(mm[1:], truth[1:])],
               "fixed_rel_l2": [round(float(e), 4) for e in _rel_l2(fixed[1:], truth[1:])]}
    atomic_write_text(args.out / "summary.json", json.dumps(summary, indent=2))
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
