"""Burgers trajectories for MM-PDE: generation, the shipped file, and one-step samples.

:func:`generate_burgers_data` solves 2D viscous Burgers (:mod:`.burgers`) from random
sine-series initial conditions on a fine periodic grid and keeps every ``fine / coarse``-th
node (injection, as the MM-PDE data are downsampled), at ``frames`` equally spaced times.
The shipped file ``datasets/burgers/burgers_32.npz`` holds the default setup (see
``datasets/burgers/README.md``); :func:`load_burgers_data` reads it and regenerates it when
it is missing.

:class:`BurgersTransitions` serves the one-step pairs ``(u(t_k), u(t_{k+1}))`` of chosen
trajectories, with the nodes of the moving branch placed by the mover from ``u(t_k)``
(:func:`~geonop.movers.mmpde.moving.move_grid`). Moving a mesh costs about 0.2 s, so the
moved nodes of every sample are computed once and cached in a ``.npz`` next to the data,
keyed by the data, the mover settings and a fingerprint of the mover's output on a small
fixed field (so that a changed mover algorithm does not reuse stale nodes).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch_geometric.data import Data

from geonop.data.base import GeometryDataset
from geonop.errors import CorruptFileError, InvalidArgumentError, MissingFileError
from geonop.io.write import atomic_write
from geonop.movers.mmpde.burgers import random_initial_condition, solve_burgers
from geonop.movers.mmpde.moving import MOVERS, grid_mesh, move_grid

#: the setup of the shipped dataset (see datasets/burgers/README.md)
DEFAULT_SETUP: dict[str, Any] = {"num_trajectories": 40, "fine": 128, "coarse": 32, "nu": 0.005,
                                 "t_end": 1.0, "frames": 21, "seed": 0}
#: trajectories the benchmark and the example hold out (the last ones of the file)
DEFAULT_TEST_TRAJECTORIES = 8


def default_data_path() -> Path:
    """``datasets/burgers/burgers_32.npz`` of the geonop checkout."""
    return Path(__file__).resolve().parents[3] / "datasets" / "burgers" / "burgers_32.npz"


def generate_burgers_data(num_trajectories: int = 40, fine: int = 128, coarse: int = 32,
                          nu: float = 0.005, t_end: float = 1.0, frames: int = 21, seed: int = 0,
                          batch: int = 8, progress: bool = False) -> dict[str, Any]:
    """Solve Burgers from random initial conditions and downsample to the coarse grid.

    Parameters
    ----------
    num_trajectories : int
        Number of trajectories (each from its own initial condition).
    fine, coarse : int
        Nodes per side of the solver's grid and of the stored grid (``fine`` a multiple of
        ``coarse``).
    nu : float
        Viscosity.
    t_end : float
        Time of the last frame.
    frames : int
        Stored frames per trajectory (at ``linspace(0, t_end, frames)``).
    seed : int
        Seed of the initial conditions.
    batch : int
        Trajectories integrated together (vectorised).
    progress : bool
        Show a progress bar.

    Returns
    -------
    dict
        ``u``: float32 array [num_trajectories, frames, coarse, coarse] (``u[..., j, i]`` at
        ``(i / coarse, j / coarse)``), ``times``: [frames], ``setup``: the arguments.
    """
    if num_trajectories < 1 or frames < 2 or coarse < 4 or fine < coarse or fine % coarse \
            or not t_end > 0:
        raise InvalidArgumentError(
            "generate_burgers_data: need num_trajectories >= 1, frames >= 2, coarse >= 4, fine a "
            f"multiple of coarse and t_end > 0, got {num_trajectories}, {frames}, {coarse}, "
            f"{fine}, {t_end}")
    from tqdm import tqdm

    rng = np.random.default_rng(seed)
    u0 = np.stack([random_initial_condition(fine, rng) for _ in range(num_trajectories)])
    times = np.linspace(0.0, t_end, frames)
    r = fine // coarse
    out = np.empty((num_trajectories, frames, coarse, coarse), np.float32)
    starts = range(0, num_trajectories, batch)
    for s in tqdm(starts, desc="Burgers trajectories", disable=not progress,
                  total=len(starts), unit="batch"):
        sol = solve_burgers(u0[s:s + batch], nu, times)  # [frames, b, fine, fine]
        out[s:s + batch] = sol[..., ::r, ::r].transpose(1, 0, 2, 3)
    setup = {"num_trajectories": int(num_trajectories), "fine": int(fine), "coarse": int(coarse),
             "nu": float(nu), "t_end": float(t_end), "frames": int(frames), "seed": int(seed)}
    return {"u": out, "times": times, "setup": setup}


def save_burgers_data(data: dict[str, Any], path: str | Path) -> Path:
    """Write :func:`generate_burgers_data`'s output to ``path`` (``.npz``, atomically)."""
    path = Path(path)
    meta = json.dumps(data["setup"])
    atomic_write(path, lambda tmp: np.savez_compressed(
        tmp, u=data["u"].astype(np.float32), times=data["times"], setup=np.array(meta)),
        suffix=".npz")
    return path


def load_burgers_data(path: str | Path | None = None, generate: bool = True,
                      progress: bool = False) -> dict[str, Any]:
    """Read a Burgers dataset; the shipped default one is regenerated if it is missing.

    Parameters
    ----------
    path : path, optional
        A file written by :func:`save_burgers_data` (default :func:`default_data_path`).
    generate : bool
        When the default file is missing, generate it with :data:`DEFAULT_SETUP` (about
        80 s on one core) and save it.
    progress : bool
        Progress bar while generating.

    Returns
    -------
    dict with ``u`` [T, F, n, n], ``times`` [F] and ``setup``.
    """
    default = path is None
    path = default_data_path() if default else Path(path)
    if not path.is_file():
        if default and generate:
            data = generate_burgers_data(**DEFAULT_SETUP, progress=progress)
            save_burgers_data(data, path)
            return data
        raise MissingFileError(path, "no such Burgers dataset (write one with "
                                     "save_burgers_data(generate_burgers_data(...), path))")
    try:
        with np.load(path, allow_pickle=False) as f:
            u = np.asarray(f["u"], dtype=np.float32)
            times = np.asarray(f["times"], dtype=np.float64)
            setup = json.loads(str(f["setup"]))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise CorruptFileError(path, f"not a readable Burgers dataset ({exc})") from exc
    if u.ndim != 4 or u.shape[2] != u.shape[3] or times.shape != (u.shape[1],) \
            or not np.isfinite(u).all():
        raise CorruptFileError(path, f"u must be a finite array [trajectories, frames, n, n] "
                                     f"matching times, got u {list(u.shape)}, times "
                                     f"{list(times.shape)}")
    return {"u": u, "times": times, "setup": setup}


def split_trajectories(num_trajectories: int,
                       num_test: int = DEFAULT_TEST_TRAJECTORIES) -> tuple[list[int], list[int]]:
    """``(train, test)`` trajectory indices: the last ``num_test`` are held out."""
    if not 0 < num_test < num_trajectories:
        raise InvalidArgumentError(f"split_trajectories: need 0 < num_test < {num_trajectories}, "
                                   f"got {num_test}")
    return list(range(num_trajectories - num_test)), list(range(num_trajectories - num_test,
                                                                num_trajectories))


class BurgersTransitions(GeometryDataset):
    """One-step Burgers samples ``u(t_k) -> u(t_{k+1})`` with the moving branch's nodes.

    A sample has ``x`` [N, 1] (the state), ``y`` [N, 1] (the next state), ``dy`` = ``y - x``,
    ``pos`` [N, 2] (the fixed grid nodes), ``moved`` [N, 2] (the nodes the mover places from
    ``x``; equal to ``pos`` for ``mover="identity"``), with ``N = n * n``.

    Parameters
    ----------
    path : path, optional
        Dataset file (default: the shipped ``datasets/burgers/burgers_32.npz``).
    trajectories : list of int, optional
        Which trajectories (default: all).
    max_steps : int, optional
        Use only the first ``max_steps`` transitions of each trajectory.
    mover : str
        ``"monge_ampere"`` or ``"identity"``.
    alpha, smoothing, mover_iterations
        Settings of :func:`~geonop.movers.mmpde.moving.move_grid`.
    cache : bool
        Keep the moved nodes in ``<path stem>.moved-<key>.npz`` next to the data.
    progress : bool
        Progress bar while moving meshes.
    """

    normalized_fields: ClassVar[tuple[str, ...]] = ("x", "dy")

    def __init__(self, path: str | None = None, trajectories: list[int] | None = None,
                 max_steps: int | None = None, mover: str = "monge_ampere", alpha: float = 5.0,
                 smoothing: int = 1, mover_iterations: int = 60, cache: bool = True,
                 progress: bool = False) -> None:
        if mover not in MOVERS:
            raise InvalidArgumentError(f"BurgersTransitions: mover must be one of {MOVERS}, "
                                       f"got {mover!r}")
        self.path = default_data_path() if path is None else Path(path)
        data = load_burgers_data(path, progress=progress)
        u = data["u"]
        self.setup = data["setup"]
        self.times = data["times"]
        traj = list(range(len(u))) if trajectories is None else [int(t) for t in trajectories]
        if not traj or min(traj) < 0 or max(traj) >= len(u):
            raise InvalidArgumentError(f"BurgersTransitions: trajectories must be indices in "
                                       f"[0, {len(u)}), got {trajectories}")
        steps = u.shape[1] - 1 if max_steps is None else int(max_steps)
        if not 1 <= steps <= u.shape[1] - 1:
            raise InvalidArgumentError(f"BurgersTransitions: max_steps must lie in "
                                       f"[1, {u.shape[1] - 1}], got {max_steps}")
        self.u = u[traj]
        self.trajectories = traj
        self.steps = steps
        self.n = u.shape[-1]
        self.mover = mover
        self.mover_args = {"mover": mover, "alpha": float(alpha), "smoothing": int(smoothing),
                           "max_iterations": int(mover_iterations)}
        self.pos = torch.tensor(grid_mesh(self.n)[0], dtype=torch.float32)
        self.moved = self._moved_nodes(cache, progress)

    def _moved_nodes(self, cache: bool, progress: bool) -> np.ndarray:
        """Moved nodes of every (trajectory, step): [len(trajectories), steps, N, 2]."""
        shape = (len(self.trajectories), self.steps, self.n * self.n, 2)
        if self.mover == "identity":
            return np.broadcast_to(self.pos.numpy(), shape)
        key = hashlib.sha1(json.dumps([self.mover_args, self.setup, _mover_fingerprint(
            self.mover_args)]).encode()).hexdigest()[:12]
        cache_path = self.path.with_name(f"{self.path.stem}.moved-{key}.npz")
        stored: dict[str, np.ndarray] = {}
        if cache and cache_path.is_file():
            try:
                with np.load(cache_path, allow_pickle=False) as f:
                    stored = {k: f[k] for k in f.files}
            except (OSError, ValueError, zipfile.BadZipFile, EOFError):
                stored = {}  # a damaged cache is recomputed and replaced
        from tqdm import tqdm

        out = np.empty(shape, np.float32)
        missing = []
        for a, t in enumerate(self.trajectories):
            for k in range(self.steps):
                name = f"t{t}_{k}"
                if name in stored and stored[name].shape == shape[2:]:
                    out[a, k] = stored[name]
                else:
                    missing.append((a, t, k))
        for a, t, k in tqdm(missing, desc="moving meshes", disable=not progress, unit="mesh"):
            out[a, k] = move_grid(self.u[a, k], **self.mover_args)
            stored[f"t{t}_{k}"] = out[a, k]
        if cache and missing:
            def write(tmp: Path) -> None:
                buf = io.BytesIO()
                np.savez(buf, **stored)
                tmp.write_bytes(buf.getvalue())
            atomic_write(cache_path, write)
        return out

    def __len__(self) -> int:
        return len(self.trajectories) * self.steps

    def get(self, index: int, seed: int | None = None) -> Data:
        a, k = divmod(index, self.steps)
        x = torch.from_numpy(self.u[a, k].reshape(-1, 1).copy())
        y = torch.from_numpy(self.u[a, k + 1].reshape(-1, 1).copy())
        return Data(x=x, y=y, dy=y - x, pos=self.pos.clone(),
                    moved=torch.from_numpy(np.array(self.moved[a, k], dtype=np.float32)),
                    num_nodes=x.shape[0])

    def spec(self) -> dict[str, Any]:
        return {"targets": [["u", 1]], "grid": self.n, "setup": self.setup,
                "mover": self.mover_args}

    def trajectory(self, i: int) -> np.ndarray:
        """Frames of the ``i``-th selected trajectory: [frames, n, n]."""
        return self.u[i]


def _mover_fingerprint(mover_args: dict[str, Any]) -> str:
    """A digest of what the mover does to a small fixed field, so that a cache of moved nodes
    is not reused after the mover's algorithm changes (a few milliseconds)."""
    s = np.arange(8) / 8
    u = np.tanh((s[None, :] + 0.5 * s[:, None] - 0.6) / 0.08)
    moved = move_grid(u, **mover_args)
    return hashlib.sha1(np.round(moved, 6).astype(np.float32).tobytes()).hexdigest()[:12]


__all__ = ["DEFAULT_SETUP", "DEFAULT_TEST_TRAJECTORIES", "BurgersTransitions", "default_data_path",
           "generate_burgers_data", "load_burgers_data", "save_burgers_data", "split_trajectories"]
