"""Generate a dataset of RANS airfoil cases: plan, mesh, solve, extract, store.

The plan (:func:`plan_cases`) follows the AirfRANS ranges: NACA 4-digit shapes with
continuous digits (camber M 0-7 %, its position P 1-7 tenths, thickness 5-20 %; a fifth
of them symmetric) and, for a fraction of the shapes, NACA 5-digit shapes (design-lift digit
L 1-4, position P 2-5, standard or reflex mean line, thickness 5-20 %); Reynolds number
uniform in 2-6 million (chord 1 m, nu 1.56e-5, so U 31-94 m/s); angle of attack -5..15
degrees. Each shape is flown at ``cases_per_shape`` angles, stratified over the range (one
per equal sub-interval), at its own random Reynolds numbers, so a shape's mesh is stored once
and C_L can be checked against the angle at a fixed shape. Shape ``i`` draws from the seed
sequence ``(seed, i)``: a larger plan extends a smaller one without changing it.

The output folder (see :mod:`geonop.data.airfoil.dataset` for reading it)::

    meshes/<shape>.npz     cell centres, wall faces (centres, normals, lengths, cells), outline
    cases/<case>.npz       U, p, nut per cell; p and wall shear per wall face; JSON metadata
    manifest.json          every stored case's globals and convergence record
    split.json             train/test case and shape lists (whole shapes are held out)
    failures.jsonl         one JSON line per failed attempt

Each file is written to a temporary name and renamed, so an interrupted run never leaves a
half-written case; a rerun skips every case whose file exists (``resume``) and retries the
failed ones. Shapes run in a process pool, their cases one after the other, with a
progress bar over cases.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import numpy as np

from geonop.data.airfoil.extract import CaseFields, extract_case, integrate_coefficients
from geonop.data.airfoil.mesher import MeshOptions, write_airfoil_mesh
from geonop.data.airfoil.naca import Airfoil, naca4, naca5
from geonop.data.airfoil.openfoam_case import (
    NU_AIR,
    FlowConditions,
    SolverError,
    SolverSettings,
    build_polymesh,
    find_foam_bashrc,
    solve,
    write_case,
)
from geonop.errors import GeonopError, InvalidArgumentError, WriteError

PathLike = Union[str, "os.PathLike[str]"]

#: format version of the stored files
FORMAT_VERSION = 1
#: mesh and solver settings of the shipped dataset (frozen dataclasses: safe as defaults)
DEFAULT_MESH = MeshOptions()
DEFAULT_SETTINGS = SolverSettings()
TURBULENCE_MODEL = "SpalartAllmaras"


@dataclass(frozen=True)
class ShapeSpec:
    """One airfoil shape of the plan.

    Attributes
    ----------
    shape_id : str
        ``"s0000"``, ``"s0001"``, ...
    family : str
        ``"naca4"`` (params ``m, p, t``) or ``"naca5"`` (params ``l, p, reflex, t``).
    params : tuple of float
        The (possibly fractional) NACA digits.
    """

    shape_id: str
    family: str
    params: tuple[float, ...]

    def airfoil(self, n: int = 201) -> Airfoil:
        if self.family == "naca4":
            return naca4(*self.params, n=n)
        if self.family == "naca5":
            l, p, reflex, t = self.params
            return naca5(l, int(p), bool(reflex), t, n=n)
        raise InvalidArgumentError(f"shape family: unknown {self.family!r}")


@dataclass(frozen=True)
class CaseSpec:
    """One flow case: a shape at a free stream."""

    case_id: str
    shape: ShapeSpec
    u_inf: float
    aoa_deg: float
    nu: float = NU_AIR

    @property
    def conditions(self) -> FlowConditions:
        return FlowConditions(self.u_inf, self.aoa_deg, self.nu)


def _sample_shape(rng: np.random.Generator, shape_id: str, five_digit_fraction: float) -> ShapeSpec:
    t = round(float(rng.uniform(5.0, 20.0)), 2)
    if rng.random() < five_digit_fraction:
        reflex = bool(rng.random() < 0.5)
        p = int(rng.integers(2, 6))
        l = round(float(rng.uniform(1.0, 4.0)), 2)
        return ShapeSpec(shape_id, "naca5", (l, float(p), float(reflex), t))
    if rng.random() < 0.2:
        return ShapeSpec(shape_id, "naca4", (0.0, 0.0, t))
    m = round(float(rng.uniform(0.5, 7.0)), 2)
    p = round(float(rng.uniform(1.0, 7.0)), 2)
    return ShapeSpec(shape_id, "naca4", (m, p, t))


def plan_cases(
    n_cases: int,
    seed: int = 0,
    cases_per_shape: int = 4,
    reynolds: tuple[float, float] = (2e6, 6e6),
    aoa_deg: tuple[float, float] = (-5.0, 15.0),
    five_digit_fraction: float = 0.2,
    nu: float = NU_AIR,
) -> list[CaseSpec]:
    """The first ``n_cases`` cases of the plan drawn from ``seed``.

    Parameters
    ----------
    n_cases : int
        Number of cases (the last shape may get fewer than ``cases_per_shape``).
    seed : int
        Base seed; shape ``i`` draws from ``SeedSequence([seed, i])``.
    cases_per_shape : int
        Flow conditions per shape; their angles are stratified over ``aoa_deg``.
    reynolds, aoa_deg : (float, float)
        Uniform ranges of the chord Reynolds number and the angle of attack.
    five_digit_fraction : float
        Probability that a shape is NACA 5-digit.
    nu : float
        Kinematic viscosity (m^2/s); the speed is ``Re * nu / 1 m``.
    """
    if n_cases < 1 or cases_per_shape < 1:
        raise InvalidArgumentError(
            f"n_cases ({n_cases}) and cases_per_shape ({cases_per_shape}) must be >= 1")
    if not (0 < reynolds[0] <= reynolds[1] and aoa_deg[0] <= aoa_deg[1]):
        raise InvalidArgumentError(f"ranges: bad reynolds {reynolds} or aoa_deg {aoa_deg}")
    cases: list[CaseSpec] = []
    i = 0
    while len(cases) < n_cases:
        rng = np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, i]))
        shape = _sample_shape(rng, f"s{i:04d}", five_digit_fraction)
        width = (aoa_deg[1] - aoa_deg[0]) / cases_per_shape
        for k in range(cases_per_shape):
            aoa = round(float(aoa_deg[0] + width * (k + rng.random())), 3)
            re_ = float(rng.uniform(*reynolds))
            u = round(re_ * nu, 4)
            cases.append(CaseSpec(f"{shape.shape_id}_{k}", shape, u, aoa, nu))
        i += 1
    return cases[:n_cases]


# ----------------------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------------------


def _atomic_savez(path: Path, **arrays: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteError(path, f"could not write ({exc})") from exc


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteError(path, f"could not write ({exc})") from exc


def _meta_array(meta: dict[str, Any]) -> np.ndarray:
    return np.array(json.dumps(meta, sort_keys=True))


def case_path(out: PathLike, case_id: str) -> Path:
    return Path(out) / "cases" / f"{case_id}.npz"


def mesh_path(out: PathLike, shape_id: str) -> Path:
    return Path(out) / "meshes" / f"{shape_id}.npz"


def _write_mesh(out: Path, shape: ShapeSpec, airfoil: Airfoil, f: CaseFields,
                options: MeshOptions, info: dict[str, Any]) -> None:
    meta = {"format_version": FORMAT_VERSION, "shape_id": shape.shape_id, "name": airfoil.name,
            "family": shape.family, "params": list(shape.params), "span": f.span,
            "n_cells": len(f.volume_pos), "n_wall_faces": len(f.surface_pos),
            "mesh_options": options.to_dict(), **info}
    _atomic_savez(
        mesh_path(out, shape.shape_id),
        volume_pos=f.volume_pos.astype(np.float32),
        surface_pos=f.surface_pos.astype(np.float32),
        surface_normal=f.surface_normal.astype(np.float32),
        surface_length=f.surface_length.astype(np.float32),
        surface_cell=f.surface_cell.astype(np.int32),
        outline=airfoil.closed_curve().astype(np.float32),
        meta=_meta_array(meta),
    )


def _mesh_matches(path: Path, f: CaseFields) -> bool:
    try:
        with np.load(path) as z:
            vp, sp = z["volume_pos"], z["surface_pos"]
    except (OSError, KeyError, ValueError):
        return False
    return (vp.shape == f.volume_pos.shape and sp.shape == f.surface_pos.shape
            and np.allclose(vp, f.volume_pos, atol=1e-7, rtol=1e-6)
            and np.allclose(sp, f.surface_pos, atol=1e-7, rtol=1e-6))


def _store_case(out: Path, spec: CaseSpec, f: CaseFields, result: Any, extra: dict[str, Any],
                volume_dtype: str) -> dict[str, Any]:
    surf = {
        "surface_p": f.surface_p.astype(np.float32),
        "surface_tau": f.surface_tau.astype(np.float32),
    }
    # the check is made on what is stored (float32), not on the solver's float64
    with np.load(mesh_path(out, spec.shape.shape_id)) as m:
        reint = integrate_coefficients(m["surface_pos"], m["surface_normal"], m["surface_length"],
                                       surf["surface_p"], surf["surface_tau"], spec.u_inf,
                                       spec.aoa_deg)
    meta = {
        "format_version": FORMAT_VERSION, "case_id": spec.case_id, "shape_id": spec.shape.shape_id,
        "name": spec.shape.airfoil(n=3).name, "family": spec.shape.family,
        "params": list(spec.shape.params), "u_inf": spec.u_inf, "aoa_deg": spec.aoa_deg,
        "nu": spec.nu, "reynolds": spec.u_inf / spec.nu, "turbulence_model": TURBULENCE_MODEL,
        "cl": result.cl, "cd": result.cd, "cm": result.cm,
        "cl_reintegrated": reint["cl"], "cd_reintegrated": reint["cd"], "cm_reintegrated": reint["cm"],
        "cd_pressure": reint["cd_pressure"], "converged": result.converged,
        "iterations": result.iterations, "solve_seconds": round(result.seconds, 2),
        "cl_spread": result.cl_spread, "cd_spread": result.cd_spread,
        "cl_mean": result.cl_mean, "cd_mean": result.cd_mean,
        "cl_cycle": result.cl_cycle, "cd_cycle": result.cd_cycle,
        "residuals": result.residuals, "y_plus": list(result.y_plus),
        "n_cells": len(f.volume_pos), "n_wall_faces": len(f.surface_pos),
        "volume_dtype": volume_dtype, **extra,
    }
    dt = np.dtype(volume_dtype)
    _atomic_savez(
        case_path(out, spec.case_id),
        volume_u=f.volume_u.astype(dt), volume_p=f.volume_p.astype(dt),
        volume_nut=f.volume_nut.astype(np.float32), meta=_meta_array(meta), **surf,
    )
    return meta


# ----------------------------------------------------------------------------------------
# Running one shape (in a worker process)
# ----------------------------------------------------------------------------------------


def run_shape(
    shape: ShapeSpec,
    cases: list[CaseSpec],
    out: PathLike,
    mesh_options: MeshOptions = DEFAULT_MESH,
    settings: SolverSettings = DEFAULT_SETTINGS,
    volume_dtype: str = "float32",
    work_dir: PathLike | None = None,
    keep_work: bool = False,
    report: Callable[[dict[str, Any]], None] | None = None,
    planned: list[CaseSpec] | None = None,
) -> list[dict[str, Any]]:
    """Mesh ``shape`` once and solve ``cases`` on it, storing each converged case.

    Returns one record per case: ``{"case_id", "status": "ok" | "failed", ...}``; a case
    that fails (solver error, not converged) is recorded, not raised. ``report`` is called
    with each record as soon as it exists.

    If the shape's mesh file exists but differs from the new mesh (Gmsh is not bit-for-bit
    repeatable across processes), the shape's stored cases are deleted and those among
    ``planned`` (all planned cases of the shape) are solved again on the new mesh, so every
    case of a shape always matches its mesh file.
    """
    out = Path(out)
    records: list[dict[str, Any]] = []

    def emit(rec: dict[str, Any]) -> None:
        records.append(rec)
        if report is not None:
            report(rec)

    root = Path(tempfile.mkdtemp(prefix=f"geonop_{shape.shape_id}_", dir=work_dir))
    t0 = time.monotonic()
    try:
        airfoil = shape.airfoil()
        try:
            counts = write_airfoil_mesh(airfoil, root / "mesh.msh", mesh_options)
            info = build_polymesh(root / "mesh.msh", root / "mesh")
        except GeonopError as exc:
            for spec in cases:
                emit({"case_id": spec.case_id, "status": "failed", "stage": "mesh",
                      "error": str(exc)[-3000:]})
            return records
        (root / "mesh.msh").unlink()
        mesh_seconds = time.monotonic() - t0
        mesh_checked = False
        work = list(cases)
        for spec in work:
            t1 = time.monotonic()
            case = root / spec.case_id
            try:
                shutil.copytree(root / "mesh/constant/polyMesh", case / "constant/polyMesh")
                write_case(case, spec.conditions, mesh_options.span, settings)
                result = solve(case, settings)
                if not result.converged:
                    raise SolverError(
                        f"{case}: not converged after {result.iterations} iterations (C_L spread "
                        f"{result.cl_spread:.2e}, C_D spread {result.cd_spread:.2e}, residuals "
                        f"{result.residuals})")
                fields = extract_case(case)
                if not mesh_checked:
                    mp = mesh_path(out, shape.shape_id)
                    if mp.exists() and not _mesh_matches(mp, fields):
                        # a rerun re-meshed differently: cases solved on the old mesh must go
                        todo_ids = {c.case_id for c in work}
                        for stale in sorted((out / "cases").glob(f"{shape.shape_id}_*.npz")):
                            stale.unlink()
                            redo = [c for c in planned or [] if c.case_id == stale.stem]
                            work += [c for c in redo if c.case_id not in todo_ids]
                    if not mp.exists() or not _mesh_matches(mp, fields):
                        _write_mesh(out, shape, airfoil, fields, mesh_options,
                                    {"n_quads_2d": counts["quads"],
                                     "n_triangles_2d": counts["triangles"],
                                     "checkMesh": info["checkMesh"]})
                    mesh_checked = True
                meta = _store_case(out, spec, fields, result,
                                   {"mesh_seconds": round(mesh_seconds, 2),
                                    "case_seconds": round(time.monotonic() - t1, 2)},
                                   volume_dtype)
                emit({"case_id": spec.case_id, "status": "ok", **meta})
            except (GeonopError, OSError) as exc:
                emit({"case_id": spec.case_id, "status": "failed", "stage": "solve",
                      "error": str(exc)[-3000:], "case_seconds": round(time.monotonic() - t1, 2)})
            finally:
                if not keep_work:
                    shutil.rmtree(case, ignore_errors=True)
    finally:
        if not keep_work:
            shutil.rmtree(root, ignore_errors=True)
    return records


_QUEUE: Any = None


def _init_worker(q: Any) -> None:
    global _QUEUE
    _QUEUE = q


def _run_shape_task(shape: ShapeSpec, cases: list[CaseSpec], out: str, kwargs: dict[str, Any],
                    planned: list[CaseSpec]) -> list[dict[str, Any]]:
    try:
        return run_shape(shape, cases, out, report=_QUEUE.put if _QUEUE is not None else None,
                         planned=planned, **kwargs)
    except Exception:  # noqa: BLE001 - a worker must report, not take the pool down
        err = traceback.format_exc()[-3000:]
        recs = [{"case_id": c.case_id, "status": "failed", "stage": "worker", "error": err}
                for c in cases]
        if _QUEUE is not None:
            for r in recs:
                _QUEUE.put(r)
        return recs


# ----------------------------------------------------------------------------------------
# Index files
# ----------------------------------------------------------------------------------------


def _split_shapes(shape_ids: list[str], seed: int, test_every: int = 5) -> set[str]:
    """Hold out one shape in each block of ``test_every`` consecutive shape indices.

    The choice in block ``b`` depends only on ``(seed, b)``, so growing a dataset keeps the
    earlier split.
    """
    test = set()
    by_index = {int(s[1:]): s for s in shape_ids}
    for b in sorted({i // test_every for i in by_index}):
        rng = np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, 10_007, b]))
        pick = b * test_every + int(rng.integers(test_every))
        if pick in by_index:
            test.add(by_index[pick])
    return test


def write_index(out: PathLike, seed: int = 0, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """(Re)write ``manifest.json`` and ``split.json`` from the stored case files."""
    out = Path(out)
    cases = []
    for p in sorted((out / "cases").glob("*.npz")):
        with np.load(p) as z:
            cases.append(json.loads(str(z["meta"])))
    shapes = {}
    for p in sorted((out / "meshes").glob("*.npz")):
        with np.load(p) as z:
            meta = json.loads(str(z["meta"]))
        shapes[meta["shape_id"]] = meta
    used = sorted({c["shape_id"] for c in cases})
    test_shapes = _split_shapes(used, seed)
    split = {
        "seed": seed, "rule": "whole shapes held out: one random shape in each block of 5 "
                              "consecutive shape indices",
        "train": [c["case_id"] for c in cases if c["shape_id"] not in test_shapes],
        "test": [c["case_id"] for c in cases if c["shape_id"] in test_shapes],
        "train_shapes": [s for s in used if s not in test_shapes],
        "test_shapes": sorted(test_shapes),
    }
    manifest = {
        "format_version": FORMAT_VERSION, "n_cases": len(cases), "n_shapes": len(used),
        "turbulence_model": TURBULENCE_MODEL, "solver": "OpenFOAM simpleFoam (SIMPLEC)",
        "generator": settings or {}, "shapes": {s: shapes[s] for s in used if s in shapes},
        "cases": cases,
    }
    _atomic_text(out / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    _atomic_text(out / "split.json", json.dumps(split, indent=1) + "\n")
    return manifest


# ----------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------


def generate_dataset(
    out: PathLike,
    n_cases: int,
    workers: int = 1,
    seed: int = 0,
    resume: bool = True,
    cases_per_shape: int = 4,
    mesh_options: MeshOptions = DEFAULT_MESH,
    settings: SolverSettings = DEFAULT_SETTINGS,
    volume_dtype: str = "float32",
    work_dir: PathLike | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Generate (or complete) a dataset of ``n_cases`` planned cases in ``out``.

    Parameters
    ----------
    out : path
        Output folder (created).
    n_cases : int
        Number of planned cases (:func:`plan_cases`); failed ones are skipped.
    workers : int
        Processes; each runs one shape (mesh + its cases) at a time, OpenFOAM serially.
    seed : int
        Plan and split seed.
    resume : bool
        Skip cases whose file exists (default). With False, every planned case is redone.
    cases_per_shape : int
        Angles of attack per shape.
    mesh_options, settings : MeshOptions, SolverSettings
        Mesh and convergence parameters.
    volume_dtype : str
        ``"float32"`` or ``"float16"`` for the volume ``U`` and ``p`` (``nut`` and
        the surface are always float32).
    work_dir : path, optional
        Where the temporary OpenFOAM cases go (default: the system temp folder).
    progress : bool
        Show a tqdm progress bar over cases.

    Returns
    -------
    dict
        ``{"planned", "skipped", "ok", "failed", "seconds", "records"}``.
    """
    find_foam_bashrc()  # fail fast, before any process starts
    from geonop.optional import require

    require("gmsh", "meshing an airfoil")
    if workers < 1:
        raise InvalidArgumentError(f"workers: need at least 1, got {workers}")
    if volume_dtype not in ("float32", "float16"):
        raise InvalidArgumentError(f"volume_dtype: {volume_dtype!r} (float32 or float16)")
    out = Path(out)
    (out / "cases").mkdir(parents=True, exist_ok=True)
    (out / "meshes").mkdir(parents=True, exist_ok=True)
    for stale in list((out / "cases").glob(".*.tmp")) + list((out / "meshes").glob(".*.tmp")):
        stale.unlink()  # left by an interrupted run
    plan = plan_cases(n_cases, seed, cases_per_shape)
    todo = [c for c in plan if not (resume and case_path(out, c.case_id).exists())]
    by_shape: dict[str, list[CaseSpec]] = {}
    for c in todo:
        by_shape.setdefault(c.shape.shape_id, []).append(c)
    gen_settings = {"seed": seed, "cases_per_shape": cases_per_shape, "n_cases_planned": n_cases,
                    "mesh_options": mesh_options.to_dict(),
                    "solver_settings": settings.__dict__.copy(), "volume_dtype": volume_dtype}
    kwargs = {"mesh_options": mesh_options, "settings": settings, "volume_dtype": volume_dtype,
              "work_dir": None if work_dir is None else str(work_dir)}
    t0 = time.monotonic()
    records: list[dict[str, Any]] = []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="airfoil cases", unit="case", dynamic_ncols=True)
    log = out / "failures.jsonl"

    def handle(rec: dict[str, Any]) -> None:
        records.append(rec)
        if rec["status"] != "ok":
            with open(log, "a") as f:
                f.write(json.dumps({"time": time.strftime("%Y-%m-%d %H:%M:%S"), **rec}) + "\n")
        if bar is not None:
            bar.update(1)
            ok = sum(r["status"] == "ok" for r in records)
            bar.set_postfix(ok=ok, failed=len(records) - ok)

    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # gmsh and OpenFOAM children: no forked state
    with ctx.Manager() as manager:
        q = manager.Queue()
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(q,)) as pool:
            planned = {}
            for c in plan:
                planned.setdefault(c.shape.shape_id, []).append(c)
            futures: list[Future] = [
                pool.submit(_run_shape_task, cases[0].shape, cases, str(out), kwargs,
                            planned[cases[0].shape.shape_id])
                for cases in by_shape.values()]
            seen: set[str] = set()
            done_shapes: set[int] = set()
            while True:
                try:
                    rec = q.get(timeout=1.0)
                except queue.Empty:
                    rec = None
                if rec is not None and rec["case_id"] not in seen:
                    seen.add(rec["case_id"])
                    handle(rec)
                for i, fut in enumerate(futures):
                    if i in done_shapes or not fut.done():
                        continue
                    done_shapes.add(i)
                    write_index(out, seed, gen_settings)
                    exc = fut.exception()
                    if exc is not None:  # the worker died: its remaining cases failed
                        for c in list(by_shape.values())[i]:
                            if c.case_id not in seen:
                                seen.add(c.case_id)
                                handle({"case_id": c.case_id, "status": "failed",
                                        "stage": "pool", "error": repr(exc)})
                if len(done_shapes) == len(futures):
                    while True:  # drain what is left
                        try:
                            rec = q.get_nowait()
                        except queue.Empty:
                            break
                        if rec["case_id"] not in seen:
                            seen.add(rec["case_id"])
                            handle(rec)
                    break
    if bar is not None:
        bar.close()
    write_index(out, seed, gen_settings)
    ok = sum(r["status"] == "ok" for r in records)
    return {"planned": len(plan), "skipped": len(plan) - len(todo), "ok": ok,
            "failed": len(records) - ok, "seconds": time.monotonic() - t0, "records": records}


def summarize(out: PathLike) -> dict[str, Any]:
    """Statistics of a generated dataset (from ``manifest.json``)."""
    man = json.loads((Path(out) / "manifest.json").read_text())
    cases = man["cases"]
    if not cases:
        return {"n_cases": 0}
    arr = {k: np.array([c[k] for c in cases], dtype=float)
           for k in ("iterations", "solve_seconds", "case_seconds", "cl", "cd")}
    rel_cl = np.array([abs(c["cl_reintegrated"] - c["cl"]) / max(abs(c["cl"]), 1e-3) for c in cases])
    rel_cd = np.array([abs(c["cd_reintegrated"] - c["cd"]) / abs(c["cd"]) for c in cases])
    yp = np.array([c["y_plus"] for c in cases], dtype=float)
    size = sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())
    return {
        "n_cases": len(cases), "n_shapes": man["n_shapes"],
        "iterations": [float(arr["iterations"].min()), float(np.median(arr["iterations"])),
                       float(arr["iterations"].max())],
        "case_seconds_mean": float(arr["case_seconds"].mean()),
        "solve_seconds_mean": float(arr["solve_seconds"].mean()),
        "cl_range": [float(arr["cl"].min()), float(arr["cl"].max())],
        "cd_range": [float(arr["cd"].min()), float(arr["cd"].max())],
        "max_rel_err_cl_reintegrated": float(rel_cl.max()),
        "max_rel_err_cd_reintegrated": float(rel_cd.max()),
        "y_plus_mean_range": [float(np.nanmin(yp[:, 1])), float(np.nanmax(yp[:, 1]))],
        "y_plus_max": float(np.nanmax(yp[:, 2])),
        "bytes": size,
    }
