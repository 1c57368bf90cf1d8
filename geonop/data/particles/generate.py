"""Generate MPM particle datasets in the DeepMind layout, resumably.

:func:`generate_dataset` plans ``n_train + n_valid + n_test`` scenes per scene kind
(water, sand, jelly, multi), simulates each with :class:`~.mpm.MPMSimulator` and writes
``{train,valid,test}.npz`` and ``metadata.json`` (statistics from the training split)
with :mod:`.deepmind`.

Every trajectory has its own seed derived from ``(seed, kind, split, index)``, so it
does not depend on how many others are planned or on the order they run in. Each
finished trajectory is first stored on its own under ``OUT/.parts-<hash>/`` (atomic
writes), so an interrupted run resumes where it stopped; the split files and the
metadata are written atomically at the end and the parts are then removed. ``<hash>``
digests every setting, so parts of a run with other settings are never mixed in.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from geonop.data.particles.deepmind import (
    NpzTrajectoryFile,
    read_metadata,
    read_trajectories,
    write_dataset,
    write_trajectories,
)
from geonop.data.particles.mpm import (
    SCENE_KINDS,
    MPMConfig,
    MPMSimulator,
    Scene,
    random_scene,
    scene_particles,
)
from geonop.data.particles.trajectory import PARTICLE_TYPES, PathLike, Trajectory
from geonop.errors import CorruptFileError, GeonopError, InvalidArgumentError, MissingFileError

SPLITS: tuple[str, ...] = ("train", "valid", "test")


@dataclass(frozen=True)
class TrajectoryPlan:
    """One planned trajectory: where it goes, its seed and its scene."""

    split: str
    kind: str
    index: int
    seed: int
    scene: Scene

    @property
    def name(self) -> str:
        """Name in the split file, e.g. ``"water_003"``."""
        return f"{self.kind}_{self.index:03d}"


def trajectory_seed(seed: int, kind: str, split: str, index: int) -> int:
    """The seed of one trajectory, independent of every other planned trajectory."""
    words = [seed & 0xFFFFFFFF, SCENE_KINDS.index(kind), SPLITS.index(split), index]
    return int(np.random.SeedSequence(words).generate_state(1, dtype=np.uint32)[0])


def plan_dataset(
    kinds: Sequence[str] = SCENE_KINDS,
    counts: dict[str, int] | None = None,
    config: MPMConfig | None = None,
    seed: int = 0,
    num_blocks: tuple[int, int] = (1, 3),
    block_size: tuple[float, float] = (0.1, 0.2),
    max_speed: float = 1.0,
    max_top: float | None = None,
) -> list[TrajectoryPlan]:
    """The scenes of a dataset: ``counts[split]`` trajectories per kind and split.

    Parameters
    ----------
    kinds : sequence of str
        Scene kinds from :data:`~.mpm.SCENE_KINDS`.
    counts : dict, optional
        Trajectories per kind in each split (default ``{"train": 4, "valid": 1, "test": 1}``).
    config : MPMConfig, optional
        Solver settings (default ``MPMConfig()``).
    num_blocks, block_size, max_speed, max_top
        Passed to :func:`~.mpm.random_scene`.
    """
    config = config or MPMConfig()
    counts = dict(counts or {"train": 4, "valid": 1, "test": 1})
    unknown = [k for k in kinds if k not in SCENE_KINDS]
    if unknown or not kinds:
        raise InvalidArgumentError(f"kinds must be a non-empty subset of {SCENE_KINDS}, got {list(kinds)}")
    if set(counts) - set(SPLITS) or any(int(v) < 0 for v in counts.values()):
        raise InvalidArgumentError(f"counts must map splits {SPLITS} to numbers >= 0, got {counts}")
    if counts.get("train", 0) < 1:
        raise InvalidArgumentError("at least one training trajectory per kind is needed")
    plans = []
    for split in SPLITS:
        for kind in kinds:
            for i in range(int(counts.get(split, 0))):
                s = trajectory_seed(seed, kind, split, i)
                scene = random_scene(np.random.default_rng(s), kind, config, num_blocks=num_blocks,
                                     block_size=block_size, max_speed=max_speed, max_top=max_top)
                plans.append(TrajectoryPlan(split, kind, i, s, scene))
    return plans


def _settings_hash(settings: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]


def _load_part(path: Path, config: MPMConfig) -> Trajectory | None:
    lo, hi = config.bounds
    meta = {"dt": config.frame_dt, "bounds": [[lo, hi], [lo, hi]], "dim": 2}
    try:
        trajs = read_trajectories(path, meta)
    except GeonopError:  # a torn or foreign part: simulate it again
        return None
    return trajs[0] if len(trajs) == 1 else None


def generate_dataset(
    out: PathLike,
    kinds: Sequence[str] = SCENE_KINDS,
    n_train: int = 4,
    n_valid: int = 1,
    n_test: int = 1,
    config: MPMConfig | None = None,
    seed: int = 0,
    num_blocks: tuple[int, int] = (1, 3),
    block_size: tuple[float, float] = (0.1, 0.2),
    max_speed: float = 1.0,
    max_top: float | None = None,
    connectivity_radius: float = 0.015,
    layout: str = "flat",
    threads: int = 1,
    resume: bool = True,
    progress: bool = True,
) -> dict[str, Any]:
    """Simulate and write a dataset (see the module docstring).

    Parameters
    ----------
    out : path
        Output folder (created).
    kinds : sequence of str
        Scene kinds (default: water, sand, jelly, multi).
    n_train, n_valid, n_test : int
        Trajectories per kind in each split.
    config : MPMConfig, optional
        Solver and output settings (frames per trajectory, ``frame_dt``, materials);
        default ``MPMConfig()``.
    seed : int
        Master seed.
    num_blocks, block_size, max_speed, max_top
        Scene randomisation (see :func:`~.mpm.random_scene`).
    connectivity_radius : float
        ``default_connectivity_radius`` stored in the metadata (box units).
    layout : {"flat", "gns"}
        ``.npz`` layout (see :mod:`.deepmind`).
    threads : int
        Taichi CPU threads (1 is reproducible bit for bit).
    resume : bool
        Keep finished trajectories of an interrupted run with the same settings, and
        return at once if the dataset is already complete; ``False`` starts over.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    dict
        :func:`summarize` of the written dataset plus ``simulated`` (trajectories run
        now) and ``seconds`` (wall time of this call).
    """
    started = time.perf_counter()
    config = config or MPMConfig()
    out = Path(out)
    counts = {"train": int(n_train), "valid": int(n_valid), "test": int(n_test)}
    plans = plan_dataset(kinds, counts, config, seed, num_blocks, block_size, max_speed, max_top)
    settings = {
        "config": config.to_dict(), "kinds": list(kinds), "counts": counts, "seed": int(seed),
        "num_blocks": list(num_blocks), "block_size": list(block_size), "max_speed": float(max_speed),
        "max_top": None if max_top is None else float(max_top),
        "connectivity_radius": float(connectivity_radius), "layout": layout,
    }
    digest = _settings_hash(settings)
    parts = out / f".parts-{digest}"
    if resume and (out / "metadata.json").is_file():
        try:
            done = read_metadata(out).get("generator", {}).get("settings_hash") == digest
        except GeonopError:
            done = False
        if done and all((out / f"{s}.npz").is_file() for s, n in counts.items() if n):
            summary = summarize(out)
            summary.update(simulated=0, seconds=round(time.perf_counter() - started, 3))
            return summary
    if not resume:
        for old in out.glob(".parts-*"):
            shutil.rmtree(old, ignore_errors=True)
    parts.mkdir(parents=True, exist_ok=True)

    todo = [p for p in plans if _load_part(parts / f"{p.split}-{p.name}.npz", config) is None]
    simulated = 0
    if todo:
        capacity = max(len(scene_particles(p.scene, config, np.random.default_rng(p.seed))[0])
                       for p in todo)
        sim = MPMSimulator(config, capacity=capacity, threads=threads, seed=seed)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(plans), initial=len(plans) - len(todo), unit="traj",
                       desc="MPM trajectories")
        try:
            for plan in todo:
                if bar is not None:
                    bar.set_postfix_str(f"{plan.split}/{plan.name}")
                traj = sim.simulate(plan.scene, seed=plan.seed)
                traj.metadata.update(kind=plan.kind, split=plan.split)
                traj.name = plan.name
                write_trajectories(parts / f"{plan.split}-{plan.name}.npz", [traj])
                simulated += 1
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()

    splits: dict[str, list[Trajectory]] = {s: [] for s in SPLITS if counts[s]}
    for plan in plans:
        traj = _load_part(parts / f"{plan.split}-{plan.name}.npz", config)
        if traj is None:
            raise CorruptFileError(parts / f"{plan.split}-{plan.name}.npz", "part vanished or unreadable")
        splits[plan.split].append(traj)
    try:
        import taichi

        taichi_version = ".".join(str(v) for v in taichi.__version__)
    except ImportError:  # every part was already there; nothing was simulated
        taichi_version = None
    gen_seconds = [t.metadata.get("wall_seconds", 0.0) for ts in splits.values() for t in ts]
    extra = {
        "particle_types": {k: v for k, v in PARTICLE_TYPES.items() if k != "goop"},
        "generator": {
            "module": "geonop.data.particles.mpm", "settings": settings, "settings_hash": digest,
            "taichi_version": taichi_version,
            "mean_seconds_per_trajectory": float(np.mean(gen_seconds)) if gen_seconds else None,
        },
    }
    write_dataset(out, splits, connectivity_radius, layout=layout, extra_metadata=extra)
    shutil.rmtree(parts, ignore_errors=True)
    summary = summarize(out)
    summary.update(simulated=simulated, seconds=round(time.perf_counter() - started, 3))
    return summary


def summarize(root: PathLike) -> dict[str, Any]:
    """Counts, shapes, sizes and generation times of a dataset folder.

    Returns
    -------
    dict
        ``splits`` (per split: trajectories, particles min/mean/max, frames), ``bytes``
        (total size of the split files and metadata), ``per_kind`` (trajectories, mean
        particles and mean generation seconds per scene kind).
    """
    root = Path(root)
    meta = read_metadata(root)
    summary: dict[str, Any] = {"root": str(root), "splits": {}, "per_kind": {}}
    total = (root / "metadata.json").stat().st_size
    kinds: dict[str, list[tuple[int, float]]] = {}
    for split in SPLITS:
        path = root / f"{split}.npz"
        if not path.is_file():
            continue
        total += path.stat().st_size
        f = NpzTrajectoryFile(path, meta, allow_pickle=False)
        ns = [f.shape(i)[1] for i in range(len(f))]
        summary["splits"][split] = {
            "trajectories": len(f), "frames": sorted({f.shape(i)[0] for i in range(len(f))}),
            "particles_min": int(min(ns)), "particles_mean": float(np.mean(ns)),
            "particles_max": int(max(ns)), "bytes": path.stat().st_size,
        }
        for i in range(len(f)):
            tm = f.trajectory_metadata(i)
            kind = str(tm.get("kind", tm.get("material", "unknown")))
            kinds.setdefault(kind, []).append((f.shape(i)[1], float(tm.get("wall_seconds", np.nan))))
    if not summary["splits"]:
        raise MissingFileError(root, "no split files")
    summary["bytes"] = int(total)
    for kind, rows in kinds.items():
        arr = np.asarray(rows, dtype=np.float64)
        summary["per_kind"][kind] = {"trajectories": len(rows), "particles_mean": float(arr[:, 0].mean()),
                                     "seconds_mean": float(np.nanmean(arr[:, 1]))}
    summary["generator"] = meta.get("generator")
    return summary
