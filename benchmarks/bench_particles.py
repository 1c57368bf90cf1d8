"""Benchmark the graph interaction operator: query scaling, and speed vs GNS at equal training time.

(a) **Query scaling.** Time of one rollout step (eval, no gradients) of
:class:`~geonop.models.particles.GraphInteractionOperator` whose state is a sparse graph of
about 1k particles (GIOROM's setting: the dynamics live on ~1k nodes), while the number of
query points moved by the decoded acceleration field grows 1k -> 10k -> 100k. Figure:
``t(100k) / t(1k)`` by CPU and by wall time (issue target: at most 2), for the default
``decoder="basis"`` and for the kernel-MLP decoder ``decoder="kernel"`` as the reference.

(b) **Operator vs GNS.** A shipped test scene upsampled to at least 10k particles (every
particle split into ``factor`` copies at fixed sub-lattice offsets, which move with it; the
connectivity radius shrinks by ``sqrt(factor)`` so each particle keeps its neighbour count).
Time per rollout step of the operator (sparse graph ``--num-sparse`` nodes) and of GNS
(latent 128, 10 message-passing steps) on that scene, and each one's 20-step rollout MSE
(GNS convention, from frame ``--start``, when the blocks have landed) after training on the
equally upsampled training split with the same wall-clock budget. Issue targets: the
operator at least 25x faster, with rollout MSE at most 1.5x GNS's. (b') the operator
trained instead for the same budget on the native-resolution shipped scenes (it is
discretisation-agnostic), stepping the native test scene and moving the upsampled scene's
particles as query points: the same MSE, ``mse_ratio_native_operator_over_gns``.

    python benchmarks/bench_particles.py --quick      # one JSON line, under 2 minutes
    python benchmarks/bench_particles.py --budget 300 # 5 minutes of training per model

Ratios use process CPU time (one torch thread), which a shared machine disturbs less than
wall time; both are reported (the operator of (b) is timed before and after GNS, so
that both see the same load). ``--quick`` times 3 repeats (GNS on the 10k scene once),
trains each model for 8 s and rolls out a 2x upsampled scene
for the MSE (a 20-step GNS rollout of the 10k scene alone takes minutes on one core); the
timings of (b) are always on the >= 10k scene. Both models start from the
constant-velocity-plus-gravity floor (``gravity_prior``), clamp to the walls, and use the
example's options (:func:`example_options`, read from its config).
Figures measured on the development machine are in ``docs/particles.md``.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import torch
from _common import Timing, arguments, emit, environment, median_time, set_threads
from torch_geometric.data import Batch

from geonop.data.particles import ParticleDataset, Trajectory, read_dataset
from geonop.models.particles import GNS, GraphInteractionOperator, rollout
from geonop.models.particles.metrics import mse_mean_dims

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "datasets" / "particles_small"
BOUNDS = [[0.1, 0.9], [0.1, 0.9]]
RADIUS = 0.015
SPACING = 1.0 / 128  # lattice spacing of the shipped scenes
CONFIG = ROOT / "examples" / "configs" / "gio_particles.yaml"
#: the example's model options that GNS shares (the rest of them are the operator's own)
SHARED_OPTIONS = ("noise_std", "gravity_prior", "wall_clamp", "acceleration_inputs",
                  "wall_range", "reference_inputs")


def example_model_args() -> dict:
    """Every model argument of ``examples/configs/gio_particles.yaml``."""
    import yaml

    return dict(yaml.safe_load(CONFIG.read_text())["model"]["args"])


def example_options() -> tuple[dict, dict]:
    """The input and training options of ``examples/configs/gio_particles.yaml``:
    ``(options both models take, options only the operator takes)``."""
    args = example_model_args()
    shared = {k: v for k, v in args.items() if k in SHARED_OPTIONS}
    own = {k: args[k] for k in ("relative_velocity",) if k in args}
    return shared, own


def upsample(traj: Trajectory, factor: int, seed: int = 0) -> Trajectory:
    """Split every particle into ``factor`` copies at fixed offsets inside its lattice cell."""
    side = math.ceil(math.sqrt(factor))
    grid = (np.stack(np.meshgrid(np.arange(side), np.arange(side), indexing="ij"), -1)
            .reshape(-1, 2)[:factor] + 0.5) / side - 0.5
    rng = np.random.default_rng(seed)
    offsets = (grid + rng.uniform(-0.1, 0.1, grid.shape) / side) * SPACING
    pos = traj.positions[:, :, None, :] + offsets[None, None].astype(np.float32)
    pos = np.clip(pos, BOUNDS[0][0], BOUNDS[0][1]).reshape(traj.num_frames, -1, 2)
    return Trajectory(pos, np.repeat(traj.particle_type, factor), traj.dt, traj.bounds,
                      dict(traj.metadata), traj.name)


def query_scaling(repeats: int, seed: int) -> dict:
    """(a): one rollout step of a ~1k-node state with 1k, 10k and 100k query points, for
    the default basis decoder and, as the reference, the kernel-MLP decoder."""
    g = torch.Generator().manual_seed(seed)
    # 1024 particles at the spacing of the trained model's sparse nodes (1/8 of a
    # 1/128 lattice): the sparse graph is the state itself
    side = 32
    spacing = SPACING * math.sqrt(8)
    lattice = torch.stack(torch.meshgrid(torch.arange(side), torch.arange(side), indexing="ij"),
                          -1).reshape(-1, 2).double() * spacing + 0.15
    vel = torch.tensor([0.0, -2e-3], dtype=torch.float64)
    hist = (lattice[:, None] + torch.arange(-5, 1, dtype=torch.float64)[None, :, None] * vel).float()
    ptype = torch.full((len(lattice),), 5)
    lo, width = 0.15, spacing * (side - 1)
    queries = {}
    for m in (1_000, 10_000, 100_000):
        q = lo + width * torch.rand(m, 2, generator=g)
        queries[m] = torch.stack([q - vel.float(), q], dim=1)
    record = {"state_particles": len(lattice), "sparse_nodes": len(lattice)}
    for decoder in ("basis", "kernel"):
        torch.manual_seed(seed)
        own = example_options()[1] if decoder == "basis" else {}
        model = GraphInteractionOperator(connectivity_radius=RADIUS, bounds=BOUNDS, latent_dim=64,
                                         num_steps=4, sparse_ratio=1.0, gravity_prior=False,
                                         decoder=decoder, **own).eval()
        times = {}
        for m, qh in queries.items():
            with torch.no_grad():
                times[m] = median_time(
                    lambda qh=qh, model=model: model.step(hist, ptype, query_history=qh),
                    repeats, warmup=1)
        record[decoder] = {
            "wall_s_per_step": {str(k): round(v.wall, 4) for k, v in times.items()},
            "cpu_s_per_step": {str(k): round(v.cpu, 4) for k, v in times.items()},
            "ratio_100k_1k_cpu": round(times[100_000].cpu / times[1_000].cpu, 2),
            "ratio_100k_1k_wall": round(times[100_000].wall / times[1_000].wall, 2),
        }
    record["ratio_100k_1k"] = record["basis"]["ratio_100k_1k_cpu"]
    record["target_ratio_max"] = 2.0
    return record


def _timed(fn, repeats: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of ``repeats`` calls of ``fn``."""
    out = []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - w, time.process_time() - c))
    return out


def _train(model: torch.nn.Module, data: ParticleDataset, budget: float, batch_size: int,
           lr: float, seed: int) -> int:
    """Adam on the model's own training loss for ``budget`` wall-clock seconds, gradients
    clipped to norm 1 as in the example's configs; returns steps."""
    model.set_normalization(data.statistics())
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < budget:
        idx = rng.integers(0, len(data), size=batch_size)
        batch = Batch.from_data_list([data[int(i)] for i in idx])
        loss = model.training_step(batch).loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        steps += 1
    model.eval()
    return steps


def _rollout_mse(model: torch.nn.Module, traj: Trajectory, start: int, steps: int) -> float:
    pos = torch.as_tensor(traj.positions)
    pred = rollout(model, pos[start - model.history: start + 1],
                   torch.as_tensor(traj.particle_type), steps, reference=pos[0])
    return float(mse_mean_dims(pred, pos[start + 1: start + 1 + steps]).mean())


def _query_rollout_mse(model: GraphInteractionOperator, state: Trajectory, dense: Trajectory,
                       start: int, steps: int) -> float:
    """20-step MSE of ``dense``'s particles moved as queries while ``model`` steps ``state``."""
    pos = torch.as_tensor(state.positions)
    q = torch.as_tensor(dense.positions)
    _, pred = rollout(model, pos[start - model.history: start + 1],
                      torch.as_tensor(state.particle_type), steps, query=q[start - 1: start + 1],
                      reference=pos[0])
    return float(mse_mean_dims(pred, q[start + 1: start + 1 + steps]).mean())


def operator_vs_gns(args) -> dict:
    """(b): time per step on a >= 10k scene, and 20-step rollout MSE at equal training time."""
    splits, _ = read_dataset(DATA)
    scene = max(splits["test"], key=lambda t: t.num_particles)
    factor = math.ceil(10_000 / scene.num_particles)
    big = upsample(scene, factor, args.seed)
    radius = RADIUS / math.sqrt(factor)
    history = 5
    start = args.start
    shared, own = example_options()
    common = {"connectivity_radius": radius, "bounds": BOUNDS, **shared}
    torch.manual_seed(args.seed)
    gio = GraphInteractionOperator(latent_dim=64, num_steps=4, num_sparse=args.num_sparse,
                                   **common, **own).eval()
    torch.manual_seed(args.seed)
    gns = GNS(latent_dim=128, num_steps=10, **common).eval()

    pos = torch.as_tensor(big.positions)
    hist = pos[start - history: start + 1].transpose(0, 1).contiguous()
    ptype = torch.as_tensor(big.particle_type)
    ref = {"reference": pos[0]}     # rest positions (used with reference_inputs)
    with torch.no_grad():
        # the operator is timed before and after GNS, so that both see the same load on a
        # shared machine; a GNS step of the 10k scene takes seconds: --quick times it once
        gio.step(hist, ptype, **ref)
        runs = _timed(lambda: gio.step(hist, ptype, **ref), args.repeats)
        t_gns = median_time(lambda: gns.step(hist, ptype, **ref), 1 if args.quick else args.repeats,
                            warmup=0 if args.quick else 1)
        runs += _timed(lambda: gio.step(hist, ptype, **ref), args.repeats)
        t_gio = Timing(float(np.median([w for w, _ in runs])),
                       float(np.median([c for _, c in runs])), None)

    # training at equal wall-clock budget, on the training split upsampled like the scene
    mse_factor = 2 if args.quick else factor
    mse_radius = RADIUS / math.sqrt(mse_factor)
    train = [upsample(t, mse_factor, args.seed + i) for i, t in enumerate(splits["train"])]
    data = ParticleDataset(train, history=history, stride=2)
    results = {}
    for name, cls, kwargs in (("operator", GraphInteractionOperator,
                               {"latent_dim": 64, "num_steps": 4, **own,
                                "num_sparse": max(64, args.num_sparse * mse_factor // factor)}),
                              ("gns", GNS, {"latent_dim": 128, "num_steps": 10})):
        torch.manual_seed(args.seed)
        model = cls(connectivity_radius=mse_radius, bounds=BOUNDS, **shared, **kwargs)
        steps = _train(model, data, args.budget, args.batch_size, args.lr, args.seed)
        test = upsample(scene, mse_factor, args.seed)
        results[name] = {"train_steps": steps,
                         "rollout_mse_20": _rollout_mse(model, test, start, 20)}
    # the operator is discretisation-agnostic: trained for the same budget on the shipped
    # (native-resolution) scenes with the example's config, it steps the native scene and
    # moves the upsampled scene's particles as query points with the decoded field
    torch.manual_seed(args.seed)
    native = GraphInteractionOperator(connectivity_radius=RADIUS, bounds=BOUNDS,
                                      **example_model_args())
    native_steps = _train(native, ParticleDataset(splits["train"], history=history, stride=2),
                          args.budget, args.batch_size, args.lr, args.seed)
    results["operator_trained_native"] = {
        "train_steps": native_steps,
        "rollout_mse_20": _query_rollout_mse(native, scene, test, start, 20)}
    return {
        "scene": scene.name, "particles": big.num_particles, "upsample_factor": factor,
        "sparse_nodes": args.num_sparse,
        "wall_s_per_step": {"operator": round(t_gio.wall, 4), "gns": round(t_gns.wall, 4)},
        "cpu_s_per_step": {"operator": round(t_gio.cpu, 4), "gns": round(t_gns.cpu, 4)},
        "speedup": round(t_gns.cpu / t_gio.cpu, 1),
        "speedup_wall": round(t_gns.wall / t_gio.wall, 1), "target_speedup_min": 25.0,
        "training": {"budget_s_each": args.budget, "particles": data.trajectory(0).num_particles,
                     "upsample_factor": mse_factor, "start_frame": start, **results},
        "mse_ratio_operator_over_gns": round(results["operator"]["rollout_mse_20"]
                                             / max(results["gns"]["rollout_mse_20"], 1e-30), 3),
        "mse_ratio_native_operator_over_gns": round(
            results["operator_trained_native"]["rollout_mse_20"]
            / max(results["gns"]["rollout_mse_20"], 1e-30), 3),
        "target_mse_ratio_max": 1.5,
    }


def main(argv: list[str] | None = None) -> None:
    parser = arguments(__doc__, repeats=3, threads=1)
    parser.add_argument("--budget", type=float, default=None,
                        help="training seconds per model (default 8 with --quick, else 120)")
    parser.add_argument("--num-sparse", type=int, default=1024)
    parser.add_argument("--start", type=int, default=40, help="first frame of the 20-step rollouts")
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--skip-scaling", action="store_true", help="run (b) only")
    args = parser.parse_args(argv)
    set_threads(args.threads)
    if args.quick:
        args.repeats = 3
    if args.budget is None:
        args.budget = 8.0 if args.quick else 120.0
    t0 = time.perf_counter()
    record = {"benchmark": "particles", "quick": bool(args.quick)}
    if not args.skip_scaling:
        record["query_scaling"] = query_scaling(args.repeats, args.seed)
    record["operator_vs_gns"] = operator_vs_gns(args)
    record["seconds"] = round(time.perf_counter() - t0, 1)
    record["environment"] = environment()
    emit(record, one_line=args.quick)


if __name__ == "__main__":
    main()
