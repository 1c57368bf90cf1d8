"""The shipped dataset (datasets/airfoil_rans): reader, split, and physical checks.

These read the stored files only (no solver): they catch wrong or corrupted data, e.g.
a sign error in the wall shear, a pressure offset, an unconverged case or a broken split.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import spearmanr

from geonop.data.airfoil.dataset import AirfoilRANSDataset, default_root
from geonop.data.airfoil.extract import integrate_coefficients

ROOT = default_root()
pytestmark = pytest.mark.skipif(not (ROOT / "manifest.json").is_file(),
                                reason=f"no shipped airfoil dataset at {ROOT}")


@pytest.fixture(scope="module")
def full() -> AirfoilRANSDataset:
    return AirfoilRANSDataset(split="all", cache_meshes=64)


@pytest.fixture(scope="module")
def cases(full) -> list[dict]:
    return [full.case(i) for i in range(len(full))]


def test_layout_size_and_split(full):
    files = {p.stem for p in (ROOT / "cases").glob("*.npz")}
    assert set(full.case_ids) == files
    assert len(full) >= 100
    size = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    assert size < 40 * 2**20
    split = json.loads((ROOT / "split.json").read_text())
    train, test = AirfoilRANSDataset(split="train"), AirfoilRANSDataset(split="test")
    assert sorted(train.case_ids + test.case_ids) == sorted(full.case_ids)
    # whole shapes are held out, about a fifth of them
    assert not set(split["train_shapes"]) & set(split["test_shapes"])
    assert not set(train.globals()["shape_id"]) & set(test.globals()["shape_id"])
    frac = len(split["test_shapes"]) / (len(split["test_shapes"]) + len(split["train_shapes"]))
    assert 0.12 <= frac <= 0.3


def test_parameter_ranges(full):
    g = full.globals()
    assert g["reynolds"].min() >= 2e6 * 0.999 and g["reynolds"].max() <= 6e6 * 1.001
    assert g["aoa_deg"].min() >= -5 and g["aoa_deg"].max() <= 15
    assert g["aoa_deg"].max() - g["aoa_deg"].min() > 15  # the range is covered
    families = {r["family"] for r in full.records}
    assert families == {"naca4", "naca5"}


def test_reader_sample(full):
    d = full[0]
    n = d.pos.shape[0]
    assert d.y.shape == (n, 4) and d.u.shape == (1, 2)
    assert d.surface_pos.shape[0] == d.surface_y.shape[0] == d.surface_normal.shape[0]
    assert bool(np.isfinite(d.y.numpy()).all())
    nrm = np.linalg.norm(d.surface_normal.numpy(), axis=1)
    np.testing.assert_allclose(nrm, 1.0, atol=1e-5)


def test_all_converged_and_wall_resolved(full):
    for r in full.records:
        assert r["converged"], r["case_id"]
        res = r["residuals"]
        assert max(res["Ux"], res["Uy"], res["p"]) <= 1e-4 and res["nuTilda"] <= 1e-3, r["case_id"]
        assert r["y_plus"][2] < 5.0, r["case_id"]  # wall-resolved: y+ ~ 1, a few at the nose


def test_stored_wall_fields_reproduce_openfoam_coefficients(cases):
    for c in cases:
        m = c["meta"]
        coef = integrate_coefficients(c["surface_pos"], c["surface_normal"], c["surface_length"],
                                      c["surface_p"], c["surface_tau"], m["u_inf"], m["aoa_deg"])
        assert abs(coef["cl"] - m["cl"]) <= 1e-3 * max(abs(m["cl"]), 0.05), m["case_id"]
        assert abs(coef["cd"] - m["cd"]) <= 1e-3 * m["cd"], m["case_id"]


def test_stagnation_and_far_field_pressure(cases):
    for c in cases:
        m = c["meta"]
        q = 0.5 * m["u_inf"] ** 2
        cp_wall = c["surface_p"] / q
        assert 0.95 < cp_wall.max() < 1.05, m["case_id"]
        # 10 chords away the airfoil looks like a point vortex of circulation C_L U c / 2:
        # |Cp| <= C_L / (2 pi r) and |u - U| <= C_L U / (4 pi r) (0.8 % and 0.4 % at C_L 0.5),
        # plus a small allowance for thickness and wake
        far = np.hypot(c["volume_pos"][:, 0] - 0.5, c["volume_pos"][:, 1]) > 10
        cl = abs(m["cl"])
        assert np.abs(c["volume_p"][far] / q).max() < 0.01 + cl / (2 * np.pi * 10), m["case_id"]
        speed = np.linalg.norm(c["volume_u"][far], axis=1) / m["u_inf"]
        assert np.abs(speed - 1).max() < 0.005 + cl / (4 * np.pi * 10), m["case_id"]

        # no-slip and a resolved viscous sublayer (y+ < 3): the wall cell's tangential speed
        # is |tau_w| d / nu, d its distance to the wall; this ties U, the wall shear, the
        # normals and the cell-to-face map together
        cells, n = c["surface_cell"], c["surface_normal"]
        d = np.abs(np.sum((c["volume_pos"][cells] - c["surface_pos"]) * n, axis=1))
        u = c["volume_u"][cells]
        u_t = np.linalg.norm(u - np.sum(u * n, axis=1)[:, None] * n, axis=1)
        predicted = np.linalg.norm(c["surface_tau"], axis=1) * d / m["nu"]
        ok = predicted > 1e-3 * m["u_inf"]
        ratio = u_t[ok] / predicted[ok]
        assert abs(np.median(ratio) - 1) < 0.01, m["case_id"]
        assert np.percentile(np.abs(ratio - 1), 99) < 0.03, m["case_id"]


def test_lift_slope_drag_and_monotonic_lift(full):
    g = full.globals()
    rhos, slopes = [], []
    for s in np.unique(g["shape_id"]):
        sel = (g["shape_id"] == s) & (g["aoa_deg"] <= 10)
        if sel.sum() >= 3:
            rhos.append(spearmanr(g["aoa_deg"][sel], g["cl"][sel]).statistic)
        low = (g["shape_id"] == s) & (g["aoa_deg"] <= 6)
        if low.sum() >= 2:
            slopes.append(np.polyfit(np.radians(g["aoa_deg"][low]), g["cl"][low], 1)[0])
    # C_L increases with the angle at a fixed shape below stall
    assert len(rhos) >= 10 and np.mean(np.array(rhos) == 1.0) > 0.9
    # thin-airfoil slope 2 pi, ~0.9 of it with viscosity and thickness
    med = float(np.median(slopes)) / (2 * np.pi)
    assert 0.8 < med < 1.1
    # fully turbulent drag at small angles
    small = np.abs(g["aoa_deg"]) <= 5
    assert np.all((g["cd"][small] > 0.005) & (g["cd"][small] < 0.025))
