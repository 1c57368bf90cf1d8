"""OpenFOAM case files and the convergence monitor (no OpenFOAM needed)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from geonop.data.airfoil import openfoam_case as oc
from geonop.errors import InvalidArgumentError


def test_flow_conditions():
    f = oc.FlowConditions(46.8, 4.0)
    assert f.reynolds == pytest.approx(3e6)
    ux, uy = f.velocity
    assert math.hypot(ux, uy) == pytest.approx(46.8)
    assert math.degrees(math.atan2(uy, ux)) == pytest.approx(4.0)
    for bad in ({"u_inf": 0.0, "aoa_deg": 0.0}, {"u_inf": 10.0, "aoa_deg": 50.0},
                {"u_inf": 10.0, "aoa_deg": float("nan")}):
        with pytest.raises(InvalidArgumentError):
            oc.FlowConditions(**bad)
    with pytest.raises(InvalidArgumentError):
        oc.SolverSettings(window=500, min_iter=300)


def test_case_files(tmp_path):
    oc.write_case(tmp_path, oc.FlowConditions(31.2, -3.0), span=0.1)
    for rel in ("0/U", "0/p", "0/nut", "0/nuTilda", "constant/transportProperties",
                "constant/turbulenceProperties", "system/controlDict", "system/fvSchemes",
                "system/fvSolution"):
        assert (tmp_path / rel).is_file(), rel
    ctrl = (tmp_path / "system/controlDict").read_text()
    a = math.radians(-3.0)
    lift = [float(v) for v in re.search(r"liftDir\s+\(([^)]*)\)", ctrl).group(1).split()]
    drag = [float(v) for v in re.search(r"dragDir\s+\(([^)]*)\)", ctrl).group(1).split()]
    np.testing.assert_allclose(lift, [-math.sin(a), math.cos(a), 0], atol=1e-12)
    np.testing.assert_allclose(drag, [math.cos(a), math.sin(a), 0], atol=1e-12)
    assert re.search(r"Aref\s+0.1;", ctrl) and re.search(r"magUInf\s+31.2;", ctrl)
    assert "stopAtWriteNowSignal" in ctrl
    u = (tmp_path / "0/U").read_text()
    assert "freestreamVelocity" in u and "noSlip" in u
    assert "SpalartAllmaras" in (tmp_path / "constant/turbulenceProperties").read_text()
    assert "consistent      yes" in (tmp_path / "system/fvSolution").read_text()


def test_force_file_and_residual_parsing(tmp_path):
    d = tmp_path / "postProcessing/forceCoeffs/0"
    d.mkdir(parents=True)
    head = "# Force coefficients\n# Time \tCd\tCs\tCl\tCmRoll\tCmPitch\tCmYaw\n"
    rows = "".join(f"{i}\t{0.01 + 1e-4 / i}\t0\t{0.5 - 1e-2 / i}\t0\t-0.05\t0\n" for i in range(1, 6))
    (d / "coefficient.dat").write_text(head + rows + "6\t0.0100")  # half-written last line
    coef = oc.read_force_coefficients(tmp_path)
    assert coef.shape == (5, 4)
    np.testing.assert_allclose(coef[-1], [5, 0.01 + 2e-5, 0.5 - 2e-3, -0.05])
    assert oc.read_force_coefficients(tmp_path / "none").shape == (0, 4)
    log = ("Time = 41\n\nsmoothSolver:  Solving for Ux, Initial residual = 1e-03, Final\n"
           "GAMG:  Solving for p, Initial residual = 2e-03, Final\n"
           "Time = 42\n\nsmoothSolver:  Solving for Ux, Initial residual = 5e-06, Final\n"
           "GAMG:  Solving for p, Initial residual = 4e-07, Final\n"
           "smoothSolver:  Solving for nuTilda, Initial residual = 3e-05, Final\n"
           "Time = 43\n\nsmoothSolver:  Solving for Ux, Initial res")
    assert oc._last_residuals(log) == {"Ux": 5e-06, "p": 4e-07, "nuTilda": 3e-05}


def _history(cl, cd):
    it = np.arange(1, len(cl) + 1)
    return np.c_[it, cd, cl, np.zeros_like(cl)]


RES = {"Ux": 1e-6, "Uy": 1e-6, "p": 1e-7, "nuTilda": 1e-5}


def test_convergence_monitor():
    s = oc.SolverSettings()
    it = np.arange(1, 1201, dtype=float)
    # exponential approach: steady once the remaining drift is below the tolerance
    cl, cd = 0.8 - 0.3 * np.exp(-it / 60), 0.012 + 0.004 * np.exp(-it / 60)
    assert oc._steady(_history(cl, cd), RES, s)
    assert not oc._steady(_history(cl[:250], cd[:250]), RES, s)  # still drifting, and < min_iter
    slow = 0.8 - 0.3 * np.exp(-it[:600] / 300)
    assert not oc._steady(_history(slow, cd[:600]), RES, s)  # past min_iter, still drifting
    # a two-iteration limit cycle of small amplitude is steady on average
    cyc = np.where(it % 2 == 0, 1.0, -1.0)
    assert oc._steady(_history(cl + 1e-4 * cyc, cd + 2e-5 * cyc), RES, s)
    # ... but not a large one
    assert not oc._steady(_history(cl + 0.05 * cyc, cd), RES, s)
    # residual thresholds: U and p strict, nuTilda looser
    assert not oc._steady(_history(cl, cd), {**RES, "p": 5e-4}, s)
    assert oc._steady(_history(cl, cd), {**RES, "nuTilda": 5e-4}, s)
    assert not oc._steady(_history(cl, cd), {**RES, "nuTilda": 5e-3}, s)
    # an oscillating, stalled case is given up after give_up_iter
    osc = 1.2 + 0.3 * np.sin(it / 20)
    long = np.r_[osc, osc[:400]]
    assert not oc._unsteady(_history(osc[:1400], cd[:1400]), s)
    assert oc._unsteady(_history(long, np.full(len(long), 0.05)), s)
    assert not oc._unsteady(_history(np.r_[cl, cl[-1:].repeat(400)], np.full(1600, 0.01)), s)


def test_retype_patches(tmp_path):
    b = tmp_path / "boundary"
    b.write_text("""FoamFile { class polyBoundaryMesh; }
// * * * * //
4
(
    airfoil { type patch; nFaces 198; startFace 100; }
    farfield { type patch; nFaces 44; startFace 298; }
    frontAndBack { type patch; nFaces 2000; startFace 342; }
    defaultFaces { type empty; nFaces 0; startFace 2342; }
)
""")
    oc._retype_patches(b)
    text = b.read_text()
    assert re.search(r"airfoil\s*\{\s*type\s+wall;", text)
    assert re.search(r"frontAndBack\s*\{\s*type\s+empty;", text)
    assert "defaultFaces" not in text
    b.write_text(b.read_text().replace("farfield", "inlet"))
    with pytest.raises(oc.SolverError, match="expected"):
        oc._retype_patches(b)
