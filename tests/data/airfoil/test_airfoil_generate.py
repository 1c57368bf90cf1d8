"""Case planning, storage, resume bookkeeping, split and the dataset reader.

OpenFOAM and Gmsh are replaced by fakes that produce a small synthetic flow, so this runs
anywhere in a second; ``test_airfoil_solver.py`` runs the real chain.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import geonop.data.airfoil.generate as gen
from geonop.data.airfoil.dataset import AirfoilRANSDataset
from geonop.data.airfoil.extract import CaseFields
from geonop.data.airfoil.openfoam_case import SolverError, SolveResult
from geonop.errors import CorruptFileError, InvalidArgumentError, MissingFileError


def test_plan_ranges_strata_and_prefix_stability():
    plan = gen.plan_cases(40, seed=3, cases_per_shape=4)
    assert len(plan) == 40 and len({c.case_id for c in plan}) == 40
    re_ = np.array([c.u_inf / c.nu for c in plan])
    assert re_.min() >= 2e6 * (1 - 1e-5) and re_.max() <= 6e6 * (1 + 1e-5)
    aoa = np.array([c.aoa_deg for c in plan]).reshape(10, 4)
    # one angle per 5-degree stratum of [-5, 15], in order
    for k in range(4):
        assert np.all((aoa[:, k] >= -5 + 5 * k) & (aoa[:, k] <= 5 * k))
    for c in plan:
        a = c.shape.airfoil(n=41)  # every planned shape is a valid NACA section
        t = a.thickness(np.linspace(0, 1, 201)).max()
        assert 0.049 < t < 0.201
        if c.shape.family == "naca4" and c.shape.params[0] == 0:
            assert c.shape.params[1] == 0  # P = 0 only for symmetric sections
    # a longer plan starts with the shorter one; another seed differs
    assert gen.plan_cases(57, seed=3)[:40] == plan
    assert gen.plan_cases(40, seed=4) != plan
    with pytest.raises(InvalidArgumentError):
        gen.plan_cases(0)


def test_split_holds_out_whole_shapes_and_is_stable():
    ids = [f"s{i:04d}" for i in range(30)]
    test = gen._split_shapes(ids, seed=0)
    assert len(test) == 6  # one per block of five
    assert gen._split_shapes(ids[:20], seed=0) == {s for s in test if int(s[1:]) < 20}
    assert gen._split_shapes(ids, seed=1) != test


# ---------------------------------------------------------------------------------------
# run_shape with fake mesher and solver
# ---------------------------------------------------------------------------------------

N_CELLS = 500


def _fake_fields(spec) -> CaseFields:
    """Potential-flow-like data on a fixed point set, with an exact wall integral."""
    rng = np.random.default_rng(0)  # the 'mesh' must not depend on the case
    r = 0.6 + 10 * rng.random(N_CELLS) ** 2
    t = 2 * np.pi * rng.random(N_CELLS)
    pos = np.c_[0.5 + r * np.cos(t), r * np.sin(t)]
    a = math.radians(spec.aoa_deg)
    u = spec.u_inf * np.tile([math.cos(a), math.sin(a)], (N_CELLS, 1)) * (1 - 0.3 / r)[:, None]
    p = 0.5 * (spec.u_inf**2 - (u**2).sum(1))
    m = 64
    th = (np.arange(m) + 0.5) * 2 * np.pi / m
    nrm = np.c_[np.cos(th), np.sin(th)]
    sp = 0.5 * (spec.u_inf**2) * (1 - 4 * np.sin(th - a) ** 2) - 3.0 * spec.aoa_deg * np.sin(th)
    tau = 0.01 * spec.u_inf * np.c_[-np.sin(th), np.cos(th)]
    return CaseFields(volume_pos=pos, volume_u=u, volume_p=p, volume_nut=1e-5 * r,
                      surface_pos=0.5 * nrm + (0.5, 0), surface_normal=nrm,
                      surface_length=np.full(m, np.pi / m), surface_p=sp, surface_tau=tau,
                      surface_cell=np.arange(m), span=0.1)


@pytest.fixture
def fake_solver(monkeypatch):
    state = {"solved": []}

    def fake_mesh(airfoil, path, options):
        path.write_text("mesh")
        return {"nodes": 1, "quads": 2, "triangles": 3, "wall_faces": 64}

    def fake_polymesh(msh, case):
        (case / "constant/polyMesh").mkdir(parents=True)
        return {"cells": N_CELLS, "checkMesh": "OK"}

    def fake_write_case(case, conditions, span, settings):
        case.mkdir(parents=True, exist_ok=True)
        (case / "conditions.json").write_text(json.dumps([conditions.u_inf, conditions.aoa_deg]))

    def fake_solve(case, settings):
        u, aoa = json.loads((case / "conditions.json").read_text())
        if aoa > 14:
            raise SolverError(f"{case}: simpleFoam failed (fake divergence)")
        state["solved"].append(case.name)
        f = _fake_fields(type("S", (), {"u_inf": u, "aoa_deg": aoa}))
        c = gen.integrate_coefficients(f.surface_pos, f.surface_normal, f.surface_length,
                                       f.surface_p, f.surface_tau, u, aoa)
        return SolveResult(str(case), converged=aoa > -4.9, iterations=500, seconds=1.0,
                           cl=c["cl"], cd=c["cd"], cm=c["cm"], cl_spread=0.0, cd_spread=0.0)

    def fake_extract(case):
        u, aoa = json.loads((case / "conditions.json").read_text())
        return _fake_fields(type("S", (), {"u_inf": u, "aoa_deg": aoa}))

    monkeypatch.setattr(gen, "write_airfoil_mesh", fake_mesh)
    monkeypatch.setattr(gen, "build_polymesh", fake_polymesh)
    monkeypatch.setattr(gen, "write_case", fake_write_case)
    monkeypatch.setattr(gen, "solve", fake_solve)
    monkeypatch.setattr(gen, "extract_case", fake_extract)
    return state


def _make(tmp_path, n_cases=12):
    plan = gen.plan_cases(n_cases, seed=0)
    by_shape = {}
    for c in plan:
        by_shape.setdefault(c.shape.shape_id, []).append(c)
    records = []
    for cases in by_shape.values():
        records += gen.run_shape(cases[0].shape, cases, tmp_path, work_dir=tmp_path)
    gen.write_index(tmp_path, seed=0)
    return plan, records


def test_run_shape_stores_ok_cases_and_records_failures(tmp_path, fake_solver):
    plan, records = _make(tmp_path)
    status = {r["case_id"]: r["status"] for r in records}
    assert set(status) == {c.case_id for c in plan}
    expected_fail = {c.case_id for c in plan if c.aoa_deg > 14 or c.aoa_deg <= -4.9}
    assert {k for k, v in status.items() if v == "failed"} == expected_fail
    stored = {p.stem for p in (tmp_path / "cases").glob("*.npz")}
    assert stored == {k for k, v in status.items() if v == "ok"}
    assert not list(tmp_path.glob("geonop_*"))  # work folders removed
    assert not list((tmp_path / "cases").glob(".*"))  # no temporary files left
    # stored float32 surface re-integrates to the solver's coefficients
    man = json.loads((tmp_path / "manifest.json").read_text())
    for c in man["cases"]:
        assert abs(c["cl_reintegrated"] - c["cl"]) <= 1e-5 * max(1.0, abs(c["cl"]))
        assert abs(c["cd_reintegrated"] - c["cd"]) <= 1e-5 * max(1.0, abs(c["cd"]))
    split = json.loads((tmp_path / "split.json").read_text())
    assert sorted(split["train"] + split["test"]) == sorted(stored)
    assert not set(split["train_shapes"]) & set(split["test_shapes"])


def test_changed_mesh_resolves_the_shapes_cases(tmp_path, fake_solver):
    plan, _ = _make(tmp_path, n_cases=4)
    shape = plan[0].shape
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "cases").glob("*.npz")}
    # a re-mesh that differs from the stored mesh removes the shape's old cases
    with np.load(gen.mesh_path(tmp_path, shape.shape_id)) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["volume_pos"] = arrays["volume_pos"] + 1.0
    np.savez_compressed(gen.mesh_path(tmp_path, shape.shape_id), **arrays)
    recs = gen.run_shape(shape, [plan[1]], tmp_path, work_dir=tmp_path, planned=plan)
    after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "cases").glob("*.npz")}
    # every stored case of the shape was solved again on the new mesh
    assert set(after) == set(before) and len(before) > 1
    assert all(after[k] != before[k] for k in before)
    assert {r["case_id"] for r in recs} == {k[:-4] for k in before} | {plan[1].case_id}
    with np.load(gen.mesh_path(tmp_path, shape.shape_id)) as z:
        np.testing.assert_allclose(z["volume_pos"], arrays["volume_pos"] - 1.0, atol=1e-6)


def test_dataset_reader(tmp_path, fake_solver):
    _make(tmp_path)
    train = AirfoilRANSDataset(tmp_path, split="train")
    test = AirfoilRANSDataset(tmp_path, split="test", query_points=100)
    full = AirfoilRANSDataset(tmp_path, split="all")
    assert len(train) + len(test) == len(full) > 0
    assert not set(train.globals()["shape_id"]) & set(test.globals()["shape_id"])
    d = full[0]
    rec = full.records[0]
    assert d.pos.shape == (N_CELLS, 2) and d.y.shape == (N_CELLS, 4)
    assert d.surface_y.shape == (64, 3) and d.surface_normal.shape == (64, 2)
    assert d.u.tolist() == [[pytest.approx(rec["u_inf"]), pytest.approx(rec["aoa_deg"])]]
    c = full.case(0)
    np.testing.assert_allclose(d.y[:, 2].numpy(), c["volume_p"], rtol=1e-6)
    # training views: random subsets, repeatable from the seed; evaluation: every point
    if len(test):
        a, b = test[(0, 7)], test[(0, 7)]
        assert a.pos.shape == (100, 2) and bool((a.pos == b.pos).all())
        assert test[0].pos.shape == (N_CELLS, 2)
    assert full.spec()["targets"] == [["U", 2], ["p", 1], ["nut", 1]]
    stats = full.statistics()
    assert stats["y"].mean.shape[-1] == 4
    with pytest.raises(InvalidArgumentError):
        AirfoilRANSDataset(tmp_path, split="valid")
    with pytest.raises(MissingFileError):
        AirfoilRANSDataset(tmp_path / "nowhere")
    # a case file that does not match its mesh is reported, not silently misread
    rec_path = tmp_path / "cases" / f"{rec['case_id']}.npz"
    with np.load(rec_path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["volume_p"] = arrays["volume_p"][:-1]
    np.savez_compressed(rec_path, **arrays)
    with pytest.raises(CorruptFileError, match="cells"):
        full.case(0)
