"""Benchmark MM-PDE on 2D Burgers: the moving-mesh solver vs the same model on a fixed mesh.

Data: the shipped ``datasets/burgers/burgers_32.npz`` (40 trajectories of scalar viscous
Burgers, nu = 0.005, solved on 128 x 128 nodes and kept on 32 x 32, 21 frames over t in
[0, 1]); the last 8 trajectories are held out. Models: :class:`geonop.movers.mmpde.MMPDE`
with ``mover="monge_ampere"`` (nodes of the moving branch placed by the classical
Monge-Ampere mover from the current state) and with ``mover="identity"`` (the baseline: the
same network, same parameters, on the fixed grid). Both start from the same initial weights
and train with :class:`geonop.train.Trainer` for the same number of steps, batch size, learning
rate schedule and sample order, in this process, on one torch thread.

Figures, on the held-out trajectories:

* ``one_step``: relative L2 error of ``u(t_{k+1})`` predicted from the true ``u(t_k)``, mean
  over every transition;
* ``rollout``: relative L2 error of an autoregressive rollout from ``u(0)`` (the mover
  placing nodes from each predicted state), mean over the steps and at the last step;
* ``ratio``: MM-PDE error / fixed-mesh error (below 1: moving helps), and the error of
  ``u(t_{k+1}) = u(t_k)`` (persistence) for scale.

    python benchmarks/bench_mmpde.py --quick     # 6 training trajectories, 40 steps, one JSON line
    python benchmarks/bench_mmpde.py             # 32 training trajectories, 500 steps each (~16 min)

Moved meshes of the data are computed once (0.2-0.4 s each) and cached next to the data;
a first ``--quick`` run spends about 40 s on them, a first full run about 5 minutes.

Measured (shared 2-core CPU, load 3.8-4.2, one torch thread; full table in docs/mmpde.md),
full runs with seeds 0, 1, 2: MM-PDE / fixed-mesh error ratios 0.90, 1.06, 1.55 in one step
and 0.57, 1.33, 2.49 over the 20-step rollout (mean errors over seeds: one step 0.0280 vs
0.0243, rollout 0.264 vs 0.228). At this scale moving the mesh does not help, and the spread
between seeds is larger than the difference between the models.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _common import arguments, emit, environment, set_threads

ROOT = Path(__file__).resolve().parents[1]


def _rel_l2(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    """Relative L2 error over the last two axes."""
    err = np.sqrt(((pred - true) ** 2).sum((-1, -2)))
    return err / np.maximum(np.sqrt((true ** 2).sum((-1, -2))), 1e-30)


def train_model(mover: str, train_ds, steps: int, batch_size: int, lr: float, seed: int,
                out_dir: Path, model_args: dict) -> tuple[object, float]:
    """Train one MMPDE variant; returns the model and the training wall time."""
    from geonop.movers.mmpde import MMPDE
    from geonop.train import Trainer

    torch.manual_seed(seed)  # same initial weights for both variants
    model = MMPDE(mover=mover, **model_args)
    config = {"max_steps": steps, "lr": lr, "scheduler": "cosine", "warmup_steps": min(20, steps // 10),
              "eval_every": 0, "checkpoint_every": 0, "log_every": max(1, steps // 10),
              "progress": "off", "tensorboard": "off", "grad_clip": 1.0}
    t0 = time.perf_counter()
    Trainer(model, train_ds, config=config, output_dir=out_dir / mover, batch_size=batch_size,
            seed=seed, verbose=False).fit()
    return model, time.perf_counter() - t0


def evaluate(model, test_ds, rollout_steps: int, num_rollouts: int) -> dict:
    """One-step and rollout errors of ``model`` on the held-out trajectories."""
    from torch_geometric.data import Batch

    model.eval()
    one = []
    for start in range(0, len(test_ds), 16):
        items = [test_ds[i] for i in range(start, min(start + 16, len(test_ds)))]
        batch = Batch.from_data_list(items)
        pred = model.predict(batch).reshape(len(items), -1)
        true = batch.y.reshape(len(items), -1)
        one += (torch.linalg.norm(pred - true, dim=1) / torch.linalg.norm(true, dim=1)).tolist()
    traj = np.stack([test_ds.trajectory(i) for i in range(num_rollouts)])  # [R, F, n, n]
    t0 = time.perf_counter()
    frames = model.rollout(traj[:, 0], rollout_steps)  # [S + 1, R, n, n]
    seconds = time.perf_counter() - t0
    err = _rel_l2(frames[1:], traj[:, 1:rollout_steps + 1].transpose(1, 0, 2, 3))  # [S, R]
    return {"one_step": float(np.mean(one)), "rollout_mean": float(err.mean()),
            "rollout_final": float(err[-1].mean()),
            "rollout_per_step": [round(float(e), 4) for e in err.mean(1)],
            "rollout_seconds": round(seconds, 2)}


def plot_rollout_errors(records: list[dict], path: Path) -> Path:
    """Rollout error per step of both models, one line pair per record (seed), as a PNG."""
    from geonop.viz import new_axes, save_figure

    fig, (ax,) = new_axes(1, size=5.5)
    for i, record in enumerate(records):
        steps = np.arange(1, len(record["mmpde"]["rollout_per_step"]) + 1)
        seed = record.get("setup", {}).get("seed", i)
        style = ("-", "--", ":", "-.")[i % 4]
        ax.plot(steps, record["fixed"]["rollout_per_step"], "o", ls=style, ms=3, color="C0",
                label=f"fixed mesh, seed {seed}")
        ax.plot(steps, record["mmpde"]["rollout_per_step"], "s", ls=style, ms=3, color="C1",
                label=f"MM-PDE, seed {seed}")
    ax.set_xlabel("rollout step (dt = 0.05)")
    ax.set_ylabel("relative L2 error (mean over held-out trajectories)")
    ax.set_title(f"2D Burgers, {records[0]['setup']['steps']} training steps per model")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def main() -> int:
    parser = arguments(__doc__, repeats=None, threads=1)
    parser.add_argument("--train-trajectories", type=int, default=None,
                        help="training trajectories (default 32, quick 6)")
    parser.add_argument("--test-trajectories", type=int, default=None,
                        help="held-out trajectories evaluated (default 8, quick 2)")
    parser.add_argument("--steps", type=int, default=None,
                        help="optimizer steps per model (default 500, quick 40)")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--rollout-steps", type=int, default=None,
                        help="rollout length (default 20 = the whole trajectory, quick 10)")
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None,
                        help="keep the trained models here (default: a temporary folder)")
    parser.add_argument("--plot", type=Path, default=None,
                        help="write the rollout error per step of both models to this PNG")
    parser.add_argument("--plot-records", type=Path, nargs="+", default=None,
                        help="only draw --plot from these saved JSON records (no training)")
    args = parser.parse_args()
    if args.plot_records:
        import json

        plot_rollout_errors([json.loads(p.read_text()) for p in args.plot_records],
                            args.plot or Path("rollout_error.png"))
        return 0
    set_threads(args.threads)
    from geonop.movers.mmpde import BurgersTransitions, load_burgers_data, split_trajectories

    q = args.quick
    n_train = args.train_trajectories or (6 if q else 32)
    n_test = args.test_trajectories or (2 if q else 8)
    steps = args.steps or (40 if q else 500)
    rollout_steps = args.rollout_steps or (10 if q else 20)
    t_start = time.perf_counter()
    data = load_burgers_data(progress=not q)
    train_idx, test_idx = split_trajectories(len(data["u"]))
    train_idx, test_idx = train_idx[:n_train], test_idx[:n_test]
    model_args = {"hidden_channels": args.hidden, "num_layers": args.layers}
    results: dict = {}
    tmp = tempfile.TemporaryDirectory() if args.out is None else None
    out_dir = Path(tmp.name) if tmp is not None else args.out
    try:
        t0 = time.perf_counter()
        sets = {}
        for mover in ("identity", "monge_ampere"):
            sets[mover] = (BurgersTransitions(trajectories=train_idx, mover=mover, progress=not q),
                           BurgersTransitions(trajectories=test_idx, mover=mover, progress=not q))
        data_seconds = time.perf_counter() - t0
        for mover in ("identity", "monge_ampere"):
            train_ds, test_ds = sets[mover]
            model, train_s = train_model(mover, train_ds, steps, args.batch_size, args.lr,
                                         args.seed, out_dir, model_args)
            res = evaluate(model, test_ds, rollout_steps, n_test)
            res["train_seconds"] = round(train_s, 1)
            res["parameters"] = model.num_parameters()
            results["mmpde" if mover == "monge_ampere" else "fixed"] = res
        test_ds = sets["identity"][1]
        traj = np.stack([test_ds.trajectory(i) for i in range(n_test)])
        persist = _rel_l2(traj[:, :1].repeat(rollout_steps, 1), traj[:, 1:rollout_steps + 1])
        one_persist = _rel_l2(traj[:, :-1], traj[:, 1:]).mean()
    finally:
        if tmp is not None:
            tmp.cleanup()
    m, f = results["mmpde"], results["fixed"]
    record = {
        "benchmark": "mmpde_burgers",
        "quick": q,
        "setup": {"grid": int(data["u"].shape[-1]), "nu": data["setup"]["nu"],
                  "seed": args.seed, "train_trajectories": n_train, "test_trajectories": n_test,
                  "train_samples": len(sets["identity"][0]), "steps": steps,
                  "batch_size": args.batch_size, "lr": args.lr, "rollout_steps": rollout_steps,
                  "mover": "MongeAmpereMover, gradient monitor alpha=5, smoothing 1"},
        "fixed": f,
        "mmpde": m,
        "persistence": {"one_step": float(one_persist), "rollout_mean": float(persist.mean())},
        "ratio_one_step": round(m["one_step"] / f["one_step"], 3),
        "ratio_rollout_mean": round(m["rollout_mean"] / f["rollout_mean"], 3),
        "ratio_rollout_final": round(m["rollout_final"] / f["rollout_final"], 3),
        "data_seconds": round(data_seconds, 1),
        "total_seconds": round(time.perf_counter() - t_start, 1),
        "environment": environment(),
    }
    if args.plot is not None:
        plot_rollout_errors([record], args.plot)
    if q:
        for k in ("fixed", "mmpde"):
            record[k] = {kk: v for kk, v in record[k].items() if kk != "rollout_per_step"}
    emit(record, one_line=q)
    return 0


if __name__ == "__main__":
    sys.exit(main())
