"""The real chain, end to end: Gmsh -> gmshToFoam -> simpleFoam -> extraction -> dataset.

The end-to-end test needs OpenFOAM (``etc/bashrc``) and gmsh and is skipped otherwise. One coarse case takes
~20-60 s on one core, so the test is marked ``slow`` and ``solver``:
``pytest -m "slow and solver" tests/data/airfoil``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import geonop.optional
from geonop.data.airfoil.dataset import AirfoilRANSDataset
from geonop.data.airfoil.extract import integrate_coefficients
from geonop.data.airfoil.generate import generate_dataset, plan_cases
from geonop.data.airfoil.mesher import MeshOptions
from geonop.data.airfoil.openfoam_case import (
    OpenFOAMNotFoundError,
    SolverSettings,
    find_foam_bashrc,
    openfoam_available,
)

# ~3k cells, wall functions (y+ ~ 10-30): a solver smoke test, not production quality
TINY = MeshOptions(first_cell=5e-5, growth=1.3, bl_thickness=0.02, wall_nodes=40, far_nodes=6,
                   near_size=0.05, size_growth=0.3, le_size=0.02, le_growth=0.3)
# the coarse mesh's residuals level off near 1e-4: the forces still have to be steady
SMOKE = SolverSettings(max_iter=2500, residual_tol=1e-3)


def test_missing_openfoam_message(monkeypatch, tmp_path):
    """Runs everywhere: OpenFOAM is hidden, the error says what to install."""
    monkeypatch.setenv("FOAM_BASHRC", str(tmp_path / "nope"))
    monkeypatch.setattr("glob.glob", lambda pattern: [])
    monkeypatch.setattr("os.path.isfile", lambda p: False)
    with pytest.raises(OpenFOAMNotFoundError, match="needs OpenFOAM"):
        find_foam_bashrc()


@pytest.mark.slow
@pytest.mark.solver
@pytest.mark.skipif(not openfoam_available(), reason="OpenFOAM (etc/bashrc) is not installed")
def test_one_tiny_case_end_to_end(tmp_path):
    if not geonop.optional.WITH_GMSH:  # read at call time: the no_optional fixture
        pytest.skip("gmsh is not installed")
    out = tmp_path / "ds"
    res = generate_dataset(out, n_cases=1, workers=1, seed=11, mesh_options=TINY,
                           settings=SMOKE, progress=False)
    assert res["failed"] == 0, res["records"]
    assert res["ok"] == 1
    spec = plan_cases(1, seed=11)[0]
    ds = AirfoilRANSDataset(out, split="all")
    assert len(ds) == 1
    c = ds.case(0)
    meta = c["meta"]
    assert meta["converged"] and meta["case_id"] == spec.case_id
    assert meta["u_inf"] == pytest.approx(spec.u_inf) and meta["aoa_deg"] == pytest.approx(spec.aoa_deg)
    # physical sanity: stagnation point, quiet far field, plausible coefficients
    q = 0.5 * spec.u_inf**2
    assert 0.9 < c["surface_p"].max() / q < 1.1
    r = np.hypot(c["volume_pos"][:, 0] - 0.5, c["volume_pos"][:, 1])
    assert np.abs(c["volume_p"][r > 10] / q).max() < 0.03
    assert 0.004 < meta["cd"] < 0.05
    # the stored surface fields reproduce OpenFOAM's forceCoeffs
    coef = integrate_coefficients(c["surface_pos"], c["surface_normal"], c["surface_length"],
                                  c["surface_p"], c["surface_tau"], spec.u_inf, spec.aoa_deg)
    assert coef["cl"] == pytest.approx(meta["cl"], rel=1e-4, abs=1e-5)
    assert coef["cd"] == pytest.approx(meta["cd"], rel=1e-4)
    # the wall normals point out of the airfoil and the wall cells touch the wall faces
    centre = c["outline"].mean(axis=0)
    assert np.mean(np.sum((c["surface_pos"] - centre) * c["surface_normal"], axis=1) > 0) > 0.9
    gap = np.linalg.norm(c["volume_pos"][c["surface_cell"]] - c["surface_pos"], axis=1)
    assert gap.max() < 0.05
    # a rerun resumes: nothing left to do
    again = generate_dataset(out, n_cases=1, workers=1, seed=11, mesh_options=TINY,
                             settings=SMOKE, progress=False)
    assert again["skipped"] == 1 and again["ok"] == 0 and again["failed"] == 0
    split = json.loads((out / "split.json").read_text())
    assert split["train"] + split["test"] == [spec.case_id]
