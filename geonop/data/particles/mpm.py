"""2D MLS-MPM simulations of water, sand and elastic jelly with Taichi (CPU backend).

A :class:`Scene` is a few rectangular blocks of material with initial velocities in the
box ``[lo, hi]^2`` (``[0.1, 0.9]^2`` as in DeepMind's WaterDrop). :class:`MPMSimulator`
fills each block with particles on a jittered lattice (``particles_per_cell`` per grid
cell and axis), advances the MLS-MPM solver of :mod:`._mpm_kernels` and stores every
``substeps``-th state, so frames are ``frame_dt`` apart like the GNS datasets.

Units: box units (the simulation square is [0, 1]^2) and seconds, unit density; gravity
is in box units per s^2. Materials:

==========  ====  ==========================================================
material    type  model
==========  ====  ==========================================================
water       5     weakly compressible, bulk modulus ``water_bulk``, viscosity
sand        6     Drucker-Prager, friction angle ``sand_friction_deg``,
                  elastic compression capped at ``sand_compression_cap``
jelly       8     fixed-corotated elastic, ``jelly_youngs``, ``jelly_poisson``
==========  ====  ==========================================================

With one CPU thread (the default) a run is bit-for-bit reproducible: the only
randomness is the particle jitter drawn from the seed, and the grid sums are
accumulated in a fixed order. More threads are faster but the atomic additions then
land in varying order, so results differ in the last bits.

Needs ``taichi`` (the ``particles`` extra).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import geonop.optional
from geonop.data.particles.trajectory import PARTICLE_TYPES, Trajectory
from geonop.errors import InvalidArgumentError, MissingDependencyError

MATERIALS: tuple[str, ...] = ("water", "sand", "jelly")
#: scene kinds :func:`random_scene` draws ("multi" mixes materials)
SCENE_KINDS: tuple[str, ...] = MATERIALS + ("multi",)
_KERNEL_ID = {"water": 0, "sand": 1, "jelly": 2}


@dataclass(frozen=True)
class MPMConfig:
    """Solver and output settings (box units, seconds, unit density).

    Attributes
    ----------
    n_grid : int
        Grid cells per axis over [0, 1]; particle spacing is ``1 / (n_grid * particles_per_cell)``.
    particles_per_cell : int
        Particles per cell and axis in a block (2 gives 4 per cell in 2D).
    bounds : (float, float)
        Wall positions ``lo, hi`` on both axes.
    frame_dt : float
        Seconds between stored frames.
    substeps : int
        Solver steps per frame (the solver step is ``frame_dt / substeps``); 0 (default)
        picks per scene the fewest that satisfy ``cfl`` for the materials present, so
        water-only scenes take larger steps than scenes with stiff sand.
    cfl : float
        Largest fraction of a grid cell an elastic wave may cross in one solver step.
    num_frames : int
        Stored frames per trajectory (the first is the initial state).
    gravity : float
        Downward acceleration, box units / s^2.
    water_bulk, water_viscosity : float
        Bulk modulus and kinematic viscosity of water.
    sand_youngs, sand_poisson, sand_friction_deg, sand_compression_cap : float
        Elasticity, Drucker-Prager friction angle (degrees), and the largest elastic
        compressive log-strain kept per axis.
    jelly_youngs, jelly_poisson : float
        Elasticity of jelly.
    water_wall_friction, sand_wall_friction, jelly_wall_friction : float
        Coulomb friction coefficient between the walls and each material (sand grips,
        so that it piles up instead of sliding away).
    no_slip_depth : float
        Grid nodes more than this many cells outside the walls are no-slip.
    water_max_stretch : float
        Largest volume ratio water may reach (1 is no tension at all).
    wall_margin : float
        Particles are kept at least this far inside the walls.
    jitter : float
        Random displacement of the lattice particles, as a fraction of the spacing.
    """

    n_grid: int = 64
    particles_per_cell: int = 2
    bounds: tuple[float, float] = (0.1, 0.9)
    frame_dt: float = 0.0025
    substeps: int = 0
    cfl: float = 0.4
    num_frames: int = 151
    gravity: float = 20.0
    water_bulk: float = 800.0
    water_viscosity: float = 0.02
    sand_youngs: float = 5.0e3
    sand_poisson: float = 0.3
    sand_friction_deg: float = 40.0
    sand_compression_cap: float = 0.02
    jelly_youngs: float = 3.0e3
    jelly_poisson: float = 0.3
    water_wall_friction: float = 0.5
    sand_wall_friction: float = 1.0
    jelly_wall_friction: float = 0.5
    no_slip_depth: float = 1.0
    water_max_stretch: float = 1.1
    wall_margin: float = 1.0e-3
    jitter: float = 0.1

    @property
    def spacing(self) -> float:
        """Distance between neighbouring particles of a block."""
        return 1.0 / (self.n_grid * self.particles_per_cell)

    def wave_speed(self, materials: Sequence[str] = MATERIALS) -> float:
        """Largest elastic wave speed of ``materials`` (box units / s, unit density)."""
        speeds = {"water": self.water_bulk,
                  "sand": _lame_sum(self.sand_youngs, self.sand_poisson),
                  "jelly": _lame_sum(self.jelly_youngs, self.jelly_poisson)}
        return float(np.sqrt(max(speeds[m] for m in materials)))

    def min_substeps(self, materials: Sequence[str] = MATERIALS) -> int:
        """Fewest solver steps per frame that keep ``c dt <= cfl dx`` for ``materials``."""
        return max(1, int(np.ceil(self.frame_dt * self.wave_speed(materials) * self.n_grid / self.cfl)))

    def substeps_for(self, materials: Sequence[str]) -> int:
        """Solver steps per frame for a scene made of ``materials``."""
        return self.substeps if self.substeps > 0 else self.min_substeps(materials)

    def validate(self) -> None:
        """Raise :class:`InvalidArgumentError` naming the first bad setting."""
        lo, hi = self.bounds
        checks = [
            (self.n_grid >= 8, "n_grid must be >= 8"),
            (self.particles_per_cell >= 1, "particles_per_cell must be >= 1"),
            (0.0 < lo < hi < 1.0, "bounds must satisfy 0 < lo < hi < 1"),
            (lo * self.n_grid >= 3 and (1 - hi) * self.n_grid >= 3,
             "bounds must leave >= 3 grid cells outside the walls"),
            (self.frame_dt > 0 and self.substeps >= 0, "frame_dt must be > 0 and substeps >= 0"),
            (0 < self.cfl <= 1, "cfl must be in (0, 1]"),
            (self.num_frames >= 2, "num_frames must be >= 2"),
            (min(self.water_bulk, self.sand_youngs, self.jelly_youngs) > 0, "moduli must be > 0"),
            (0 <= self.sand_poisson < 0.5 and 0 <= self.jelly_poisson < 0.5,
             "Poisson ratios must be in [0, 0.5)"),
            (0 < self.sand_friction_deg < 90, "sand_friction_deg must be in (0, 90)"),
            (self.sand_compression_cap > 0, "sand_compression_cap must be > 0"),
            (self.water_viscosity >= 0 and min(self.water_wall_friction, self.sand_wall_friction,
                                               self.jelly_wall_friction) >= 0,
             "viscosity and friction must be >= 0"),
            (self.no_slip_depth >= 0, "no_slip_depth must be >= 0"),
            (self.water_max_stretch >= 1.0, "water_max_stretch must be >= 1"),
            (0 <= self.jitter < 0.5, "jitter must be in [0, 0.5)"),
        ]
        for ok, message in checks:
            if not ok:
                raise InvalidArgumentError(f"MPMConfig: {message} ({self})")
        # a fixed step must be stable for the stiffest material (CFL)
        if 0 < self.substeps < self.min_substeps():
            raise InvalidArgumentError(
                f"MPMConfig: substeps={self.substeps} is unstable for wave speed "
                f"{self.wave_speed():.3g} on a {self.n_grid}-cell grid with cfl={self.cfl}; use "
                f">= {self.min_substeps()} or 0 (automatic)"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able settings."""
        d = dataclasses.asdict(self)
        d["bounds"] = list(self.bounds)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MPMConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise InvalidArgumentError(f"MPMConfig: unknown settings {sorted(unknown)}")
        kw = dict(d)
        if "bounds" in kw:
            kw["bounds"] = tuple(float(b) for b in kw["bounds"])
        return cls(**kw)


def _lame_sum(youngs: float, poisson: float) -> float:
    mu = youngs / (2 * (1 + poisson))
    la = youngs * poisson / ((1 + poisson) * (1 - 2 * poisson))
    return la + 2 * mu


@dataclass(frozen=True)
class Block:
    """An axis-aligned rectangle of one material.

    Attributes
    ----------
    material : str
        One of :data:`MATERIALS`.
    lower : (float, float)
        Lower-left corner, box units.
    size : (float, float)
        Width and height, box units.
    velocity : (float, float)
        Initial velocity, box units / s.
    """

    material: str
    lower: tuple[float, float]
    size: tuple[float, float]
    velocity: tuple[float, float] = (0.0, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {"material": self.material, "lower": list(self.lower), "size": list(self.size),
                "velocity": list(self.velocity)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Block:
        return cls(str(d["material"]), tuple(d["lower"]), tuple(d["size"]),  # type: ignore[arg-type]
                   tuple(d.get("velocity", (0.0, 0.0))))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Scene:
    """Blocks that start a simulation; ``kind`` names the scene family (e.g. ``"multi"``)."""

    blocks: tuple[Block, ...]
    kind: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "blocks": [b.to_dict() for b in self.blocks]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Scene:
        return cls(tuple(Block.from_dict(b) for b in d["blocks"]), str(d.get("kind", "")))


def random_scene(
    rng: np.random.Generator,
    kind: str,
    config: MPMConfig = MPMConfig(),
    num_blocks: tuple[int, int] = (1, 3),
    block_size: tuple[float, float] = (0.1, 0.2),
    max_speed: float = 1.0,
    max_top: float | None = None,
    max_tries: int = 200,
) -> Scene:
    """Draw 1-3 non-overlapping blocks with random sizes, places and velocities.

    Parameters
    ----------
    rng : numpy Generator
    kind : str
        A material (every block of it) or ``"multi"`` (at least two blocks, materials
        drawn per block with at least two different ones).
    config : MPMConfig
        Its bounds and spacing place the blocks.
    num_blocks : (int, int)
        Inclusive range of the number of blocks.
    block_size : (float, float)
        Range of each side, box units.
    max_speed : float
        Each velocity component is uniform in ``[-max_speed, max_speed]`` box units / s.
    max_top : float, optional
        Highest top of a block above the floor, box units (default: up to the ceiling).
        Lower drops settle sooner, so short trajectories end at rest.
    """
    if kind not in SCENE_KINDS:
        raise InvalidArgumentError(f"scene kind must be one of {SCENE_KINDS}, got {kind!r}")
    lo, hi = config.bounds
    gap = 3 * config.spacing
    top = hi - gap if max_top is None else min(hi - gap, lo + max_top)
    if top - (lo + gap + 0.05) < block_size[1]:
        raise InvalidArgumentError(f"random_scene: max_top={max_top} leaves no room for blocks of "
                                   f"size up to {block_size[1]}")
    n = int(rng.integers(num_blocks[0], num_blocks[1] + 1))
    if kind == "multi":
        n = max(n, 2)
        mats = list(rng.choice(MATERIALS, size=n))
        if n >= 2 and len(set(mats)) == 1:
            mats[-1] = str(rng.choice([m for m in MATERIALS if m != mats[0]]))
    else:
        mats = [kind] * n
    blocks: list[Block] = []
    for mat in mats:
        for _ in range(max_tries):
            w, h = rng.uniform(block_size[0], block_size[1], size=2)
            x0 = rng.uniform(lo + gap, hi - gap - w)
            y0 = rng.uniform(lo + gap + 0.05, top - h)
            if all(x0 + w + gap <= b.lower[0] or b.lower[0] + b.size[0] + gap <= x0
                   or y0 + h + gap <= b.lower[1] or b.lower[1] + b.size[1] + gap <= y0
                   for b in blocks):
                vel = rng.uniform(-max_speed, max_speed, size=2)
                blocks.append(Block(str(mat), (float(x0), float(y0)), (float(w), float(h)),
                                    (float(vel[0]), float(vel[1]))))
                break
        else:
            raise InvalidArgumentError(f"random_scene: could not place {n} blocks without overlap")
    return Scene(tuple(blocks), kind)


def scene_particles(scene: Scene, config: MPMConfig, rng: np.random.Generator
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Particles of a scene on a jittered lattice.

    Returns
    -------
    positions : ndarray of shape [N, 2], float32
    velocities : ndarray of shape [N, 2], float32
    kernel_material : ndarray of shape [N], int32 (the solver's material ids)
    particle_type : ndarray of shape [N], int64 (GNS codes)
    """
    s = config.spacing
    lo, hi = config.bounds
    pos, vel, mat, ptype = [], [], [], []
    for b in scene.blocks:
        if b.material not in MATERIALS:
            raise InvalidArgumentError(f"block material must be one of {MATERIALS}, got {b.material!r}")
        nx = max(1, round(b.size[0] / s))
        ny = max(1, round(b.size[1] / s))
        gx, gy = np.meshgrid((np.arange(nx) + 0.5) * s, (np.arange(ny) + 0.5) * s, indexing="ij")
        p = np.stack([gx.ravel() + b.lower[0], gy.ravel() + b.lower[1]], axis=1)
        p += rng.uniform(-config.jitter * s, config.jitter * s, size=p.shape)
        if p.min() < lo or p.max() > hi:
            raise InvalidArgumentError(f"block {b} reaches outside the walls {config.bounds}")
        pos.append(p)
        vel.append(np.broadcast_to(np.asarray(b.velocity, dtype=np.float64), p.shape))
        mat.append(np.full(len(p), _KERNEL_ID[b.material], dtype=np.int32))
        ptype.append(np.full(len(p), PARTICLE_TYPES[b.material], dtype=np.int64))
    if not pos:
        raise InvalidArgumentError("scene has no blocks")
    return (np.concatenate(pos).astype(np.float32), np.concatenate(vel).astype(np.float32),
            np.concatenate(mat), np.concatenate(ptype))


class MPMSimulator:
    """Runs :class:`Scene` s with the Taichi MLS-MPM solver and returns :class:`Trajectory` s.

    Creating a simulator calls ``ti.init`` (CPU backend), which resets any other Taichi
    state in the process; create one and reuse it for many scenes (the kernels compile
    once, on the first run).

    Parameters
    ----------
    config : MPMConfig
    capacity : int
        Largest number of particles per scene.
    threads : int
        CPU threads for Taichi; 1 (default) is reproducible bit for bit.
    seed : int
        Taichi's random seed (the solver itself draws no random numbers).

    Raises
    ------
    MissingDependencyError
        If taichi is not installed.
    """

    def __init__(self, config: MPMConfig = MPMConfig(), capacity: int = 4096, threads: int = 1,
                 seed: int = 0) -> None:
        if not geonop.optional.WITH_TAICHI:
            raise MissingDependencyError("taichi", "particles", "generating MPM particle data")
        config.validate()
        if capacity < 1 or threads < 1:
            raise InvalidArgumentError(f"capacity and threads must be >= 1, got {capacity}, {threads}")
        # Taichi prints a banner on import and on init; keep stdout for the caller's output
        os.environ.setdefault("ENABLE_TAICHI_HEADER_PRINT", "0")
        ti = geonop.optional.require("taichi", "generating MPM particle data")
        with contextlib.redirect_stdout(io.StringIO()):
            ti.init(arch=ti.cpu, cpu_max_num_threads=int(threads), random_seed=int(seed),
                    default_fp=ti.f32, log_level=ti.WARN, offline_cache=True)
        from geonop.data.particles._mpm_kernels import MPMKernels

        self.config = config
        self.capacity = int(capacity)
        self.threads = int(threads)
        self._k = MPMKernels(self.capacity, config.n_grid)
        self._set_parameters()

    def _set_parameters(self) -> None:
        c, k = self.config, self._k
        vol = c.spacing**2
        k.p_vol[None] = vol
        k.p_mass[None] = vol  # unit density
        k.gravity[None] = [0.0, -c.gravity]
        k.lo[None], k.hi[None] = c.bounds
        k.margin[None] = c.wall_margin
        k.wall_friction[None] = [c.water_wall_friction, c.sand_wall_friction, c.jelly_wall_friction]
        k.no_slip_depth[None] = c.no_slip_depth / c.n_grid
        k.water_max_stretch[None] = c.water_max_stretch
        k.bulk_water[None] = c.water_bulk
        k.viscosity[None] = c.water_viscosity
        mu_s = c.sand_youngs / (2 * (1 + c.sand_poisson))
        k.mu_sand[None] = mu_s
        k.la_sand[None] = c.sand_youngs * c.sand_poisson / ((1 + c.sand_poisson) * (1 - 2 * c.sand_poisson))
        sin_phi = np.sin(np.deg2rad(c.sand_friction_deg))
        k.alpha_sand[None] = np.sqrt(2.0 / 3.0) * 2.0 * sin_phi / (3.0 - sin_phi)
        k.cap_sand[None] = c.sand_compression_cap
        k.mu_jelly[None] = c.jelly_youngs / (2 * (1 + c.jelly_poisson))
        k.la_jelly[None] = (c.jelly_youngs * c.jelly_poisson
                            / ((1 + c.jelly_poisson) * (1 - 2 * c.jelly_poisson)))

    def simulate(self, scene: Scene, seed: int = 0, progress: Any = None) -> Trajectory:
        """Simulate ``scene`` and return its trajectory of ``config.num_frames`` frames.

        Parameters
        ----------
        scene : Scene
        seed : int
            Seed of the particle jitter.
        progress : callable, optional
            Called with the number of frames done after each frame.

        Returns
        -------
        Trajectory
            Positions [T, N, 2] float32, GNS particle types, ``dt = frame_dt``,
            ``bounds = [[lo, hi], [lo, hi]]``; metadata holds the scene, seed, wall time
            and ``clamped_fraction`` (share of particle-frames the wall clamp touched).
        """
        c = self.config
        rng = np.random.default_rng(seed)
        pos, vel, mat, ptype = scene_particles(scene, c, rng)
        n = len(pos)
        if n > self.capacity:
            raise InvalidArgumentError(f"scene has {n} particles, more than capacity={self.capacity}")
        k = self._k
        full = np.zeros((self.capacity, 2), dtype=np.float32)
        full[:n] = pos
        k.x.from_numpy(full)
        full[:n] = vel
        k.v.from_numpy(full)
        mats = np.zeros(self.capacity, dtype=np.int32)
        mats[:n] = mat
        k.material.from_numpy(mats)
        k.reset_state(n)
        frames = np.empty((c.num_frames, n, 2), dtype=np.float32)
        frames[0] = pos
        lo, hi = c.bounds
        clamped = 0
        substeps = c.substeps_for(sorted({b.material for b in scene.blocks}))
        dt = c.frame_dt / substeps
        start = time.perf_counter()
        cpu_start = time.process_time()
        for f in range(1, c.num_frames):
            for _ in range(substeps):
                k.substep(n, dt)
            x = k.x.to_numpy()[:n]
            frames[f] = x
            clamped += int(np.count_nonzero((x <= lo + c.wall_margin + 1e-7)
                                            | (x >= hi - c.wall_margin - 1e-7)))
            if progress is not None:
                progress(f)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        if not np.isfinite(frames).all():
            raise InvalidArgumentError(
                f"MPM simulation diverged (NaN) for scene {scene.to_dict()}; reduce the solver "
                "step (more substeps) or the moduli"
            )
        meta = {
            "scene": scene.to_dict(), "seed": int(seed),
            "material": scene.kind or "+".join(sorted({b.material for b in scene.blocks})),
            "substeps": substeps, "wall_seconds": round(elapsed, 3), "cpu_seconds": round(cpu, 3),
            "clamped_fraction": clamped / max(1, (c.num_frames - 1) * n * 2),
        }
        bounds = np.array([[lo, hi], [lo, hi]], dtype=np.float64)
        return Trajectory(frames, ptype, dt=c.frame_dt, bounds=bounds, metadata=meta)

