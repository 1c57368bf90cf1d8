"""One steady RANS airfoil case in OpenFOAM: write it, run it, decide when it has converged.

The solver set-up (OpenFOAM v1912, ``simpleFoam``):

- incompressible steady RANS, Spalart-Allmaras (``nuTilda = 4 nu`` in the free stream, the
  3-5 nu Spalart and Rumsey recommend), Spalding's law as the wall condition of ``nut`` (it
  is exact down to y+ < 1, where it gives ``nut ~ 0``, so the same set-up works on
  wall-resolved and coarser meshes);
- SIMPLEC (``consistent yes``): plain SIMPLE diverged on such meshes;
- second-order upwind convection (``linearUpwind``), a limited gradient for ``nuTilda``
  only (unlimited, its residual stalls near 1e-5);
- ``freestreamVelocity`` / ``freestreamPressure`` on the whole outer circle, so any angle of
  attack uses the same mesh; kinematic pressure ``p = 0`` far away (density 1);
- a ``forceCoeffs`` function object on the ``airfoil`` patch (lift normal to the free
  stream, drag along it, moment about the quarter chord).

Convergence is decided here, not by OpenFOAM's residual control: the solver runs while
this module follows its log and force coefficients, and is stopped (signal
``stopAtWriteNow``, which writes the fields first) once C_L and C_D have been steady over
:attr:`SolverSettings.window` iterations (moving averages, to see through the
two-iteration limit cycles some cases settle into) and the initial residuals of U and p are
below :attr:`SolverSettings.residual_tol` (``nuTilda``: :attr:`SolverSettings.turbulence_residual_tol`).
The forces decide: high-angle cases can have small residuals yet drifting forces, and a
``nuTilda`` residual can stall near 1e-4 while the forces are steady to 1e-8. Massively
separated cases that keep oscillating are given up early (:attr:`SolverSettings.give_up_iter`).
OpenFOAM runs through ``bash -c 'source <etc/bashrc> && ...'``.
"""

from __future__ import annotations

import glob
import math
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np

from geonop.errors import GeonopError, InvalidArgumentError, MissingDependencyError

PathLike = Union[str, "os.PathLike[str]"]

#: kinematic viscosity of air (m^2/s), as in AirfRANS
NU_AIR = 1.56e-5
_STOP_SIGNAL = int(signal.SIGUSR1)


class OpenFOAMNotFoundError(MissingDependencyError):
    """OpenFOAM (its ``etc/bashrc``) is not installed where geonop looks for it."""

    def __init__(self, package: str = "openfoam", extra: str | None = None,
                 feature: str = "running the OpenFOAM solver") -> None:
        super().__init__(package, extra, feature)
        # ImportError prints .msg: replace the pip hint of the base class
        self.msg = (
            f"{feature} needs OpenFOAM (v1912 or newer from openfoam.com), which was not found: "
            "looked for etc/bashrc in $FOAM_BASHRC, /usr/share/openfoam, /usr/lib/openfoam/*, "
            "/opt/openfoam*. Install it (Debian/Ubuntu: apt-get install openfoam) or set "
            "FOAM_BASHRC to its etc/bashrc.")
        self.args = (self.msg,)


class SolverError(GeonopError, RuntimeError):
    """An OpenFOAM run failed (a utility exited with an error, the solution diverged or
    did not converge in the allowed iterations). The message names the case folder."""


@dataclass(frozen=True)
class FlowConditions:
    """Free stream of one case (chord 1 m, density 1: pressures are kinematic, m^2/s^2).

    Attributes
    ----------
    u_inf : float
        Free-stream speed (m/s).
    aoa_deg : float
        Angle of attack (degrees; the free stream is rotated, the airfoil is fixed).
    nu : float
        Kinematic viscosity (m^2/s).
    """

    u_inf: float
    aoa_deg: float
    nu: float = NU_AIR

    def __post_init__(self) -> None:
        if not (self.u_inf > 0 and self.nu > 0 and math.isfinite(self.aoa_deg)):
            raise InvalidArgumentError(
                f"flow conditions: need u_inf > 0, nu > 0 and a finite angle, got {self}")
        if abs(self.aoa_deg) >= 45:
            raise InvalidArgumentError(f"aoa_deg: {self.aoa_deg} is outside (-45, 45) degrees")

    @property
    def reynolds(self) -> float:
        """Chord Reynolds number ``u_inf * 1 m / nu``."""
        return self.u_inf / self.nu

    @property
    def velocity(self) -> tuple[float, float]:
        """Free-stream velocity ``(u_inf cos a, u_inf sin a)``."""
        a = math.radians(self.aoa_deg)
        return self.u_inf * math.cos(a), self.u_inf * math.sin(a)


@dataclass(frozen=True)
class SolverSettings:
    """Iteration limits and the convergence test.

    Attributes
    ----------
    max_iter : int
        Hard cap on SIMPLE iterations.
    min_iter : int
        Never stop before this many iterations.
    window : int
        C_L and C_D must stay within the tolerances over this many last iterations.
    smooth : int
        C_L and C_D are averaged over this many iterations before their spread is taken:
        some cases settle into a two-iteration limit cycle (C_D alternating by ~0.2 %)
        whose mean is steady.
    cl_tol, cd_tol : float
        Allowed spread (max - min over the window) of the averaged C_L and C_D, relative to
        ``max(|C_L|, 0.1)`` and ``C_D``.
    cycle_tol : float
        Allowed raw (not averaged) spread, relative as above: the limit-cycle amplitude.
    residual_tol : float
        Largest allowed initial residual of U (each component) and p at the last iteration.
    turbulence_residual_tol : float
        The same for ``nuTilda``, whose residual can stall near 1e-4 (a few cells at the
        trailing edge or in a separated region) while the forces are steady to 1e-8.
    give_up_iter, give_up_window, give_up_tol : int, int, float
        From iteration ``give_up_iter`` on, a case whose raw C_L varies by more than
        ``give_up_tol`` (relative, as above) over the last ``give_up_window`` iterations is
        stopped as unsteady (massively separated flows past stall oscillate for ever in a
        steady solver; this saves half of ``max_iter``).
    timeout_s : float
        Wall-clock cap of one solve.
    """

    max_iter: int = 3000
    min_iter: int = 300
    window: int = 150
    smooth: int = 10
    cl_tol: float = 5e-4
    cd_tol: float = 5e-4
    cycle_tol: float = 1e-2
    residual_tol: float = 1e-4
    turbulence_residual_tol: float = 1e-3
    give_up_iter: int = 1500
    give_up_window: int = 500
    give_up_tol: float = 0.02
    timeout_s: float = 1800.0

    def __post_init__(self) -> None:
        if not (0 < self.window <= self.min_iter <= self.max_iter and 0 < self.smooth <= self.window):
            raise InvalidArgumentError(
                f"solver settings: need 0 < smooth <= window <= min_iter <= max_iter, got {self}")
        if min(self.cl_tol, self.cd_tol, self.cycle_tol, self.residual_tol,
               self.turbulence_residual_tol, self.timeout_s) <= 0:
            raise InvalidArgumentError("solver settings: tolerances and timeout must be positive")


@dataclass
class SolveResult:
    """What a run produced and how it converged.

    ``cl``, ``cd``, ``cm`` are OpenFOAM's ``forceCoeffs`` at the last iteration (those of
    the written fields); ``cl_mean`` / ``cd_mean`` their averages over the last window;
    ``cl_spread`` / ``cd_spread`` the max - min of their moving averages over that window,
    ``cl_cycle`` / ``cd_cycle`` the raw max - min (limit-cycle amplitude); ``residuals`` the
    last initial residuals; ``y_plus`` the (min, mean, max) y+ of the wall cells.
    """

    case: str
    converged: bool
    iterations: int
    seconds: float
    cl: float
    cd: float
    cm: float
    cl_spread: float
    cd_spread: float
    cl_mean: float = math.nan
    cd_mean: float = math.nan
    cl_cycle: float = math.nan
    cd_cycle: float = math.nan
    residuals: dict[str, float] = field(default_factory=dict)
    y_plus: tuple[float, float, float] = (math.nan, math.nan, math.nan)
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["y_plus"] = list(self.y_plus)
        return d


# ----------------------------------------------------------------------------------------
# Running OpenFOAM
# ----------------------------------------------------------------------------------------


def find_foam_bashrc() -> str:
    """Path of OpenFOAM's ``etc/bashrc``; raises :class:`OpenFOAMNotFoundError` if absent."""
    cands = [os.environ.get("FOAM_BASHRC", ""), "/usr/share/openfoam/etc/bashrc",
             "/usr/lib/openfoam/openfoam/etc/bashrc"]
    cands += sorted(glob.glob("/usr/lib/openfoam/*/etc/bashrc"))
    cands += sorted(glob.glob("/opt/openfoam*/etc/bashrc"))
    for c in cands:
        if c and os.path.isfile(c):
            return c
    raise OpenFOAMNotFoundError()


def openfoam_available() -> bool:
    """Whether :func:`find_foam_bashrc` finds OpenFOAM."""
    try:
        find_foam_bashrc()
    except OpenFOAMNotFoundError:
        return False
    return True


def _script(bashrc: str, case: Path, cmd: str) -> list[str]:
    # OpenFOAM's bashrc returns non-zero on harmless probes: ignore its status, not the command's
    return ["bash", "-c", f"source '{bashrc}' >/dev/null 2>&1; cd '{case}' && exec {cmd}"]


def run_foam(case: PathLike, cmd: str, log: PathLike, timeout: float = 600.0) -> str:
    """Run one OpenFOAM utility in ``case``; return its output (also written to ``log``).

    Raises
    ------
    SolverError
        Non-zero exit, ``FOAM FATAL`` in the output, or ``timeout`` seconds exceeded.
    """
    case = Path(case)
    try:
        res = subprocess.run(_script(find_foam_bashrc(), case, cmd), capture_output=True, check=False,
                             text=True, timeout=timeout, env={**os.environ, "LC_ALL": "C"})
    except subprocess.TimeoutExpired as exc:
        raise SolverError(f"{case}: '{cmd}' did not finish in {timeout:.0f} s") from exc
    out = res.stdout + res.stderr
    Path(log).write_text(out)
    if res.returncode != 0 or "FOAM FATAL" in out:
        tail = "\n".join(out.splitlines()[-25:])
        raise SolverError(f"{case}: '{cmd}' failed (exit {res.returncode}):\n{tail}")
    return out


# ----------------------------------------------------------------------------------------
# Case files
# ----------------------------------------------------------------------------------------

_HEADER = """\
/*--------------------------------*- C++ -*----------------------------------*\\
  Written by geonop.data.airfoil for OpenFOAM v1912
\\*---------------------------------------------------------------------------*/
FoamFile
{{
    version     2.0;
    format      ascii;
    class       {cls};
    location    "{loc}";
    object      {obj};
}}
// * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * //

"""

_PATCHES = {"airfoil": ("wall", "wall"), "farfield": ("patch", None),
            "frontAndBack": ("empty", "empty")}


def _write(case: Path, rel: str, cls: str, body: str) -> None:
    path = case / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    loc, obj = os.path.split(rel)
    path.write_text(_HEADER.format(cls=cls, loc=loc, obj=obj) + body.strip() + "\n")


def _field(dims: str, internal: str, far: str, wall: str) -> str:
    return f"""
dimensions      {dims};

internalField   {internal};

boundaryField
{{
    farfield
    {{
{far}
    }}
    airfoil
    {{
{wall}
    }}
    frontAndBack
    {{
        type            empty;
    }}
}}
"""


def _retype_patches(boundary: Path) -> None:
    """Give the patches the types ``gmshToFoam`` cannot know (wall, patch, empty)."""
    text = boundary.read_text()
    header, _, rest = text.partition("// * * ")
    kept = []
    for name, body in re.findall(r"(\w+)\s*\{([^}]*)\}", rest):
        n = int(re.search(r"nFaces\s+(\d+);", body).group(1))
        start = int(re.search(r"startFace\s+(\d+);", body).group(1))
        if name not in _PATCHES:
            if n:
                raise SolverError(f"{boundary}: unexpected non-empty patch {name!r}")
            continue  # gmshToFoam's empty defaultFaces
        kept.append((name, n, start))
    if {k[0] for k in kept} != set(_PATCHES):
        raise SolverError(f"{boundary}: patches {[k[0] for k in kept]}, expected {list(_PATCHES)}")
    out = [header, "// * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * //\n\n",
           f"{len(kept)}\n(\n"]
    for name, n, start in kept:
        typ, group = _PATCHES[name]
        out.append(f"    {name}\n    {{\n        type            {typ};\n")
        if group:
            out.append(f"        inGroups        List<word> 1({group});\n")
        out.append(f"        nFaces          {n};\n        startFace       {start};\n    }}\n")
    out.append(")\n\n// ************************************************************************* //\n")
    boundary.write_text("".join(out))


def build_polymesh(msh: PathLike, case: PathLike, timeout: float = 600.0) -> dict[str, Any]:
    """Convert a Gmsh mesh (:func:`~geonop.data.airfoil.mesher.write_airfoil_mesh`) into
    ``case/constant/polyMesh`` and check it.

    Returns
    -------
    dict
        ``{"cells": int, "checkMesh": "OK" | "OK except: <high aspect ratio warning>"}``.

    Raises
    ------
    SolverError
        ``gmshToFoam`` failed or ``checkMesh`` failed a check other than the aspect ratio.
    """
    case = Path(case)
    (case / "system").mkdir(parents=True, exist_ok=True)
    write_case(case, FlowConditions(1.0, 0.0), span=1.0)  # utilities need system/ dicts
    run_foam(case, f"gmshToFoam '{Path(msh).resolve()}'", case / "log.gmshToFoam", timeout)
    _retype_patches(case / "constant/polyMesh/boundary")
    for sub in ("sets", "cellZones", "faceZones", "pointZones"):
        p = case / "constant/polyMesh" / sub
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    out = run_foam(case, "checkMesh -noFunctionObjects", case / "log.checkMesh", timeout)
    failed = [line.strip() for line in out.splitlines() if line.lstrip().startswith("***")]
    # y+ ~ 1 wall cells are ~1e-5 thick and ~1e-2 long: aspect ratios of a few thousand
    # are what a wall-resolved mesh is, not a defect
    serious = [f for f in failed if "aspect ratio" not in f]
    if serious or ("Mesh OK." not in out and not failed):
        raise SolverError(f"{case}: checkMesh failed:\n{out[-2000:]}")
    for sub in ("sets",):
        shutil.rmtree(case / "constant/polyMesh" / sub, ignore_errors=True)
    cells = re.search(r"cells:\s+(\d+)", out)
    return {"cells": int(cells.group(1)) if cells else -1,
            "checkMesh": "OK" if not failed else "OK except: " + "; ".join(failed)}


def write_case(case: PathLike, conditions: FlowConditions, span: float,
               settings: SolverSettings = SolverSettings()) -> None:
    """Write ``0/``, ``constant/`` (all but the mesh) and ``system/`` of one case.

    Parameters
    ----------
    case : path
        Case folder; ``constant/polyMesh`` is expected to be there already.
    conditions : FlowConditions
        Free stream.
    span : float
        Thickness of the one-cell mesh along z (m): the reference area is ``span * 1 m``.
    settings : SolverSettings
        Iteration cap (``endTime``).
    """
    case = Path(case)
    ux, uy = conditions.velocity
    nu = conditions.nu
    nu_tilda = 4.0 * nu
    chi3 = (nu_tilda / nu) ** 3
    nut = nu_tilda * chi3 / (chi3 + 7.1**3)
    u = f"uniform ({ux:.10g} {uy:.10g} 0)"
    _write(case, "0/U", "volVectorField", _field(
        "[0 1 -1 0 0 0 0]", u,
        f"        type            freestreamVelocity;\n        freestreamValue {u};",
        "        type            noSlip;"))
    _write(case, "0/p", "volScalarField", _field(
        "[0 2 -2 0 0 0 0]", "uniform 0",
        "        type            freestreamPressure;\n        freestreamValue uniform 0;",
        "        type            zeroGradient;"))
    _write(case, "0/nuTilda", "volScalarField", _field(
        "[0 2 -1 0 0 0 0]", f"uniform {nu_tilda:.6g}",
        f"        type            freestream;\n        freestreamValue uniform {nu_tilda:.6g};",
        "        type            fixedValue;\n        value           uniform 0;"))
    _write(case, "0/nut", "volScalarField", _field(
        "[0 2 -1 0 0 0 0]", f"uniform {nut:.6g}",
        f"        type            freestream;\n        freestreamValue uniform {nut:.6g};",
        "        type            nutUSpaldingWallFunction;\n        value           uniform 0;"))
    _write(case, "constant/transportProperties", "dictionary",
           f"transportModel  Newtonian;\n\nnu              {nu:.8g};")
    _write(case, "constant/turbulenceProperties", "dictionary", """
simulationType  RAS;

RAS
{
    RASModel        SpalartAllmaras;
    turbulence      on;
    printCoeffs     off;
}
""")
    _write_control(case, conditions, span, settings)
    _write(case, "system/fvSchemes", "dictionary", """
ddtSchemes
{
    default         steadyState;
}

gradSchemes
{
    default         Gauss linear;
    grad(nuTilda)   cellLimited Gauss linear 1;
}

divSchemes
{
    default         none;
    div(phi,U)      bounded Gauss linearUpwind grad(U);
    div(phi,nuTilda) bounded Gauss linearUpwind grad(nuTilda);
    div((nuEff*dev2(T(grad(U))))) Gauss linear;
}

laplacianSchemes
{
    default         Gauss linear limited corrected 0.5;
}

interpolationSchemes
{
    default         linear;
}

snGradSchemes
{
    default         limited corrected 0.5;
}

wallDist
{
    method          meshWave;
}
""")
    _write(case, "system/fvSolution", "dictionary", """
solvers
{
    p
    {
        solver          GAMG;
        smoother        GaussSeidel;
        tolerance       1e-08;
        relTol          0.05;
    }

    "(U|nuTilda)"
    {
        solver          smoothSolver;
        smoother        symGaussSeidel;
        tolerance       1e-09;
        relTol          0.1;
    }
}

SIMPLE
{
    consistent      yes;
    nNonOrthogonalCorrectors 0;
}

relaxationFactors
{
    equations
    {
        U               0.9;
        nuTilda         0.8;
    }
}
""")


def _write_control(case: Path, conditions: FlowConditions, span: float,
                   settings: SolverSettings) -> None:
    a = math.radians(conditions.aoa_deg)
    _write(case, "system/controlDict", "dictionary", f"""
application     simpleFoam;
startFrom       latestTime;
startTime       0;
stopAt          endTime;
endTime         {settings.max_iter};
deltaT          1;
writeControl    timeStep;
writeInterval   {settings.max_iter};
purgeWrite      0;
writeFormat     ascii;
writePrecision  9;
writeCompression off;
timeFormat      general;
timePrecision   6;
runTimeModifiable false;

OptimisationSwitches
{{
    // stopped by this module with this signal once C_L and C_D are steady
    stopAtWriteNowSignal {_STOP_SIGNAL};
}}

functions
{{
    forceCoeffs
    {{
        type            forceCoeffs;
        libs            ("libforces.so");
        writeControl    timeStep;
        writeInterval   1;
        log             false;
        patches         (airfoil);
        rho             rhoInf;
        rhoInf          1;
        CofR            (0.25 0 0);
        liftDir         ({-math.sin(a):.12g} {math.cos(a):.12g} 0);
        dragDir         ({math.cos(a):.12g} {math.sin(a):.12g} 0);
        pitchAxis       (0 0 1);
        magUInf         {conditions.u_inf:.12g};
        lRef            1;
        Aref            {span:.12g};
    }}
}}
""")


# ----------------------------------------------------------------------------------------
# Solving with a convergence monitor
# ----------------------------------------------------------------------------------------


def read_force_coefficients(case: PathLike) -> np.ndarray:
    """``forceCoeffs`` history of a case: float64 array [iterations, 4] of (iteration, Cd, Cl, Cm).

    Returns an empty [0, 4] array while nothing has been written yet.
    """
    files = sorted(Path(case).glob("postProcessing/forceCoeffs/*/coefficient*.dat"))
    files += sorted(Path(case).glob("postProcessing/forceCoeffs/*/forceCoeffs*.dat"))
    if not files:
        return np.zeros((0, 4))
    col: dict[str, int] = {}
    rows: list[list[float]] = []
    for f in files[:1]:
        for line in f.read_text().splitlines():
            if line.startswith("#"):
                h = line.lstrip("#").split()
                if h and h[0] == "Time":
                    col = {name: i for i, name in enumerate(h)}
                continue
            vals = line.split()
            if col and len(vals) == len(col):  # skip a half-written last line
                rows.append([float(v) for v in vals])
    if not rows:
        return np.zeros((0, 4))
    data = np.array(rows)
    cm = col.get("CmPitch", col.get("Cm", 0))
    return data[:, [col["Time"], col["Cd"], col["Cl"], cm]]


_RESIDUAL = re.compile(r"Solving for (\w+), Initial residual = ([0-9.eE+-]+)")


def _last_residuals(log_tail: str) -> dict[str, float]:
    """Initial residuals of the last complete iteration in a log excerpt."""
    blocks = log_tail.split("\nTime = ")
    for block in reversed(blocks[:-1] if len(blocks) > 2 else blocks):
        found = {k: float(v) for k, v in _RESIDUAL.findall(block)}
        if found:
            return found
    return {}


def _moving_average(v: np.ndarray, k: int) -> np.ndarray:
    c = np.cumsum(np.concatenate([[0.0], v]))
    return (c[k:] - c[:-k]) / k


def _spreads(coef: np.ndarray, window: int, smooth: int = 1) -> tuple[float, float]:
    """Max - min of C_L and C_D over the last ``window`` iterations (after a moving
    average of ``smooth`` iterations)."""
    tail = coef[-(window + smooth - 1):]
    cl, cd = tail[:, 2], tail[:, 1]
    if smooth > 1:
        cl, cd = _moving_average(cl, smooth), _moving_average(cd, smooth)
    return float(np.ptp(cl)), float(np.ptp(cd))


def _steady(coef: np.ndarray, residuals: dict[str, float], s: SolverSettings) -> bool:
    if len(coef) < max(s.min_iter, s.window + s.smooth) or not residuals:
        return False
    dcl, dcd = _spreads(coef, s.window, s.smooth)
    ocl, ocd = _spreads(coef, s.window)
    scale_cl, scale_cd = max(abs(coef[-1, 2]), 0.1), abs(coef[-1, 1])
    return (dcl <= s.cl_tol * scale_cl and dcd <= s.cd_tol * scale_cd
            and ocl <= s.cycle_tol * scale_cl and ocd <= s.cycle_tol * scale_cd
            and all(v <= (s.turbulence_residual_tol if k == "nuTilda" else s.residual_tol)
                    for k, v in residuals.items()))


def _unsteady(coef: np.ndarray, s: SolverSettings) -> bool:
    if len(coef) < max(s.give_up_iter, s.give_up_window):
        return False
    return _spreads(coef, s.give_up_window)[0] > s.give_up_tol * max(abs(coef[-1, 2]), 0.1)


def solve(case: PathLike, settings: SolverSettings = SolverSettings(),
          poll_s: float = 1.0) -> SolveResult:
    """Run ``simpleFoam`` in ``case`` until C_L and C_D are steady, then post-process.

    After the solve, ``writeCellCentres``, ``wallShearStress`` and ``yPlus`` run on the
    final fields (``simpleFoam -postProcess -latestTime``).

    Returns
    -------
    SolveResult
        ``converged`` is False when ``max_iter`` was reached first (the fields of the last
        iteration are written either way).

    Raises
    ------
    SolverError
        The solver crashed, produced non-finite forces, or ran past ``timeout_s``.
    """
    case = Path(case)
    log_path = case / "log.simpleFoam"
    t0 = time.monotonic()
    stopped = False
    with open(log_path, "w") as log:
        proc = subprocess.Popen(_script(find_foam_bashrc(), case, "simpleFoam"), stdout=log,
                                stderr=subprocess.STDOUT, env={**os.environ, "LC_ALL": "C"})
        try:
            while proc.poll() is None:
                time.sleep(poll_s)
                if time.monotonic() - t0 > settings.timeout_s:
                    raise SolverError(f"{case}: simpleFoam ran past {settings.timeout_s:.0f} s")
                if stopped:
                    continue
                coef = read_force_coefficients(case)
                if len(coef) and not np.isfinite(coef[-1]).all():
                    raise SolverError(f"{case}: non-finite force coefficients (diverged)")
                if _unsteady(coef, settings):
                    cl_var = _spreads(coef, settings.give_up_window)[0]
                    raise SolverError(
                        f"{case}: unsteady, not converging: C_L varies by {cl_var:.3g} over the "
                        f"last {settings.give_up_window} of {len(coef)} iterations")
                if _steady(coef, _last_residuals(_tail(log_path)), settings):
                    proc.send_signal(_STOP_SIGNAL)  # OpenFOAM writes this iteration and ends
                    stopped = True
        finally:
            if proc.poll() is None and not stopped:
                proc.kill()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    seconds = time.monotonic() - t0
    text = log_path.read_text()
    if proc.returncode != 0 or "FOAM FATAL" in text:
        tail = "\n".join(text.splitlines()[-25:])
        raise SolverError(f"{case}: simpleFoam failed (exit {proc.returncode}):\n{tail}")
    coef = read_force_coefficients(case)
    if not len(coef) or not np.isfinite(coef).all():
        raise SolverError(f"{case}: no finite force coefficients")
    residuals = _last_residuals(text[-20000:] + "\nTime = end")
    converged = _steady(coef, residuals, settings)
    dcl, dcd = _spreads(coef, settings.window, settings.smooth)
    ocl, ocd = _spreads(coef, settings.window)
    post = run_foam(case, "simpleFoam -postProcess -latestTime -noFunctionObjects -funcs "
                    "'(writeCellCentres wallShearStress yPlus)'", case / "log.postProcess")
    yp = re.search(r"patch airfoil y\+ : min = (\S+), max = (\S+), average = (\S+)", post)
    y_plus = (float(yp.group(1)), float(yp.group(3)), float(yp.group(2))) if yp else (
        math.nan, math.nan, math.nan)
    return SolveResult(
        case=str(case), converged=converged, iterations=int(coef[-1, 0]), seconds=seconds,
        cl=float(coef[-1, 2]), cd=float(coef[-1, 1]), cm=float(coef[-1, 3]),
        cl_spread=dcl, cd_spread=dcd, cl_mean=float(coef[-settings.window:, 2].mean()),
        cd_mean=float(coef[-settings.window:, 1].mean()), cl_cycle=ocl, cd_cycle=ocd,
        residuals=residuals, y_plus=y_plus,
        reason="" if converged else "C_L/C_D or residuals not steady at max_iter")


def _tail(path: Path, nbytes: int = 8000) -> str:
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - nbytes))
        return f.read().decode(errors="replace")
